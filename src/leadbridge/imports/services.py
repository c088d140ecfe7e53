"""Import operations: upload, mapping, preview, start, cancel, undo, and the batch engine the
worker runs. Rows go through `lead_prepare` (the rules of `lead_create`), `lead_new` (its
derivations) and `leads_bulk_insert`, so an imported lead equals one made through the API.
"""

from __future__ import annotations

import gc
import itertools
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leadbridge.core.errors import Collector, Conflict, DomainError, FieldIssue, ValidationFailed
from leadbridge.core.events import listened, publish
from leadbridge.core.normalize import fold
from leadbridge.core.record_services import PrepareCache, lock, refresh_derived, snapshot
from leadbridge.core.specs import SPECS
from leadbridge.customfields.models import CustomFieldDefinition
from leadbridge.duplicates.keys import forget
from leadbridge.duplicates.models import MatchKey
from leadbridge.history.models import HistoryEvent
from leadbridge.history.services import history_changes, history_event_row, json_value
from leadbridge.leads.intake import DEAL, becomes, capture_deal, check_pipeline
from leadbridge.leads.models import Lead, LeadSource, LeadStatus
from leadbridge.leads.services import (
    NewLead,
    lead_new,
    lead_prepare,
    lead_prepare_cache,
    lead_update,
    leads_bulk_insert,
)
from leadbridge.people import access
from leadbridge.people.models import Team, User

from . import readers
from .mapping import (
    LOOKUPS,
    MAX_COLUMNS,
    CustomField,
    Lookups,
    Mapping,
    check_mapping,
    convert_row,
    header_signature,
    suggest,
)
from .models import ImportBatch, ImportJob, ImportRowError, MappingTemplate

ON_DUPLICATE = ("allow", "skip", "update", "reject", "link")
# The exact match keys a duplicate check by `match_on` looks at (see duplicates.matching).
MATCH_ON = {
    "any": ("e:", "p:", "i:"),
    "email": ("e:",),
    "phone": ("p:",),
    "registration_number": ("i:",),
}
# Rows per batch, each written and committed in one transaction: large enough that the
# statements per batch (one COPY per table, one key lookup) cost little per row, small
# enough that a cancel or a crash loses little and memory stays bounded.
BATCH_SIZE = 5_000
MAX_UPLOAD = 2 * 1024**3
STALE_AFTER = 120  # seconds without progress after which a running job counts as crashed


# Reading ------------------------------------------------------------------------------------


def open_table(job: ImportJob, stream: IO[bytes]) -> readers.Table:
    return readers.read_table(
        stream,
        filename=job.filename,
        sheet=job.sheet or None,
        encoding=job.encoding or None,
        delimiter=job.delimiter or None,
    )


def custom_fields(record_type: str = "lead") -> list[CustomField]:
    return [
        CustomField(d.key, d.label, d.type)
        for d in CustomFieldDefinition.objects.filter(record_type=record_type)
    ]


def load_lookups() -> Lookups:
    """Names the lookup fields accept, folded: statuses, sources, users (username, e-mail or
    full name), teams; and the custom fields' types."""
    lookups = Lookups()
    for pk, name in LeadStatus.objects.values_list("pk", "name"):
        lookups.status.setdefault(fold(name), pk)
    for pk, name in LeadSource.objects.values_list("pk", "name"):
        lookups.source.setdefault(fold(name), pk)
    users = User.objects.filter(is_active=True, is_system=False)
    for pk, username, email, first, last in users.values_list(
        "pk", "username", "email", "first_name", "last_name"
    ):
        for key in (username, email, f"{first} {last}".strip()):
            if key:
                lookups.owner.setdefault(fold(key), pk)
    for pk, name in Team.objects.values_list("pk", "name"):
        lookups.team.setdefault(fold(name), pk)
    lookups.custom_types = dict(
        CustomFieldDefinition.objects.filter(record_type="lead").values_list("key", "type")
    )
    return lookups


# Upload, mapping, preview --------------------------------------------------------------------


def _get(actor: Any, job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or (job.created_by_id != actor.pk and not access.is_admin(actor)):
        from leadbridge.core.errors import NotFound

        raise NotFound(_("No import with id %(job_id)s.") % {"job_id": job_id})
    return job


def import_get(*, actor: Any, job_id: int) -> ImportJob:
    return _get(actor, job_id)


def import_upload(
    *,
    actor: Any,
    filename: str,
    stream: IO[bytes],
    size: int,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> ImportJob:
    """Store the file, read its header and suggest a mapping (a saved one for the same
    header set first)."""
    access.check(actor, "lead", "import")
    access.check(actor, "lead", "create")  # imported rows are created as by `lead_create`
    if size > MAX_UPLOAD:
        raise ValidationFailed(
            _("The file is too large."), errors=[FieldIssue("file", _("At most 2 GB."))]
        )
    name = os.path.basename(filename or "import.csv")[:200] or "import.csv"
    path = default_storage.save(f"imports/{uuid.uuid4().hex}/{name}", File(stream, name=name))
    try:
        table, mapping = _read_head(path, name, sheet=sheet, encoding=encoding, delimiter=delimiter)
    except ValidationFailed:
        default_storage.delete(path)  # nothing to import: the file is not kept
        raise
    with transaction.atomic():
        return ImportJob.objects.create(
            created_by=actor,
            file=path,
            filename=name,
            size=size,
            format=table.format,
            sheet=table.sheet,
            sheets=table.sheets,
            encoding=table.dialect.encoding if table.dialect else "",
            delimiter=table.dialect.delimiter if table.dialect else "",
            headers=table.headers,
            mapping=mapping,
        )


def import_choose_sheet(*, actor: Any, job_id: int, sheet: str) -> ImportJob:
    """Read another sheet of an uploaded workbook: its header and a mapping suggested for
    it (or the saved one for its header set) replace the job's, before the start."""
    job = _get(actor, job_id)
    if job.status != ImportJob.Status.UPLOADED:
        raise Conflict(_("The import has started; its mapping is fixed."), code="import_started")
    if sheet not in job.sheets:
        message = _("The file has no sheet “%(sheet)s”; it has: %(sheets)s.") % {
            "sheet": sheet,
            "sheets": ", ".join(job.sheets) or "—",
        }
        raise ValidationFailed(message, errors=[FieldIssue("sheet", message)])
    try:
        table, mapping = _read_head(job.file, job.filename, sheet=sheet)
    except ValidationFailed as exc:  # that sheet, not the file, is what cannot be used
        issues = [FieldIssue("sheet", issue.message) for issue in exc.errors]
        raise ValidationFailed(exc.detail, errors=issues) from None
    job.sheet, job.headers, job.mapping = table.sheet, table.headers, mapping
    job.save(update_fields=["sheet", "headers", "mapping", "updated_at"])
    return job


def _read_head(
    path: str,
    name: str,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> tuple[readers.Table, dict]:
    """The stored file's table (header, dialect, sheets) and the mapping to offer: a saved
    one for the same header set first, else one suggested from the headers and first rows.
    Raises `ValidationFailed` on `file` when there is nothing to import."""
    try:
        with default_storage.open(path, "rb") as stored:
            table = readers.read_table(
                stored,
                filename=name,
                sheet=sheet,
                encoding=encoding,
                delimiter=delimiter,
            )
            samples = [cells for _line, cells in itertools.islice(table.rows, 20)]
    except readers.TooLarge as exc:
        raise ValidationFailed(
            str(exc), code="file_too_large", errors=[FieldIssue("file", str(exc))]
        ) from None
    except (readers.ReadError, LookupError) as exc:
        raise ValidationFailed(str(exc), errors=[FieldIssue("file", str(exc))]) from None
    _check_header(table.headers)
    if any("\x00" in str(c) for c in [*table.headers, *(c for row in samples for c in row)]):
        # A binary file read as text: nothing to import.
        raise ValidationFailed(
            _("The file holds NUL bytes: it is not a CSV, XLSX or XLS file."),
            errors=[FieldIssue("file", _("Not a CSV, XLSX or XLS file."))],
        )
    if not any(table.headers):
        raise ValidationFailed(
            _("The first row must name the columns."),
            errors=[FieldIssue("file", _("The first row must name the columns."))],
        )
    template = MappingTemplate.objects.filter(
        record_type="lead", signature=header_signature(table.headers)
    ).first()
    if template is not None:
        mapping = Mapping.from_dict(template.mapping)
        mapping.columns = _align(template.mapping, table.headers)
    else:
        mapping = Mapping(columns=suggest(table.headers, custom_fields(), samples))
    return table, mapping.as_dict() | {"template": template.pk if template else None}


def _check_header(headers: list[str]) -> None:
    """A header the mapping can hold: at most `MAX_COLUMNS` columns (the mapping takes one
    field per column), each named in at most the cell limit (the names are stored)."""
    message = None
    if len(headers) > MAX_COLUMNS:
        message = ngettext(
            "The file has %(count)s column; at most %(max)s can be imported.",
            "The file has %(count)s columns; at most %(max)s can be imported.",
            len(headers),
        ) % {"count": len(headers), "max": MAX_COLUMNS}
    elif any(isinstance(h, readers.TooLong) for h in headers):
        limit = readers.max_cell_chars()
        message = ngettext(
            "A column name is longer than %(max)s character.",
            "A column name is longer than %(max)s characters.",
            limit,
        ) % {"max": limit}
    if message:
        raise ValidationFailed(message, errors=[FieldIssue("file", message)])


def _align(saved: dict, headers: list[str]) -> list[str]:
    """A saved mapping's fields put on this file's columns by header (order may differ)."""
    from .mapping import header_key

    by_header = {
        header_key(h): f
        for h, f in zip(saved.get("headers") or [], saved.get("columns") or [], strict=False)
    }
    if not by_header:
        return list(saved.get("columns") or [])[: len(headers)]
    return [by_header.get(header_key(h), "") for h in headers]


def import_set_mapping(
    *,
    actor: Any,
    job_id: int,
    mapping: dict,
    on_duplicate: str = "skip",
    match_on: str = "any",
    run_automations: bool = False,
    create_missing: bool = False,
    save_template: bool = False,
    template_name: str = "",
) -> ImportJob:
    """Store the user's mapping and options (before the start)."""
    job = _get(actor, job_id)
    if job.status != ImportJob.Status.UPLOADED:
        raise Conflict(_("The import has started; its mapping is fixed."), code="import_started")
    parsed = Mapping.from_dict(mapping)
    parsed.columns = (parsed.columns + [""] * len(job.headers))[: len(job.headers)]
    out = Collector()
    for path, message in check_mapping(parsed, job.headers, custom_fields()):
        out.add(f"mapping.{path}", message)
    for name, value in parsed.constants.items():
        if "\x00" in str(value):  # PostgreSQL stores no NUL in text or JSON
            out.add(f"mapping.constants.{name}", _("Must not hold a NUL character."))
    if parsed.number_format not in ("auto", "comma", "dot"):
        out.add("mapping.number_format", _("Must be auto, comma or dot."))
    if parsed.date_format not in ("auto", "dmy", "mdy", "ymd"):
        out.add("mapping.date_format", _("Must be auto, dmy, mdy or ymd."))
    check_pipeline(parsed.pipeline_id, out, "mapping.pipeline_id")
    if on_duplicate not in ON_DUPLICATE:
        out.add(
            "on_duplicate", _("Must be one of: %(choices)s.") % {"choices": ", ".join(ON_DUPLICATE)}
        )
    if match_on not in MATCH_ON:
        out.add("match_on", _("Must be one of: %(choices)s.") % {"choices": ", ".join(MATCH_ON)})
    out.raise_if_any(_("The mapping cannot be used."))
    job.mapping = parsed.as_dict()
    job.on_duplicate = on_duplicate
    job.match_on = match_on
    job.run_automations = run_automations
    job.create_missing = create_missing
    with transaction.atomic():
        job.save()
        if save_template:
            MappingTemplate.objects.update_or_create(
                record_type="lead",
                signature=header_signature(job.headers),
                defaults={
                    "name": template_name[:100] or job.filename,
                    "mapping": parsed.as_dict() | {"headers": job.headers},
                    "created_by": actor,
                },
            )
    return job


@dataclass
class RowOutcome:
    line: int
    cells: list
    data: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)  # {column, field, message}
    warnings: list[dict] = field(default_factory=list)
    state: dict | None = None
    by_rule: bool = False  # owner and team set by an assignment rule


def _column_of(mapping: Mapping, headers: list[str], name: str) -> str:
    """The header of the column that feeds a contract field path ("" for a constant)."""
    root = name.split(".")[0] if not name.startswith("custom_fields.") else name
    root = {v: k for k, v in LOOKUPS.items()}.get(root, root)
    for i, mapped in enumerate(mapping.columns):
        if mapped == root or (mapped.startswith("custom_fields.") and name.startswith(mapped)):
            return headers[i] if i < len(headers) else ""
    return ""


class RowChecker:
    """Turns file rows into prepared lead states with per-cell errors (one per import run).

    `assign`: new leads without an owner or team from the file get them from the assignment
    rules of the "import" channel (`run_automations`; never in a preview, as round-robin
    turns would be used up).
    """

    def __init__(self, job: ImportJob, actor: Any, *, assign: bool = False):
        self.job = job
        self.actor = actor
        self.mapping = Mapping.from_dict(job.mapping)
        self.lookups = load_lookups()
        self.cache: PrepareCache = lead_prepare_cache()
        self.assign = assign
        # What the rows become, decided once per run (leads/intake.py): with "Use leads" off
        # the writer makes contacts and deals from each row's values.
        self.captures = becomes() == DEAL

    def check(self, line: int, cells: list) -> RowOutcome:
        nul = [i for i, c in enumerate(cells) if isinstance(c, str) and "\x00" in c]
        if nul:
            # Binary data in a text file: PostgreSQL stores no NUL in text or JSON, and the
            # row cannot be meant as it is.
            return RowOutcome(line, cells, errors=[self._nul_issue(i) for i in nul])
        columns = self.mapping.columns
        long = [
            i
            for i, c in enumerate(cells)
            if isinstance(c, readers.TooLong) and i < len(columns) and columns[i]
        ]
        if long:
            # The reader kept only the cell's start: the row cannot be imported as it is
            # (a skipped column's cell is not imported, so it may be as long as it is).
            return RowOutcome(line, cells, errors=[self._long_issue(i, cells[i]) for i in long])
        result = convert_row(cells, self.mapping, self.lookups)
        outcome = RowOutcome(line, cells, result.data)
        if result.unknown and self.job.create_missing:
            if self._create_missing(result.unknown):
                return self.check(line, cells)
        for name, message in result.errors:
            outcome.errors.append(self._issue(name, message))
        data = result.data
        if outcome.errors:
            # The cells that were read are validated too, so that one pass shows every
            # reason of the row, not one per attempt (the unread ones are simply absent).
            _state, out = lead_prepare(actor=self.actor, data=data, cache=self.cache)
            outcome.errors += [self._issue(e.field, e.message) for e in out.errors]
            return outcome
        by_rule = False
        if self.assign and "owner_id" not in data and "team_id" not in data:
            from leadbridge.automation.services import assign_by_rules

            placement = assign_by_rules(data, channel="import")
            data, by_rule = data | placement, bool(placement)
            if self.captures:
                outcome.data = data  # the capture places the contact and deal alike
        state, out = lead_prepare(actor=self.actor, data=data, cache=self.cache)
        outcome.errors = [self._issue(e.field, e.message) for e in out.errors]
        outcome.warnings = [self._issue(w.field, w.message) for w in out.warnings]
        if not outcome.errors:
            # A placement by the administrator's assignment rule is the system's doing, as
            # for web forms: it needs no right of the importing user.
            if not by_rule and not access.in_scope(
                self.actor,
                "lead",
                "create",
                owner_id=state.get("owner_id"),
                team_id=state.get("team_id"),
            ):
                outcome.errors.append(
                    self._issue(
                        "owner_id", _("The owner and team are outside what you may create.")
                    )
                )
            else:
                outcome.state = state
                outcome.by_rule = by_rule
        return outcome

    def _nul_issue(self, column: int) -> dict:
        return self._column_issue(
            column,
            _(
                "The cell holds a NUL character (binary data); fix the file and import "
                "this row again."
            ),
        )

    def _column_issue(self, column: int, message: str) -> dict:
        mapped = self.mapping.columns[column] if column < len(self.mapping.columns) else ""
        return {
            "column": self.job.headers[column] if column < len(self.job.headers) else "",
            "field": mapped,
            "message": message,
        }

    def _long_issue(self, column: int, cell: readers.TooLong) -> dict:
        return self._column_issue(
            column,
            ngettext(
                "The cell holds %(length)s character; at most %(max)s can be imported.",
                "The cell holds %(length)s characters; at most %(max)s can be imported.",
                cell.length,
            )
            % {"length": cell.length, "max": readers.max_cell_chars()},
        )

    def _issue(self, name: str, message: str) -> dict:
        return {
            "column": _column_of(self.mapping, self.job.headers, name),
            "field": name,
            "message": message,
        }

    def _create_missing(self, unknown: list[tuple[str, str]]) -> bool:
        """Statuses and sources the file names that do not exist yet, made when the user
        chose so (administrators only: they edit these lists)."""
        if not access.is_admin(self.actor):
            return False
        made = False
        for kind, name in unknown:
            if kind == "source":
                obj, _created = LeadSource.objects.get_or_create(name=name[:100])
                self.lookups.source[fold(name)] = obj.pk
            elif kind == "status":
                obj = LeadStatus.objects.create(name=name[:100], order=1000)
                self.lookups.status[fold(name)] = obj.pk
                self.cache.extra["status_kinds"][obj.pk] = obj.kind
            else:
                continue
            self.cache.refs.setdefault(obj._meta.label, set()).add(obj.pk)
            made = True
        return made


def _display(state: dict) -> dict:
    return {k: json_value(v) for k, v in state.items() if v not in (None, "", [], {})}


def import_preview(*, actor: Any, job_id: int, limit: int = 20) -> dict:
    """The first rows as they will be saved, with per-cell errors (nothing is written)."""
    job = _get(actor, job_id)
    checker = RowChecker(job, actor)
    checker.job.create_missing = False  # the preview never creates statuses or sources
    rows = []
    with default_storage.open(job.file, "rb") as stream:
        table = open_table(job, stream)
        for line, cells in table.rows:
            outcome = checker.check(line, cells)
            rows.append(
                {
                    "line": line,
                    "cells": [json_value(_plain(c)) for c in cells],
                    "values": _display(outcome.state) if outcome.state else {},
                    "errors": outcome.errors,
                    "warnings": outcome.warnings,
                }
            )
            if len(rows) >= limit:
                break
    return {"headers": job.headers, "mapping": job.mapping, "rows": rows}


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


# Start, cancel, undo -------------------------------------------------------------------------


def import_start(*, actor: Any, job_id: int) -> ImportJob:
    """Queue the import for the worker; a job whose worker died resumes where it stopped."""
    from .tasks import run_import

    with transaction.atomic():
        job = _get(actor, job_id)
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        stale = job.status == ImportJob.Status.RUNNING and (
            (timezone.now() - job.updated_at).total_seconds() > STALE_AFTER
        )
        if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.FAILED) and not stale:
            raise Conflict(_("The import is already running or finished."), code="import_started")
        if job.status == ImportJob.Status.UPLOADED:
            Mapping.from_dict(job.mapping)  # a job always has a (suggested) mapping
        job.status = ImportJob.Status.QUEUED
        job.error = ""
        job.save()
        run_import.enqueue(job.pk)
    return job


def import_cancel(*, actor: Any, job_id: int) -> ImportJob:
    """Stop after the current batch; the rows imported so far stay (undo removes them)."""
    job = _get(actor, job_id)
    if job.status in (ImportJob.Status.UPLOADED, ImportJob.Status.QUEUED):
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.CANCELLED, finished_at=timezone.now()
        )
    elif job.status == ImportJob.Status.RUNNING:
        ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    else:
        raise Conflict(_("The import has finished."), code="import_finished")
    job.refresh_from_db()
    return job


def import_undo(*, actor: Any, job_id: int) -> ImportJob:
    """Undo a whole import: the leads it created are deleted (soft), the leads it updated
    get their values from before. Atomic. Emits `lead.deleted` and `lead.updated` (with
    `import_undo`: the job's id) as the single deletes and updates do."""
    job = _get(actor, job_id)
    access.check(actor, "lead", "import")
    if job.status in (ImportJob.Status.RUNNING, ImportJob.Status.QUEUED):
        raise Conflict(_("Cancel the import first."), code="import_running")
    if job.status == ImportJob.Status.UNDONE:
        raise Conflict(_("The import is undone already."), code="import_undone")
    spec = SPECS["lead"]
    now = timezone.now()
    undo = {"import_undo": job.pk}  # in the webhook body's `data`: why the lead changed
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        batches = list(job.batches.order_by("-first_row"))
        for batch in batches:
            for item in reversed(batch.updated):
                lead = lock("lead", item["id"])
                before = item["before"]
                current = {k: json_value(v) for k, v in snapshot(lead, spec).items()}
                changes = [(k, current.get(k), v) for k, v in before.items() if current.get(k) != v]
                for name, value in before.items():
                    fspec = spec.get(name)
                    setattr(lead, fspec.attr if fspec else name, value)
                lead.version += 1
                refresh_derived(lead, spec)
                lead.save()
                history_changes(actor=actor, record_type="lead", record_id=lead.pk, changes=changes)
                publish("lead.updated", "lead", lead, actor=actor, extra=undo)
            # Rows captured while "Use leads" was off: the deals, contacts and clients made,
            # deleted through their services, newest first (a deal before its contact).
            for item in reversed([i for i in batch.created_ids if isinstance(i, dict)]):
                _undo_captured(actor, item)
            ids = [i for i in batch.created_ids if not isinstance(i, dict)]
            for start in range(0, len(ids), 5000):
                chunk = ids[start : start + 5000]
                Lead.objects.filter(pk__in=chunk, deleted_at__isnull=True).update(
                    deleted_at=now, version=F("version") + 1
                )
                if listened("lead.deleted"):  # webhook subscribers drop what was undone
                    for lead in Lead.objects.filter(pk__in=chunk, deleted_at=now).order_by("pk"):
                        publish("lead.deleted", "lead", lead, actor=actor, extra=undo)
                forget("lead", chunk)
                HistoryEvent.objects.bulk_create(
                    [
                        history_event_row(
                            actor=actor,
                            record_type="lead",
                            record_id=pk,
                            kind=HistoryEvent.Kind.DELETED,
                            data={"import": job.pk, "undo": True},
                        )
                        for pk in chunk
                    ]
                )
        job.status = ImportJob.Status.UNDONE
        job.undone_at = now
        job.save(update_fields=["status", "undone_at", "updated_at"])
    return job


def _undo_captured(actor: Any, item: dict) -> None:
    from leadbridge.core.record_services import record_delete
    from leadbridge.core.registry import model_for

    if item.get("record_type") not in ("deal", "contact", "client"):
        return
    alive = model_for(item["record_type"]).objects.filter(pk=item["id"], deleted_at__isnull=True)
    if alive.exists():  # one deleted by hand since stays deleted
        record_delete(actor=actor, record_type=item["record_type"], pk=item["id"], version=None)


# The engine ----------------------------------------------------------------------------------


class Crash(Exception):
    """Raised by tests to simulate a worker dying in the middle of a batch."""


def _batches(rows: Iterator[tuple[int, list]], size: int) -> Iterator[list[tuple[int, list]]]:
    batch: list[tuple[int, list]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def count_rows(job: ImportJob) -> int:
    with default_storage.open(job.file, "rb") as stream:
        return sum(1 for _row in open_table(job, stream).rows)


def run_job(
    job_id: int,
    *,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[ImportJob], None] | None = None,
    parallel: bool | None = None,
    processes: int | None = None,
) -> ImportJob:
    """Import the job's file from its resume point, one committed batch at a time.

    With `parallel` (by default for large files on PostgreSQL) `processes` forked processes
    read and check the rows and derive the stored values while this one writes the batches
    before, so every core works; only plain values cross between them.

    `on_batch` is called inside each batch's transaction after its rows are written (the
    CLI's progress bar; tests raise `Crash` there to prove a half-written batch vanishes).
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
            return job
        job.status = ImportJob.Status.RUNNING
        job.started_at = job.started_at or timezone.now()
        job.save()
    actor = job.created_by
    if job.rows_total is None:
        job.rows_total = count_rows(job)
        ImportJob.objects.filter(pk=job.pk).update(rows_total=job.rows_total)
    writer = BatchWriter(job, actor)
    use_fork = parallel if parallel is not None else _parallel_pays(job)
    thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    if use_fork:
        checked = checked_batches_forked(
            job, writer.checker, batch_size, processes=processes or _check_processes(job)
        )
    else:
        checked = checked_batches(job, writer.checker, batch_size)
    last = time.monotonic()
    try:
        for batch in checked:
            job.refresh_from_db(fields=["cancel_requested"])
            if job.cancel_requested:
                ImportJob.objects.filter(pk=job.pk).update(
                    status=ImportJob.Status.CANCELLED, finished_at=timezone.now()
                )
                job.refresh_from_db()
                return job
            with transaction.atomic():
                counts = writer.write(batch)
                now = time.monotonic()
                elapsed, last = now - last, now
                ImportJob.objects.filter(pk=job.pk).update(
                    rows_done=F("rows_done") + len(batch),
                    rows_created=F("rows_created") + counts["created"],
                    rows_updated=F("rows_updated") + counts["updated"],
                    rows_skipped=F("rows_skipped") + counts["skipped"],
                    rows_failed=F("rows_failed") + counts["failed"],
                    rows_duplicate=F("rows_duplicate") + counts["duplicate"],
                    run_seconds=F("run_seconds") + elapsed,
                    updated_at=timezone.now(),
                )
                if on_batch is not None:
                    job.refresh_from_db()
                    on_batch(job)
    finally:
        gc.set_threshold(*thresholds)
        close = getattr(checked, "close", None)
        if close is not None:
            close()  # stops the checking processes still reading
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


Checked = tuple[RowOutcome, NewLead | None]  # the row, and its lead ready to insert if good
# An import allocates millions of short-lived objects that hold no cycles; with the default
# thresholds the cyclic collector ran so often that it cost about a tenth of the checking
# time. Collections still happen, a hundred times less often.
GC_THRESHOLDS = (50_000, 20, 100)
PARALLEL_ABOVE = 20_000  # rows; below, starting a process costs more than it saves
# Checking processes beside the writer, one per core: checking costs about twice what the
# writer and PostgreSQL spend on a row, so with one fewer the writer's core sat partly idle
# (measured on two cores: 3,267 rows/s with one checker, 3,609 with two).
CHECK_PROCESSES = max(1, os.cpu_count() or 1)


def _check_processes(job: ImportJob) -> int:
    """Every checking process reads the file itself; a sheet calamine holds whole (XLS, an
    XLSX unpacking to at most `XLSX_STREAM_ABOVE`) would be held once per process, so it
    gets one."""
    if job.format == "csv":
        return CHECK_PROCESSES
    with default_storage.open(job.file, "rb") as stream:
        whole = readers.holds_whole_sheet(stream, job.filename)
    return 1 if whole else CHECK_PROCESSES


def check_row(checker: RowChecker, line: int, cells: list) -> Checked:
    """A row read, validated and derived into the lead row to insert, with its match keys.
    What the writer does not need is dropped, so less crosses between processes."""
    outcome = checker.check(line, cells)
    if outcome.state is None:
        return outcome, None
    new = lead_new(actor=checker.actor, state=outcome.state)
    new.by_rule = outcome.by_rule
    outcome.state = None
    if checker.job.on_duplicate not in ("update", "link") and not checker.captures:
        outcome.data = {}  # only an update, a link or a capture uses the row's values again
    return outcome, new


def _rows_from_resume(job: ImportJob, stream: IO[bytes]) -> Iterator[tuple[int, list]]:
    skip = job.rows_done
    return (row for i, row in enumerate(open_table(job, stream).rows) if i >= skip)


def checked_batches(
    job: ImportJob, checker: RowChecker, size: int, *, part: tuple[int, int] = (0, 1)
) -> Iterator[list[Checked]]:
    """The file's batches from the resume point, checked. `part` (k, n): only every n-th
    batch from the k-th is checked and yielded (one of n checking processes)."""
    k, n = part
    with default_storage.open(job.file, "rb") as stream:
        for i, batch in enumerate(_batches(_rows_from_resume(job, stream), size)):
            if i % n == k:
                yield [check_row(checker, line, cells) for line, cells in batch]


def _parallel_pays(job: ImportJob) -> bool:
    from django.db import connection

    from leadbridge.automation.models import AssignmentRule

    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and not job.create_missing  # creating statuses needs the database: one process
        and (job.rows_total or 0) - job.rows_done > PARALLEL_ABOVE
        and (os.cpu_count() or 1) > 1
        # Assignment rules (round-robin turns) need the database while checking.
        and not (
            job.run_automations
            and AssignmentRule.objects.filter(active=True, channel__in=("any", "import")).exists()
        )
    )


def checked_batches_forked(
    job: ImportJob, checker: RowChecker, size: int, *, processes: int = 1
) -> Iterator[list[Checked]]:
    """As `checked_batches`, but checked by `processes` forked processes, each taking every
    n-th batch and up to two batches ahead; yielded in the file's order.

    The checker's lookups are loaded before the fork, so the children never need the
    database; the parent's connections are closed first so the children do not share their
    sockets (the parent reconnects on its next query).
    """
    import multiprocessing

    from django.db import connections

    access.in_scope(checker.actor, "lead", "create", owner_id=None, team_id=None)  # warm caches
    connections.close_all()
    context = multiprocessing.get_context("fork")
    queues = [context.Queue(maxsize=2) for _ in range(processes)]  # memory: few in flight

    parent = os.getpid()

    def produce(k: int) -> None:
        bind_to_parent(parent)
        queue = queues[k]
        gc.set_threshold(*GC_THRESHOLDS)
        try:
            for batch in checked_batches(job, checker, size, part=(k, processes)):
                queue.put(("batch", _pack(batch, cells=job.on_duplicate in ("reject", "update"))))
            queue.put(("done", None))
        except readers.ReadError as exc:  # the file, not the program: the user reads why
            queue.put(("unreadable", str(exc)))
        except BaseException as exc:  # the parent re-raises it
            queue.put(("error", f"{type(exc).__name__}: {exc}"))

    children = [context.Process(target=produce, args=(k,), daemon=True) for k in range(processes)]
    # The children share the parent's objects copy-on-write; a collection in a child would
    # touch (and so copy) every one of them. Frozen objects are never collected.
    gc.freeze()
    try:
        for child in children:
            child.start()
    finally:
        gc.unfreeze()
    try:
        for i in itertools.count():
            kind, payload = _receive(queues[i % processes], children[i % processes])
            if kind == "done":
                break
            if kind == "unreadable":
                raise readers.ReadError(payload)
            if kind == "error":
                raise RuntimeError(f"Reading the file failed: {payload}")
            yield _unpack(payload)
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join(timeout=5)


def bind_to_parent(parent: int) -> None:
    """Make a forked checking process end with the process that forked it.

    Its parent (the worker) may be killed outright (SIGKILL, the out-of-memory killer): no
    `finally` of the parent runs then, and a child blocked on its full queue would wait for
    ever, holding its memory and any database connection. On Linux the kernel sends the child
    SIGTERM when the parent dies (PR_SET_PDEATHSIG); elsewhere a thread watches the parent id.
    The child inherits the worker's SIGTERM handler (a graceful shutdown that lets the running
    task go on), so SIGTERM gets its own: close the connections and exit at once."""
    import signal
    import sys

    def stop(signum: int, _frame: Any) -> None:
        from django.db import connections

        try:
            connections.close_all()
        finally:
            os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    else:
        import threading

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch, daemon=True).start()
    # The parent may have died before the death signal was asked for: then nobody sends it.
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


def _receive(queue: Any, child: Any) -> tuple[str, Any]:
    """The child's next message; a child that died without one (killed) is an error rather
    than a worker waiting for ever."""
    import queue as queues

    while True:
        try:
            return queue.get(timeout=5)
        except queues.Empty:
            if not child.is_alive():
                try:  # its last message may have arrived as it ended
                    return queue.get(timeout=1)
                except queues.Empty:
                    return "error", f"the checking process ended (exit code {child.exitcode})"


def _pack(batch: list[Checked], *, cells: bool) -> list[tuple]:
    """A checked batch as plain tuples with the keys as one text (blocking keys hold no
    newline): pickled several times faster than the dataclasses. A good row's cells only
    travel when a duplicate may become a row error (`cells`)."""
    return [
        (o.line, o.cells, o.data, o.errors)
        if n is None
        else (
            (o.line, o.cells if cells else [], o.data, o.errors),
            (n.values, n.copy, n.created, "\n".join(n.keys), n.profile, n.prepared)
            + (n.owner_id, n.team_id, n.by_rule),
        )
        for o, n in batch
    ]


def _unpack(batch: list[tuple]) -> list[Checked]:
    out: list[Checked] = []
    for row in batch:
        if len(row) == 4:
            out.append((RowOutcome(*row), None))
            continue
        o, n = row
        keys = n[3].split("\n") if n[3] else []
        values, copy, created, _keys, profile, prepared, owner_id, team_id, by_rule = n
        new = NewLead(values, copy, created, keys, profile, prepared, owner_id, team_id, by_rule)
        out.append((RowOutcome(*o), new))
    return out


class BatchWriter:
    """Writes one batch: finds duplicates by exact keys (in the file and in the database at
    once), creates, updates, links; records errors and undo data."""

    def __init__(self, job: ImportJob, actor: Any):
        self.job = job
        self.actor = actor
        self.checker = RowChecker(job, actor, assign=job.run_automations)
        self.prefixes = MATCH_ON[job.match_on] if job.match_on in MATCH_ON else MATCH_ON["any"]

    def write(self, batch: list[Checked]) -> dict[str, int]:
        if self.checker.captures:
            return self._write_captured(batch)
        job = self.job
        counts = dict.fromkeys(("created", "updated", "skipped", "failed", "duplicate"), 0)
        errors: list[ImportRowError] = []
        good: list[tuple[RowOutcome, NewLead, list[str]]] = []
        prefixes = self.prefixes
        for outcome, new in batch:
            if new is None:
                counts["failed"] += 1
                errors += self._errors(outcome)
                continue
            good.append((outcome, new, [k for k in new.keys if k.startswith(prefixes)]))
        # Every key of the batch looked up at once; earlier batches are in the table already.
        in_db = self._in_db({k for _o, _new, keys in good for k in keys})
        pending: list[NewLead] = []
        in_file: dict[str, NewLead] = {}
        created: list[int] = []
        updated: list[dict] = []
        for outcome, new, keys in good:
            match_id = next((in_db[k] for k in keys if k in in_db), None)
            twin = next((in_file[k] for k in keys if k in in_file), None)
            if match_id is None and twin is None:
                pending.append(new)
                in_file.update(dict.fromkeys(keys, new))
                continue
            counts["duplicate"] += 1
            mode = job.on_duplicate
            if mode == "allow":
                pending.append(new)
                continue
            if mode == "skip":
                counts["skipped"] += 1
                continue
            if mode == "reject":
                counts["failed"] += 1
                where = f"lead #{match_id}" if match_id else "an earlier row of this file"
                errors += self._errors(outcome, message=f"Duplicate of {where}.")
                continue
            if match_id is None:
                # The twin is an earlier row of this batch: save it first, then act on it.
                created += self._flush(pending)
                pending = []
                assert twin is not None and twin.pk is not None
                match_id = twin.pk
            if mode == "update":
                try:
                    before = self._update(match_id, outcome)
                except DomainError as exc:
                    counts["failed"] += 1
                    errors += self._errors(outcome, message=exc.detail, issues=exc.errors)
                    continue
                if before is not None:
                    updated.append({"id": match_id, "before": before})
                counts["updated"] += 1
            else:  # link
                try:
                    self._link(match_id, outcome)
                except DomainError as exc:  # a lead the user sees but may not add notes to
                    counts["failed"] += 1
                    errors += self._errors(outcome, message=exc.detail, issues=exc.errors)
                    continue
                counts["skipped"] += 1
        created += self._flush(pending)
        counts["created"] = len(created)
        ImportRowError.objects.bulk_create(errors, batch_size=2000)
        ImportBatch.objects.create(
            job=job, first_row=job.rows_done, rows=len(batch), created_ids=created, updated=updated
        )
        job.rows_done += len(batch)
        return counts

    def _write_captured(self, batch: list[Checked]) -> dict[str, int]:
        """The batch with "Use leads" off: each good row becomes a contact (and client) and a
        deal through `leads.intake.capture_deal`, one savepoint a row, so a refused row is a
        row error and the others stay. Row by row, through the records' services: the same
        duplicate check, scope and validation as a contact or deal made any other way.
        What each row made goes to the batch's undo data as {"record_type", "id"}."""
        job = self.job
        counts = dict.fromkeys(("created", "updated", "skipped", "failed", "duplicate"), 0)
        errors: list[ImportRowError] = []
        created: list[dict] = []
        pipeline_id = self.checker.mapping.pipeline_id
        origin = _("Import %(file)s") % {"file": job.filename}
        for outcome, new in batch:
            if new is None:
                counts["failed"] += 1
                errors += self._errors(outcome)
                continue
            data = {k: v for k, v in outcome.data.items() if k != "status_id"}
            try:
                with transaction.atomic():
                    captured = capture_deal(
                        actor=self.actor,
                        data=data,
                        on_duplicate=job.on_duplicate,
                        pipeline_id=pipeline_id,
                        origin=origin,
                    )
            except DomainError as exc:
                counts["failed"] += 1
                if exc.code == "duplicate":
                    counts["duplicate"] += 1
                issues = [
                    FieldIssue("company_name" if i.field == "name" else i.field, i.message)
                    for i in exc.errors
                    if exc.code != "duplicate"
                ]
                errors += self._errors(outcome, message=exc.detail, issues=issues or None)
                continue
            if captured.outcome != "created":
                counts["duplicate"] += 1
            if captured.outcome == "updated":
                counts["updated"] += 1
            elif captured.outcome in ("skipped", "linked") and captured.deal is None:
                counts["skipped"] += 1
            else:
                counts["created"] += 1
            created += [{"record_type": t, "id": pk} for t, pk in captured.created()]
        ImportRowError.objects.bulk_create(errors, batch_size=2000)
        ImportBatch.objects.create(
            job=job, first_row=job.rows_done, rows=len(batch), created_ids=created, updated=[]
        )
        job.rows_done += len(batch)
        return counts

    def _in_db(self, wanted: set[str]) -> dict[str, int]:
        """The lowest live lead id under each of the keys, among the leads the importing
        user may see: as in the API's duplicate check, a lead outside their scope is no
        match (the row is created), so the import neither reveals it nor acts on it."""
        from django.db import connection

        if not wanted:
            return {}
        if access.scope_q(self.actor, "lead", "view") != Q():  # not every lead: filter
            return self._in_scope(wanted)
        if connection.vendor == "postgresql":
            # One index probe per key, whatever the statistics say: with `key = ANY(…)`
            # and no fresh statistics on a key table the import is filling, the planner
            # chose scans of every lead's keys (up to 1.9 s a batch at a million leads).
            # The LIMIT keeps the subquery a probe. The keys go as one text parameter
            # (they hold no newline): a list adapted item by item costs more.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT k.key, m.record_id "
                    "FROM unnest(string_to_array(%s, E'\\n')) AS k(key), LATERAL ("
                    f"SELECT record_id FROM {MatchKey._meta.db_table} "
                    "WHERE key = k.key AND record_type = 'lead' ORDER BY record_id LIMIT 1"
                    ") AS m",
                    ["\n".join(wanted)],
                )
                return dict(cursor.fetchall())
        # SQLite: the record type is filtered here, as `duplicates.checks._sharing` explains.
        rows = (
            MatchKey.objects.filter(key__in=wanted)
            .order_by("record_id")
            .values_list("key", "record_id", "record_type")
        )
        found: dict[str, int] = {}
        for key, record_id, record_type in rows:
            if record_type == "lead":
                found.setdefault(key, record_id)
        return found

    def _in_scope(self, wanted: set[str]) -> dict[str, int]:
        """`_in_db` for a user who sees only some leads: the keys' rows of visible leads."""
        from leadbridge.core.selectors import base_queryset

        visible = base_queryset(self.actor, "lead").values("pk")
        found: dict[str, int] = {}
        keys = sorted(wanted)
        for start in range(0, len(keys), 2000):  # bounded statements on either database
            rows = (
                MatchKey.objects.filter(
                    key__in=keys[start : start + 2000], record_type="lead", record_id__in=visible
                )
                .values("key")
                .annotate(first=Min("record_id"))
                .values_list("key", "first")
            )
            found.update(rows)
        return found

    def _flush(self, rows: list[NewLead]) -> list[int]:
        if not rows:
            return []
        leads_bulk_insert(actor=self.actor, rows=rows, history_data={"import": self.job.pk})
        ids = [r.pk for r in rows]
        if self.job.run_automations:
            self._automations(ids)  # type: ignore[arg-type]
        return ids  # type: ignore[return-value]

    def _automations(self, ids: list[int]) -> None:
        """What `lead_create` sets off for each new lead (webhooks on `lead.created`, the task
        templates of its status), in the batch's transaction: it happens when the batch
        commits, and a crashed batch sets off nothing."""
        for lead in Lead.objects.filter(pk__in=ids).order_by("pk"):
            publish("lead.created", "lead", lead, actor=self.actor)

    def _update(self, lead_id: int, outcome: RowOutcome) -> dict | None:
        """Upsert: the row's non-empty values replace the stored ones; returns the values
        before, for undo (None when nothing changed)."""
        spec = SPECS["lead"]
        data = {
            k: v
            for k, v in outcome.data.items()
            if v not in (None, "", [], {}) and k != "custom_fields"
        }
        if outcome.data.get("custom_fields"):
            data["custom_fields"] = {
                k: v for k, v in outcome.data["custom_fields"].items() if v not in (None, "")
            }
        with transaction.atomic():
            current = lock("lead", lead_id)
            before = {k: json_value(v) for k, v in snapshot(current, spec).items()}
            _saved, changes = lead_update(actor=self.actor, lead_id=lead_id, data=data)
        if not changes:
            return None
        names = {c[0].split(".")[0] for c in changes}
        return {k: v for k, v in before.items() if k in names}

    def _link(self, lead_id: int, outcome: RowOutcome) -> None:
        from leadbridge.activities.services import activity_create

        lines = [f"{k}: {json_value(v)}" for k, v in sorted(outcome.data.items()) if v]
        activity_create(
            actor=self.actor,
            record_type="lead",
            record_id=lead_id,
            data={
                "type": "note",
                "subject": f"Import {self.job.filename}, line {outcome.line}",
                "body": "\n".join(lines),
            },
        )

    def _errors(
        self,
        outcome: RowOutcome,
        *,
        message: str | None = None,
        issues: list[FieldIssue] | None = None,
    ) -> list[ImportRowError]:
        # A NUL character cannot be stored in PostgreSQL's JSON: the report shows U+FFFD.
        cells = [_no_nul(json_value(_plain(c))) for c in outcome.cells]
        found = list(outcome.errors)
        if issues:
            found = [self.checker._issue(i.field, i.message) for i in issues]
        elif message:
            found = [{"column": "", "field": "", "message": message}]
        return [
            ImportRowError(
                job=self.job,
                line=outcome.line,
                column=_no_nul(e["column"])[:255],
                field=e["field"][:100],
                message=_no_nul(e["message"]),
                cells=cells if i == 0 else [],
            )
            for i, e in enumerate(found)
        ]


def _no_nul(value: Any) -> Any:
    return value.replace("\x00", "\ufffd") if isinstance(value, str) else value


def progress(job: ImportJob) -> dict:
    """Rows done and failed, the rate and the time left, for the UI and the API."""
    rate = job.rows_done / job.run_seconds if job.run_seconds > 0 else None
    left = None
    if rate and job.rows_total is not None:
        left = max(job.rows_total - job.rows_done, 0) / rate
    percent = None
    if job.rows_total:
        percent = round(100 * job.rows_done / job.rows_total, 1)
    elif job.status == ImportJob.Status.DONE:
        percent = 100.0
    return {"rate": round(rate, 1) if rate else None, "seconds_left": left, "percent": percent}


# Error report --------------------------------------------------------------------------------


def error_report_rows(job: ImportJob) -> Iterator[list]:
    """The bad rows in the file's own columns, with their line and the reasons, so the user
    can fix them and import just these again (the extra columns map to nothing)."""
    yield [*job.headers, "Line", "Errors"]
    current: int | None = None
    cells: list = []
    reasons: list[str] = []
    for err in job.row_errors.order_by("line", "id").iterator(chunk_size=2000):
        if err.line != current:
            if current is not None:
                yield _report_row(job, cells, current, reasons)
            current, cells, reasons = err.line, err.cells, []
        where = err.column or err.field
        reasons.append(f"{where}: {err.message}" if where else err.message)
    if current is not None:
        yield _report_row(job, cells, current, reasons)


def _report_row(job: ImportJob, cells: list, line: int, reasons: list[str]) -> list:
    padded = (list(cells) + [""] * len(job.headers))[: len(job.headers)]
    return [*padded, line, " | ".join(reasons)]
