"""Bulk inserts behind one seam: PostgreSQL `COPY`, elsewhere `bulk_create`.

A large import spends most of its database time in building and parsing multi-row INSERT
statements; `COPY` streams the rows instead. The primary keys are reserved from the table's
sequence first, so the caller gets its objects back with ids exactly as from `bulk_create`.
Values go through each field's own `pre_save` and `get_db_prep_save`, so what is stored is
what `save()` would store.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models


def bulk_insert(model: type[models.Model], objs: list[Any], *, batch_size: int = 2000) -> list:
    """Insert unsaved objects and set their primary keys; returns them."""
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=batch_size)
        return objs
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    table = meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk.column, len(objs)],
        )
        for obj, (ident,) in zip(objs, cursor.fetchall(), strict=True):
            setattr(obj, pk.attname, ident)
        fields = meta.concrete_fields
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        raw = cursor.cursor  # psycopg's own cursor under Django's wrapper
        with raw.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row(
                    [
                        f.get_db_prep_save(f.pre_save(obj, True), connection=connection)
                        for f in fields
                    ]
                )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs
