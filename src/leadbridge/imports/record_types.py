"""Record types other apps import through the import (a price list of products, …): a
registry filled from those apps' `apps.ready`, so imports imports none of them.

Such a type is small (hundreds or thousands of rows) and is imported in one request: the
file is read with the same readers as a lead import (CSV in any encoding and delimiter,
XLSX, XLS), its header matched by each field's names and aliases, and the rows handed to
the type's `import_rows`, which writes the good ones in one transaction and reports each
bad one with its line and field. The lead import with its mapping screen, worker, resume
and undo stays as it is: it is built for millions of rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from leadbridge.core.errors import FieldIssue, ValidationFailed, field_error

from . import readers

MAX_SIMPLE_ROWS = 10_000
MAX_SIMPLE_BYTES = 10 * 1024 * 1024


@dataclass
class RecordImporter:
    """`fields`: field name -> other header names it is known by (any language).
    `import_rows(actor=, rows=[(line, {field: value})])` returns
    {"created": n, "updated": n, "errors": [{"line", "field", "message"}]};
    `check(actor)` raises when the actor may not import this type."""

    record_type: str
    fields: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    import_rows: Callable[..., dict]
    check: Callable[[Any], None]
    label: Any = ""
    extra: dict = field(default_factory=dict)


IMPORTERS: dict[str, RecordImporter] = {}


def register_importer(importer: RecordImporter) -> None:
    IMPORTERS[importer.record_type] = importer


def _key(text: str) -> str:
    """A header compared without case, accents, spaces and punctuation."""
    plain = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.lower())


def match_headers(importer: RecordImporter, headers: list[str]) -> list[str]:
    """The field of each column ('' for a column no field claims; each field once)."""
    names = {
        _key(alias): name for name, aliases in importer.fields.items() for alias in (name, *aliases)
    }
    taken: set[str] = set()
    columns = []
    for header in headers:
        name = names.get(_key(header), "")
        columns.append("" if name in taken else name)
        taken.add(name)
    return columns


def import_simple(
    *, actor: Any, record_type: str, filename: str, stream: IO[bytes], size: int
) -> dict:
    """Read the file and import its rows as `record_type`; the answer counts what was created
    and updated and lists each refused row's line, field and reason."""
    importer = IMPORTERS.get(record_type)
    if importer is None:
        raise field_error(
            "record_type",
            _("Must be one of: %(choices)s.") % {"choices": ", ".join(sorted(IMPORTERS))},
        )
    importer.check(actor)
    if size > MAX_SIMPLE_BYTES:
        raise field_error("file", _("At most 10 MB."))
    try:
        table = readers.read_table(stream, filename=filename)
        columns = match_headers(importer, table.headers)
        missing = [name for name in importer.required if name not in columns]
        if missing:
            raise ValidationFailed(
                _("The file has no column for: %(fields)s.") % {"fields": ", ".join(missing)},
                errors=[
                    FieldIssue("file", _("No column for %(field)s.") % {"field": m})
                    for m in missing
                ],  # fmt: skip
            )
        rows: list[tuple[int, dict]] = []
        for line, cells in table.rows:
            if len(rows) >= MAX_SIMPLE_ROWS:
                raise field_error(
                    "file", _("At most %(limit)s rows.") % {"limit": f"{MAX_SIMPLE_ROWS:,}"}
                )
            values = {
                name: cells[i] if i < len(cells) else None for i, name in enumerate(columns) if name
            }
            if any(v not in (None, "") for v in values.values()):
                rows.append((line, values))
    except readers.ReadError as exc:
        raise field_error("file", str(exc)) from None
    result = importer.import_rows(actor=actor, rows=rows)
    return {"record_type": record_type, "columns": columns, "rows": len(rows)} | result
