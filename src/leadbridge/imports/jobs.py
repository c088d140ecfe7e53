"""Import jobs as their owner handles them: upload, sheet and mapping, preview, start,
cancel, undo, progress and the error report. The rows themselves are imported by the
engine (`engine.run_job`) in the worker, queued by `tasks.run_import`."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from typing import IO, Any

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leadbridge.core.errors import (
    Collector,
    Conflict,
    DomainError,
    FieldIssue,
    NotFound,
    ValidationFailed,
)
from leadbridge.core.events import listened, publish
from leadbridge.core.record_services import lock, record_delete, refresh_derived, snapshot
from leadbridge.core.registry import model_for
from leadbridge.core.specs import SPECS
from leadbridge.duplicates.keys import forget
from leadbridge.duplicates.policy import parse
from leadbridge.history.models import HistoryEvent
from leadbridge.history.services import history_changes, history_event_row, json_value
from leadbridge.leads.intake import check_pipeline
from leadbridge.leads.models import Lead
from leadbridge.people import access

from . import readers
from .checking import RowChecker, custom_fields, open_table, plain
from .engine import STALE_AFTER, lease_free
from .mapping import MAX_COLUMNS, Mapping, check_mapping, header_key, header_signature, suggest
from .models import ImportJob, MappingTemplate
from .tasks import run_import
from .writer import MATCH_ON

MAX_UPLOAD = 2 * 1024**3


# Upload, mapping, preview --------------------------------------------------------------------


def _get(actor: Any, job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or (job.created_by_id != actor.pk and not access.is_admin(actor)):
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
    try:
        mode = parse(on_duplicate)
    except DomainError as exc:
        out.errors.extend(exc.errors)
    if match_on not in MATCH_ON:
        out.add("match_on", _("Must be one of: %(choices)s.") % {"choices": ", ".join(MATCH_ON)})
    out.raise_if_any(_("The mapping cannot be used."))
    job.mapping = parsed.as_dict()
    job.on_duplicate = mode.value
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
                    "cells": [json_value(plain(c)) for c in cells],
                    "values": _display(outcome.state) if outcome.state else {},
                    "errors": outcome.errors,
                    "warnings": outcome.warnings,
                }
            )
            if len(rows) >= limit:
                break
    return {"headers": job.headers, "mapping": job.mapping, "rows": rows}


# Start, cancel, undo -------------------------------------------------------------------------


def import_start(*, actor: Any, job_id: int) -> ImportJob:
    """Queue the import for the worker; a job whose worker died resumes where it stopped.

    A running job counts as dead only when it made no progress for `STALE_AFTER` and its run
    lease is stale too (`engine.claim`): a run that is slow, not dead, keeps its job."""

    with transaction.atomic():
        job = _get(actor, job_id)
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        now = timezone.now()
        stale = (
            job.status == ImportJob.Status.RUNNING
            and (now - job.updated_at).total_seconds() > STALE_AFTER
            and ImportJob.objects.filter(lease_free(now), pk=job.pk).exists()
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

    if item.get("record_type") not in ("deal", "contact", "client"):
        return
    alive = model_for(item["record_type"]).objects.filter(pk=item["id"], deleted_at__isnull=True)
    if alive.exists():  # one deleted by hand since stays deleted
        record_delete(actor=actor, record_type=item["record_type"], pk=item["id"], version=None)


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
