"""Imports API (upload, mapping, preview, start, cancel, undo, progress, error report) and the
export of every list (`GET /api/{leads,clients,contacts,deals,activities}/export`)."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from leadbridge.activities.selectors import activity_list
from leadbridge.api.records import ERRORS, CommonFilters, filter_schema, text_problem
from leadbridge.api.schemas import Id, Strict
from leadbridge.core.errors import field_error
from leadbridge.core.forms import LABELS
from leadbridge.core.selectors import ListParams, filtered_queryset
from leadbridge.customfields.models import CustomFieldDefinition
from leadbridge.duplicates.policy import DOC as ON_DUPLICATE_DOC
from leadbridge.duplicates.policy import OnDuplicateValue
from leadbridge.people import access

from . import exports, jobs
from .mapping import LEAD_FIELDS, MAX_COLUMNS
from .models import ImportJob
from .record_types import import_simple

router = Router(tags=["Imports"])
exports_router = Router(tags=["Exports"])

Format = Literal["csv", "xlsx"]
Layout = Literal["data", "spreadsheet"]
LAYOUT_HELP = (
    "`data` (default): contract names as headers, commas, references by id (status, source, "
    "owner by user name and team by name), so the file imports back. `spreadsheet`: for a "
    "person opening it in Excel: column labels in the reader's language, references and people "
    "by name, and in a language that writes decimals with a comma (cs, sk, pl, lt, vi) `;` "
    "between cells and amounts with a comma (UTF-8 with a BOM either way)."
)


class ImportOut(Schema):
    id: int
    status: str
    filename: str
    format: str
    sheet: str
    sheets: list[str]
    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict
    on_duplicate: str
    match_on: str
    run_automations: bool
    create_missing: bool
    rows_total: int | None
    rows_done: int
    rows_created: int
    rows_updated: int
    rows_skipped: int
    rows_failed: int
    rows_duplicate: int
    percent: float | None
    rate: float | None = Field(None, description="Rows per second")
    seconds_left: float | None
    error: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    undone_at: dt.datetime | None


def job_out(job: ImportJob) -> dict:
    data = {name: getattr(job, name) for name in ImportOut.model_fields if hasattr(job, name)}
    return data | jobs.progress(job)


class MappingSpec(Strict):
    columns: list[str] = Field(
        ..., max_length=MAX_COLUMNS, description="A field per file column, '' to skip the column"
    )
    constants: dict[str, Any] = Field(default_factory=dict, description="field: value")
    number_format: Literal["auto", "comma", "dot"] = "auto"
    date_format: Literal["auto", "dmy", "mdy", "ymd"] = "auto"
    pipeline_id: int | None = Field(
        None,
        description='With the "Use leads" setting off the rows become a contact (and a client '
        "for a company name) and a deal in this pipeline's first stage; none: the default "
        "pipeline",
    )


class MappingIn(Strict):
    mapping: MappingSpec
    on_duplicate: OnDuplicateValue = Field(
        "skip",
        description="A row that matches a lead (by `match_on`) or an earlier row: "
        + ON_DUPLICATE_DOC
        + " A rejected row is a row error; a skipped or linked row counts as skipped.",
    )
    match_on: Literal["any", "email", "phone", "registration_number"] = "any"
    run_automations: bool = Field(
        False,
        description="Fire what lead_create fires for each new lead (lead.created webhooks, "
        "the status's task templates) and place leads without an owner or team by the "
        "assignment rules of the import channel",
    )
    create_missing: bool = Field(
        False, description="Create statuses and sources the file names (administrators)"
    )
    save_template: bool = False
    template_name: str = Field("", max_length=100)


class PreviewRow(Schema):
    line: int
    cells: list[Any]
    values: dict
    errors: list[dict]
    warnings: list[dict]


class PreviewOut(Schema):
    headers: list[str]
    mapping: dict
    rows: list[PreviewRow]


class FieldsOut(Schema):
    fields: list[str]
    custom_fields: list[dict]


@router.get("/fields", response={200: FieldsOut, **ERRORS}, operation_id="imports_fields")
def import_fields(request: HttpRequest):
    """The fields a column can feed: the lead's fields (lookups by name) and custom fields."""
    custom = CustomFieldDefinition.objects.filter(record_type="lead")
    return 200, {
        "fields": list(LEAD_FIELDS),
        "custom_fields": [
            {"field": f"custom_fields.{d.key}", "label": d.label, "type": d.type} for d in custom
        ],
    }


@router.post(
    "",
    response={201: ImportOut, **ERRORS},
    operation_id="imports_create",
    summary="Upload a CSV, XLSX or XLS file",
    description="Reads the header and suggests a mapping (a saved one for the same headers "
    "first). Nothing is imported until `start`. Refused with 422 at `file`: a file over 2 GB, "
    "of more than 500 columns, or an XLSX that unpacks to more than "
    "`IMPORT_MAX_UNCOMPRESSED_BYTES` or is compressed more than "
    "`IMPORT_MAX_COMPRESSION_RATIO` to 1 in one member (code `file_too_large`; checked from "
    "the zip's directory before anything is read). A cell longer than "
    "`IMPORT_MAX_CELL_CHARS` makes its row an error at the import.",
)
def upload(
    request: HttpRequest,
    file: File[UploadedFile],
    sheet: Form[str | None] = None,
    encoding: Form[str | None] = None,
    delimiter: Form[str | None] = None,
):
    if delimiter and len(delimiter) != 1:
        raise field_error("delimiter", _("One character, such as ; or a tab."))
    job = jobs.import_upload(
        actor=request.auth,
        filename=file.name or "import.csv",
        stream=file.file,
        size=file.size or 0,
        sheet=sheet or None,
        encoding=(encoding or "")[:40] or None,
        delimiter=delimiter or None,
    )
    return 201, job_out(job)


class RowError(Schema):
    line: int
    field: str
    message: str


class SimpleImportOut(Schema):
    record_type: str
    columns: list[str] = Field(description="The field each file column was read as ('' skipped)")
    rows: int
    created: int
    updated: int
    errors: list[RowError]


@router.post(
    "/records/{record_type}",
    response={200: SimpleImportOut, **ERRORS},
    operation_id="imports_records",
    summary="Import a small record type (products) from a CSV, XLSX or XLS file at once",
    description="Columns are matched by their headers (field names or their usual names in the "
    "UI's languages). Good rows are written in one transaction; each refused row is listed "
    "with its line and field. At most 10 MB and 10,000 rows. Types: `product` (price list; a "
    "row whose `code` exists updates that product).",
)
def import_records(request: HttpRequest, record_type: str, file: File[UploadedFile]):
    return 200, import_simple(
        actor=request.auth,
        record_type=record_type,
        filename=file.name or "import.csv",
        stream=file.file,
        size=file.size or 0,
    )


@router.get("", response={200: list[ImportOut], **ERRORS}, operation_id="imports_list")
def list_imports(request: HttpRequest):
    qs = ImportJob.objects.all()
    if not access.is_admin(request.auth):
        qs = qs.filter(created_by=request.auth)
    return 200, [job_out(j) for j in qs[:100]]


@router.get("/{int:job_id}", response={200: ImportOut, **ERRORS}, operation_id="imports_get")
def get_import(request: HttpRequest, job_id: int):
    return 200, job_out(jobs.import_get(actor=request.auth, job_id=job_id))


@router.put(
    "/{int:job_id}/mapping", response={200: ImportOut, **ERRORS}, operation_id="imports_mapping"
)
def set_mapping(request: HttpRequest, job_id: int, payload: MappingIn):
    data = payload.model_dump()
    job = jobs.import_set_mapping(
        actor=request.auth, job_id=job_id, mapping=data.pop("mapping"), **data
    )
    return 200, job_out(job)


class SheetIn(Strict):
    sheet: str = Field(..., min_length=1, max_length=255, description="One of the job's `sheets`")


@router.put(
    "/{int:job_id}/sheet",
    response={200: ImportOut, **ERRORS},
    operation_id="imports_sheet",
    summary="Read another sheet of the uploaded workbook",
    description="Before the start: the sheet's header and a mapping suggested for it (a saved "
    "one for the same headers first) replace the job's `headers` and `mapping`.",
)
def choose_sheet(request: HttpRequest, job_id: int, payload: SheetIn):
    job = jobs.import_choose_sheet(actor=request.auth, job_id=job_id, sheet=payload.sheet)
    return 200, job_out(job)


@router.get(
    "/{int:job_id}/preview", response={200: PreviewOut, **ERRORS}, operation_id="imports_preview"
)
def preview(request: HttpRequest, job_id: int, limit: int = Query(20, ge=1, le=200)):
    return 200, jobs.import_preview(actor=request.auth, job_id=job_id, limit=limit)


@router.post(
    "/{int:job_id}/start",
    response={202: ImportOut, **ERRORS},
    operation_id="imports_start",
    description="Queue the import for the background worker (also resumes a crashed one).",
)
def start(request: HttpRequest, job_id: int):
    return 202, job_out(jobs.import_start(actor=request.auth, job_id=job_id))


@router.post(
    "/{int:job_id}/cancel", response={200: ImportOut, **ERRORS}, operation_id="imports_cancel"
)
def cancel(request: HttpRequest, job_id: int):
    return 200, job_out(jobs.import_cancel(actor=request.auth, job_id=job_id))


@router.post(
    "/{int:job_id}/undo",
    response={200: ImportOut, **ERRORS},
    operation_id="imports_undo",
    description="Delete the leads the import created and restore the ones it updated.",
)
def undo(request: HttpRequest, job_id: int):
    return 200, job_out(jobs.import_undo(actor=request.auth, job_id=job_id))


COLUMNS_HELP = (
    "Comma-separated names of the columns to export, in that order (the export's header "
    "names: `id`, the field names with `status`, `source`, `owner` and `team` by name, custom "
    "field keys, `created_at`, `updated_at`); empty: every column."
)


def _selected(rows, columns: str | None):
    try:
        return exports.select_columns(rows, exports.split_columns(columns))
    except exports.UnknownColumns as exc:
        raise field_error(
            "columns",
            _("Unknown column: %(unknown)s. Known columns: %(known)s.")
            % {"unknown": ", ".join(exc.unknown), "known": ", ".join(exc.known)},
        ) from None


def _download(rows, fmt: str, filename: str, *, delimiter: str = ",") -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        exports.stream(rows, fmt, delimiter=delimiter), content_type=exports.CONTENT_TYPES[fmt]
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@router.get(
    "/{int:job_id}/errors",
    response={200: None, **ERRORS},
    operation_id="imports_errors",
    description="The bad rows in the file's columns plus Line and Errors; fix and re-import.",
)
def error_report(request: HttpRequest, job_id: int, format: Format = "csv"):
    job = jobs.import_get(actor=request.auth, job_id=job_id)
    return _download(jobs.error_report_rows(job), format, f"import-{job.pk}-errors")


# Exports -------------------------------------------------------------------------------------

LAYOUT_QUERY = Query("data", description=LAYOUT_HELP)


def export_labels() -> dict[str, str]:
    """Column labels of the spreadsheet layout, in the active language."""
    labels = {name: str(label) for name, label in LABELS.items()}
    for name, relation in exports.BY_NAME.items():
        labels[relation] = labels.get(name, relation)
    labels.update(
        {
            "id": "ID",
            "created_at": str(pgettext("column", "Created")),
            "updated_at": str(pgettext("column", "Updated")),
        }
    )
    return labels


EXPORTED = {"leads": "lead", "clients": "client", "contacts": "contact", "deals": "deal"}


def _export_route(plural: str, record_type: str) -> None:
    Filters = filter_schema(record_type)

    @exports_router.get(
        f"/{plural}/export",
        response={200: None, **ERRORS},
        operation_id=f"{plural}_export",
        summary=f"Export the {plural} list as CSV or XLSX",
        description="The list's filters (as for the list endpoint, `cf_<key>` included); "
        "every record the filters select that you may see, streamed. `limit`, `offset` "
        "and `ordering` are ignored: rows come in id order. `columns`: " + COLUMNS_HELP,
    )
    def export(
        request: HttpRequest,
        filters: Query[Filters],  # type: ignore[valid-type]
        format: Format = "csv",
        columns: str | None = Query(None, max_length=4000, description=COLUMNS_HELP),  # type: ignore[type-arg]
        layout: Layout = LAYOUT_QUERY,
    ):
        access.check(request.auth, record_type, "export")
        values = filters.model_dump()
        common = {k: values.pop(k) for k in list(values) if k in CommonFilters.model_fields}
        custom = {k[3:]: v for k, v in request.GET.items() if k.startswith("cf_") and len(k) > 3}
        for key, value in custom.items():
            if problem := text_problem(key) or text_problem(value):
                raise field_error(f"cf_{key}", problem)
        qs = filtered_queryset(
            actor=request.auth,
            record_type=record_type,
            params=ListParams(**common),
            type_filters=values,
            custom_filters=custom,
        )
        custom_labels = dict(
            CustomFieldDefinition.objects.filter(record_type=record_type)
            .order_by("id")
            .values_list("key", "label")
        )
        readable = layout == "spreadsheet"
        rows = exports.record_rows(record_type, qs, list(custom_labels), readable=readable)
        rows = _selected(rows, columns)
        if not readable:
            return _download(rows, format, plural)
        labels = {**export_labels(), **custom_labels}
        delimiter = ";" if exports.decimal_comma() else ","
        rows = exports.spreadsheet(rows, labels, format)
        return _download(rows, format, plural, delimiter=delimiter)


for _plural, _type in EXPORTED.items():
    _export_route(_plural, _type)


ACTIVITY_COLUMNS_HELP = (
    "Comma-separated names of the columns to export, in that order ("
    + ", ".join(f"`{c}`" for c in exports.ACTIVITY_HEADER)
    + "); empty: every column."
)


class ActivityExportFilters(Schema):
    type: str | None = Field(None, max_length=20)
    owner_id: Id | None = None
    done: bool | None = None


@exports_router.get(
    "/activities/export",
    response={200: None, **ERRORS},
    operation_id="activities_export",
    summary="Export the activities list as CSV or XLSX",
    description="`columns`: " + ACTIVITY_COLUMNS_HELP,
)
def export_activities(
    request: HttpRequest,
    filters: Query[ActivityExportFilters],
    format: Format = "csv",
    columns: str | None = Query(None, max_length=4000, description=ACTIVITY_COLUMNS_HELP),  # type: ignore[type-arg]
):
    qs = activity_list(actor=request.auth, filters=filters.model_dump())
    return _download(_selected(exports.activity_rows(qs), columns), format, "activities")
