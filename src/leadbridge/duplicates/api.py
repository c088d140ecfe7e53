"""Duplicate endpoints: the finder (sync or a background job), "not a duplicate", merge, undo."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import ValidationError as PydanticValidationError

from leadbridge.api.records import ERRORS, filter_schema
from leadbridge.api.schemas import Id, Strict, text_problem
from leadbridge.core.cleaning import MAX_LIST
from leadbridge.core.errors import FieldIssue, NotFound, ValidationFailed

from . import finder, merge, tasks
from .matching import RULES
from .models import FinderJob, MergeRecord, NotDuplicate
from .reasons import localized

router = Router(tags=["Duplicates"])
RecordType = Literal["lead", "client", "contact"]
Rule = Literal["email", "phone", "name", "company", "registration_number", "address"]


class Candidate(Schema):
    record_type: str
    id: int
    display_name: str
    score: float
    reasons: list[str]


class Group(Schema):
    records: list[Candidate]
    score: float
    reasons: list[str]


class FindIn(Strict):
    record_type: RecordType
    fields: list[Rule] = Field(
        default_factory=lambda: list(RULES),
        description="Rules that score each pair: email (email, other_emails), phone (phone, "
        "mobile, other_phones), name (first_name, last_name, a client's name), company "
        "(company_name / name), registration_number (registration_number, vat_id), address "
        "(street, street2, postcode, city, country). Default: all.",
    )
    threshold: float | None = Field(
        None, ge=0, le=1, description="Pairs scoring at least this are proposed (default 0.9)"
    )
    filters: dict[str, Any] = Field(
        default_factory=dict, description="The list filters of the record type (scope the run)"
    )


class Groups(Schema):
    groups: list[Group]


class JobOut(Schema):
    job_id: str
    url: str


class JobStatus(Schema):
    job_id: str
    status: str
    progress: float
    groups: list[Group] | None = None
    error: str = ""


class PairIn(Strict):
    record_type: RecordType
    ids: list[Id] = Field(..., min_length=2, max_length=2)


class MergeIn(Strict):
    record_type: RecordType
    ids: list[Id] = Field(..., min_length=2, max_length=50)
    survivor_id: Id | None = Field(None, description="Default: the oldest record")
    choices: dict[str, Id] = Field(
        default_factory=dict,
        description="Field name (or custom_fields.<key>) -> id of the record whose value wins",
    )


class MergeOut(Schema):
    id: int
    record_type: str
    survivor_id: int
    merged_ids: list[int]
    choices: dict[str, int]
    created_at: Any
    created_by_id: int | None
    undone_at: Any | None


def _merge_out(m: MergeRecord) -> dict:
    return {
        "id": m.pk,
        "record_type": m.record_type,
        "survivor_id": m.survivor_id,
        "merged_ids": m.merged_ids,
        "choices": m.choices,
        "created_at": m.created_at,
        "created_by_id": m.created_by_id,
        "undone_at": m.undone_at,
    }


def clean_filters(record_type: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The list filters of the record type, validated as the list endpoint validates them;
    `cf_<key>` filters on custom fields pass as text."""
    schema = filter_schema(record_type)
    issues = []
    custom: dict[str, Any] = {}
    plain: dict[str, Any] = {}
    for key, value in raw.items():
        if key.startswith("cf_") and len(key) > 3:
            problem = text_problem(key) or text_problem(str(value))
            if problem:
                issues.append(FieldIssue(f"filters.{key}", problem))
            custom[key] = str(value)
        elif key in schema.model_fields and key not in ("ordering", "limit", "offset"):
            plain[key] = value
        else:
            issues.append(FieldIssue(f"filters.{key}", _("Unknown filter.")))
    try:
        values = schema(**plain).model_dump(mode="json", exclude_defaults=True)
    except PydanticValidationError as exc:
        for err in exc.errors():
            path = ".".join(str(p) for p in err["loc"])
            issues.append(FieldIssue(f"filters.{path}", err["msg"]))
        values = {}
    if issues:
        raise ValidationFailed(_("The filters are not valid."), errors=issues)
    return {**{k: v for k, v in values.items() if k in plain}, **custom}


def _job_url(job: FinderJob) -> str:
    return f"/api/duplicates/jobs/{job.pk}"


@router.post(
    "/find",
    response={200: Groups, 202: JobOut, **ERRORS},
    summary="Find duplicate groups",
    operation_id="duplicates_find",
    description="Small scopes answer at once with `groups`; larger ones answer 202 with a "
    "job to poll (`Location` header and `url`).",
)
def find(request: HttpRequest, payload: FindIn, response: HttpResponse):
    payload.filters = clean_filters(payload.record_type, payload.filters)
    scope = finder.scope_ids(request.auth, payload.record_type, payload.filters)
    if finder.scope_size(scope, payload.record_type) <= finder.SYNC_LIMIT:
        groups = finder.find_groups(
            actor=request.auth,
            record_type=payload.record_type,
            rules=payload.fields,
            threshold=payload.threshold,
            filters=payload.filters,
        )
        return 200, {"groups": localized(groups)}
    job = tasks.start_finder(actor=request.auth, params=payload.model_dump())
    url = _job_url(job)
    response["Location"] = url
    return 202, {"job_id": str(job.pk), "url": url}


@router.get(
    "/jobs/{job_id}",
    response={200: JobStatus, **ERRORS},
    summary="A finder job's progress and, when done, its groups",
    operation_id="duplicates_job",
    url_name="duplicates_job",
)
def job_status(request: HttpRequest, job_id: str):
    job = FinderJob.objects.filter(pk=_uuid(job_id), created_by=request.auth).first()
    if job is None:
        raise NotFound(_("No finder job %(job_id)s.") % {"job_id": job_id})
    return 200, {
        "job_id": str(job.pk),
        "status": job.status,
        "progress": round(job.progress, 3),
        "groups": localized(job.result) if job.status == FinderJob.Status.DONE else None,
        "error": job.error,
    }


def _uuid(value: str) -> Any:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(_("No finder job %(value)s.") % {"value": value}) from None


@router.post(
    "/not-duplicate",
    response={204: None, **ERRORS},
    summary="Mark two records as not duplicates (never proposed again)",
    operation_id="duplicates_not_duplicate",
)
def not_duplicate(request: HttpRequest, payload: PairIn):
    a, b = sorted(payload.ids)
    if a == b:
        raise ValidationFailed(
            _("Give two different records."), errors=[FieldIssue("ids", _("Two different ids."))]
        )
    for pk in (a, b):
        finder.visible_or_404(request.auth, payload.record_type, pk)
    try:
        with transaction.atomic():
            NotDuplicate.objects.create(
                a_type=payload.record_type,
                a_id=a,
                b_type=payload.record_type,
                b_id=b,
                created_by=request.auth,
            )
    except IntegrityError:
        pass  # already marked: the answer is the same
    return 204, None


@router.post(
    "/merge",
    response={201: MergeOut, **ERRORS},
    summary="Merge records into one",
    operation_id="duplicates_merge",
    description=(
        "Needs the merge, update and delete rights on every record (403 otherwise). No e-mail"
        " or phone is lost: every address and number of the records other than the survivor's"
        " chosen `email`, `phone` and `mobile` goes into `other_emails` / `other_phones`"
        " (survivor first, then by id; once per normalized value; at most"
        f" {MAX_LIST} each, the rest"
        " in a note on the survivor, which an undo deletes)."
    ),
)
def merge_records(request: HttpRequest, payload: MergeIn):
    done = merge.record_merge(
        actor=request.auth,
        record_type=payload.record_type,
        ids=payload.ids,
        survivor_id=payload.survivor_id,
        choices=payload.choices,
    )
    return 201, _merge_out(done)


@router.get(
    "/merges",
    response={200: list[MergeOut], **ERRORS},
    summary="The merge log",
    operation_id="duplicates_merges",
)
def merges(request: HttpRequest, record_type: RecordType | None = None):
    return 200, [
        _merge_out(m) for m in merge.merge_list(actor=request.auth, record_type=record_type)
    ]


@router.post(
    "/merges/{int:merge_id}/undo",
    response={200: MergeOut, **ERRORS},
    summary="Undo a merge",
    operation_id="duplicates_merge_undo",
    description="409 `merge_conflict` when a record was changed after the merge.",
)
def undo(request: HttpRequest, merge_id: int):
    return 200, _merge_out(merge.merge_undo(actor=request.auth, merge_id=merge_id))
