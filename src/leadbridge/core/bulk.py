"""Bulk inserts of plain rows behind one seam: PostgreSQL `COPY`, elsewhere `executemany`.

A large import spends most of its database time in building and parsing multi-row INSERT
statements; `COPY` streams the rows instead. The primary keys are reserved from the table's
sequence first, so the caller gets the new ids in order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, models


def copy_rows(table: str, columns: list[str], rows: Iterable[list | tuple]) -> None:
    """Rows of plain values into a table by PostgreSQL `COPY` (no model instances)."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor under Django's wrapper
        with raw.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def insert_new_rows(model: type[models.Model], columns: list[str], rows: list[list]) -> list[int]:
    """Insert rows of plain column values (no model instances, no primary key) and return
    their new ids in order: reserved from the sequence and streamed by `COPY` on
    PostgreSQL; elsewhere one `executemany`, whose ids follow the table's last one (the
    transaction holds SQLite's write lock from the insert on, so nothing comes between)."""
    if not rows:
        return []
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, len(rows)],
            )
            ids = [ident for (ident,) in cursor.fetchall()]
        copied = ([i, *r] for i, r in zip(ids, rows, strict=True))
        copy_rows(meta.db_table, [pk.column, *columns], copied)
        return ids
    assert connection.in_atomic_block, "insert_new_rows needs a transaction"
    insert_rows(meta.db_table, columns, rows)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({quote(pk.column)}) FROM {quote(meta.db_table)}")
        last = cursor.fetchone()[0]
    return list(range(last - len(rows) + 1, last + 1))


def insert_rows(table: str, columns: list[str], rows: Iterable[list | tuple]) -> None:
    """Rows of plain values into a table: `COPY` on PostgreSQL, `executemany` elsewhere
    (date-times adapted as the backend stores them)."""
    if connection.vendor == "postgresql":
        copy_rows(table, columns, rows)
        return
    adapt = connection.ops.adapt_datetimefield_value
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    data = [[adapt(v) if isinstance(v, dt.datetime) else v for v in row] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", data)


def copy_text(value: Any) -> str:
    """A value as one field of PostgreSQL's `COPY` text format (what psycopg's `write_row`
    sends), for rows prepared as text in another process. Text must hold no NUL."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        # Four scans for the rare special characters cost less than escaping every text, and
        # chained `replace` calls less than one `translate`.
        if "\\" in value:
            value = value.replace("\\", "\\\\")
        if "\t" in value or "\n" in value or "\r" in value:
            value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)  # int, Decimal


def copy_lines(table: str, columns: list[str], lines: Iterable[str]) -> None:
    """Lines already in `COPY` text format (fields by `copy_text`, tab-separated, each ending
    in a newline) into a table, written in large chunks."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    chunk: list[str] = []
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            for line in lines:
                chunk.append(line)
                if len(chunk) >= 2000:
                    copy.write("".join(chunk))
                    chunk = []
            if chunk:
                copy.write("".join(chunk))
