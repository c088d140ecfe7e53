"""Export of any list (F25) and of an import's error report, as CSV or XLSX, streamed.

Rows are read with `iterator()` in chunks and written as they come, so an export's memory
does not grow with the list: CSV goes straight to the response; XLSX is written by openpyxl's
write-only mode into a temporary file, which is then streamed.

A lead export's headers are the import's field names and lookups come out by name (status,
source, owner, team), so an exported file imports back as the same records. `select_columns`
narrows any export to the columns asked for, in their order.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from babel.numbers import get_decimal_symbol
from django.db.models import QuerySet

from leadbridge.core.labels import babel_locale
from leadbridge.core.specs import SPECS

EXPORT_FORMATS = ("csv", "xlsx")
CHUNK = 2000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# References exported by name (the import resolves them by name).
BY_NAME = {"status_id": "status", "source_id": "source", "owner_id": "owner", "team_id": "team"}
LIST_SEPARATOR = "; "


def cell(value: Any) -> Any:
    """A stored value as a spreadsheet cell."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return str(value)
    return value


def _name(obj: Any, relation: str, *, readable: bool = False) -> str:
    related = getattr(obj, relation, None)
    if related is None:
        return ""
    if relation == "owner" and not readable:
        return related.username  # what the import resolves
    if hasattr(related, "get_full_name"):
        return str(related.get_full_name() or related.username)
    return str(getattr(related, "display_name", None) or getattr(related, "name", None) or related)


def record_rows(
    record_type: str, qs: QuerySet, custom_keys: list[str], *, readable: bool = False
) -> Iterator[list]:
    """The header, then one row per record: id, the spec's fields, custom fields, stamps.

    `readable` (the spreadsheet layout, for people): every reference (client, contact,
    pipeline, stage…) by its name and people by their full name, instead of ids and the
    user names the import resolves.
    """
    spec = SPECS[record_type]
    names = ["id"] + [BY_NAME.get(f.name, f.name) for f in spec.fields] + custom_keys
    names += ["created_at", "updated_at"]
    yield names
    by_name = dict(BY_NAME)
    if readable:
        by_name.update({f.name: f.name[: -len("_id")] for f in spec.refs})
    related = [r for r in by_name.values() if _relation(qs.model, r)]
    for obj in qs.select_related(*related).order_by("id").iterator(chunk_size=CHUNK):
        row = [obj.pk]
        for f in spec.fields:
            if f.name in by_name and by_name[f.name] in related:
                row.append(_name(obj, by_name[f.name], readable=readable))
            else:
                value = getattr(obj, f.attr)
                # Amounts stay Decimal until written: the spreadsheet layout formats them.
                row.append(value if isinstance(value, Decimal) else cell(value))
        custom = obj.custom_fields or {}
        row += [cell(custom.get(k)) for k in custom_keys]
        row += [cell(obj.created_at), cell(obj.updated_at)]
        yield row


def _relation(model: Any, name: str) -> bool:
    try:
        return model._meta.get_field(name).is_relation
    except Exception:  # FieldDoesNotExist: a reference kept as a bare id
        return False


ACTIVITY_COLUMNS = ("id", "type", "subject", "body", "due_at", "done", "done_at", "owner")
ACTIVITY_HEADER = [*ACTIVITY_COLUMNS, "records", "created_at"]


def activity_rows(qs: QuerySet) -> Iterator[list]:
    yield list(ACTIVITY_HEADER)
    for a in qs.iterator(chunk_size=CHUNK):
        links = LIST_SEPARATOR.join(
            f"{link.record_type}:{link.record_id}" for link in a.links.all()
        )
        yield [
            a.pk,
            a.type,
            a.subject,
            a.body,
            cell(a.due_at),
            cell(a.done),
            cell(a.done_at),
            a.owner.username if a.owner_id else "",
            links,
            cell(a.created_at),
        ]


def split_columns(text: str | None) -> list[str]:
    """`a, b,c` as ["a", "b", "c"]; nothing (or only commas) as []: every column."""
    return [c.strip() for c in (text or "").split(",") if c.strip()]


class UnknownColumns(ValueError):
    def __init__(self, unknown: list[str], known: list[str]):
        self.unknown, self.known = unknown, known
        super().__init__(", ".join(unknown))


def select_columns(rows: Iterable[list], columns: list[str]) -> Iterator[list]:
    """The rows (header first) with only `columns`, in that order; all of them when empty.
    The header is read at once, so an unknown column raises `UnknownColumns` before
    anything is streamed (or queried)."""
    rows = iter(rows)
    header = next(rows)
    if not columns:
        return itertools.chain([header], rows)
    unknown = [c for c in columns if c not in header]
    if unknown:
        raise UnknownColumns(unknown, header)
    at = [header.index(c) for c in columns]
    return itertools.chain([list(columns)], ([row[i] for i in at] for row in rows))


class _Echo:
    def write(self, value: str) -> str:
        return value


_FORMULA = re.compile(r"^(?:[=@\t\r]|[+-](?![\d\s().-]*$))")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: text that would start a formula ("=HYPERLINK(…",
    "@SUM(…", "+cmd|…") gets a leading apostrophe; numbers and phones ("+420 603…") stay."""
    value = cell(value)
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def csv_stream(rows: Iterable[list], *, delimiter: str = ",") -> Iterator[bytes]:
    """UTF-8 with a BOM (so Excel opens accents right), comma-separated, row by row."""
    yield b"\xef\xbb\xbf"
    writer = csv.writer(_Echo(), lineterminator="\r\n", delimiter=delimiter)
    for row in rows:
        yield writer.writerow([csv_cell(c) for c in row]).encode()


# The spreadsheet layout ---------------------------------------------------------------------
# What a person opens in Excel: column labels in their language and, where their Excel reads
# a decimal comma, `;` between cells (Excel splits a CSV by the list separator of the
# system's region, which is `;` wherever the decimal separator is a comma) and amounts written
# with that comma. The data layout (the API's default) keeps contract names and commas.


def decimal_comma() -> bool:
    """Whether the active language writes decimals with a comma (cs, sk, pl, lt, vi…)."""
    return get_decimal_symbol(babel_locale()) == ","


def spreadsheet(rows: Iterable[list], labels: dict[str, str], fmt: str) -> Iterator[list]:
    """The rows with the header's names replaced by `labels` (unknown ones stay); in a CSV
    for a decimal-comma language, amounts with a comma."""
    rows = iter(rows)
    header = next(rows)
    yield [labels.get(name, name) for name in header]
    comma = fmt == "csv" and decimal_comma()
    for row in rows:
        if fmt == "xlsx":
            # A number cell: Excel shows it in the reader's own format.
            yield [float(c) if isinstance(c, Decimal) else c for c in row]
        elif comma:
            yield [str(c).replace(".", ",") if isinstance(c, Decimal) else c for c in row]
        else:
            yield row


def xlsx_stream(rows: Iterable[list], *, title: str = "Export") -> Iterator[bytes]:
    """An XLSX written row by row (openpyxl write-only) to a temporary file, then streamed."""
    from openpyxl import Workbook  # heavy (0.16 s): only when an XLSX is written

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, c) for c in row])
    with tempfile.TemporaryFile() as tmp:
        workbook.save(tmp)
        tmp.seek(0)
        while chunk := tmp.read(64 * 1024):
            yield chunk


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell  # heavy (0.16 s): only when an XLSX is written

    value = cell(value)
    if isinstance(value, str) and value.startswith("="):
        # openpyxl would store it as a formula: a text cell keeps CRM data from running.
        text = WriteOnlyCell(sheet, value=value)
        text.data_type = "s"
        return text
    return value


def stream(
    rows: Iterable[list], fmt: str, *, title: str = "Export", delimiter: str = ","
) -> Iterator[bytes]:
    if fmt == "xlsx":
        return xlsx_stream(rows, title=title)
    return csv_stream(rows, delimiter=delimiter)


def read_back(data: bytes) -> list[list[str]]:
    """Rows of an exported CSV (tests and the CLI)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
