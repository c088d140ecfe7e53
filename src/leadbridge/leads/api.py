"""Conversion endpoints: preview, convert, assign to an existing contact or client, bulk."""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Header, Router, Schema

from leadbridge.api.idempotency import run_idempotent
from leadbridge.api.records import ERRORS
from leadbridge.api.schemas import Issue, Strict
from leadbridge.duplicates.policy import OnDuplicateValue

from . import conversion

router = Router(tags=["Conversion"])


class TargetPlanIn(Strict):
    mode: Literal["new", "existing", "none"] = "new"
    id: int | None = Field(None, ge=1, le=2**62)
    fields: dict[str, Any] | None = Field(
        None, description="Values that override what is mapped from the lead"
    )
    overwrite: list[str] = Field(
        default_factory=list,
        description="Fields of an existing record that take the lead's value (only empty "
        "fields are filled otherwise)",
    )
    owner_id: int | None = Field(None, ge=1, le=2**62)
    team_id: int | None = Field(None, ge=1, le=2**62)


class DealPlanIn(TargetPlanIn):
    """A new deal of a lead converted before, with the client or contact left out (mode
    none), belongs to the client and contact person the lead was converted into last; a
    client or contact the plan names (or `fields.client_id` / `fields.contact_id`) wins."""

    pipeline_id: int | None = Field(
        None, ge=1, le=2**62, description="Required when there are several pipelines"
    )
    stage_id: int | None = Field(None, ge=1, le=2**62)


class ConvertPlanIn(Strict):
    client: TargetPlanIn | None = None
    contact: TargetPlanIn | None = None
    deal: DealPlanIn | None = None
    create_missing_fields: bool = False
    on_duplicate: OnDuplicateValue = Field(
        "allow",
        description="A new client or contact that matches an existing one of its type: "
        "allow (create it and report the matches), reject (409 duplicate), skip (use the "
        "match as it is), fill (use the match, its empty fields filled from the lead), "
        "overwrite (use the match, the lead's values replace its own), link (use the match "
        "as it is and add the lead's values to it as a note). `update` is a deprecated alias "
        "of `fill`.",
    )
    version: int | None = Field(
        None, description="The lead's version; required once the lead has been converted"
    )
    status_id: int | None = Field(
        None, ge=1, le=2**62, description="A status of kind converted (default: the first)"
    )


class Match(Schema):
    record_type: str
    id: int
    display_name: str
    score: float
    reasons: list[str]


class ConvertResult(Schema):
    lead_id: int
    client_id: int | None
    contact_id: int | None
    deal_id: int | None
    created: dict[str, bool] = Field(description="Per target: true if made, false if existing")
    created_fields: list[str]
    duplicates: list[Match]
    warnings: list[Issue]


class TargetPreview(Schema):
    mode: str
    id: int | None
    values: dict[str, Any]
    conflicts: list[dict[str, Any]]


class CustomFieldToCreate(Schema):
    record_type: str
    key: str
    label: str
    type: str
    choices: list[Any]


class ConvertPreview(Schema):
    lead_id: int
    is_converted: bool
    version: int
    client: TargetPreview
    contact: TargetPreview
    deal: TargetPreview
    missing_fields: list[Issue]
    warnings: list[Issue]
    custom_fields_to_create: list[CustomFieldToCreate]
    duplicates: list[Match]
    open_deals: list[Match]


class AssignIn(Strict):
    contact_id: int | None = Field(None, ge=1, le=2**62)
    client_id: int | None = Field(None, ge=1, le=2**62)
    version: int | None = None


class BulkConvertIn(Strict):
    lead_ids: list[int] = Field(..., min_length=1, max_length=500)
    plan: ConvertPlanIn = Field(default_factory=ConvertPlanIn)


class BulkItem(Schema):
    lead_id: int
    ok: bool
    result: ConvertResult | None = None
    errors: dict[str, Any] | None = None


class BulkResult(Schema):
    results: list[BulkItem]


def _plan(payload: ConvertPlanIn) -> conversion.Plan:
    return conversion.plan_from_dict(payload.model_dump(exclude_unset=True))


@router.post(
    "/{int:lead_id}/convert/preview",
    response={200: ConvertPreview, **ERRORS},
    operation_id="leads_convert_preview",
    summary="What converting the lead would do (writes nothing)",
)
def preview(request: HttpRequest, lead_id: int, payload: ConvertPlanIn):
    return 200, conversion.lead_convert_preview(
        actor=request.auth, lead_id=lead_id, plan=_plan(payload)
    )


@router.post(
    "/{int:lead_id}/convert",
    response={200: ConvertResult, **ERRORS},
    operation_id="leads_convert",
    summary="Convert a lead into client, contact, deal",
)
def convert(
    request: HttpRequest,
    lead_id: int,
    payload: ConvertPlanIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    def write():
        return 200, conversion.lead_convert(
            actor=request.auth, lead_id=lead_id, plan=_plan(payload)
        )

    return run_idempotent(
        request,
        actor=request.auth,
        key=idempotency_key,
        endpoint=f"POST /leads/{lead_id}/convert",
        write=write,
    )


@router.post(
    "/{int:lead_id}/assign",
    response={200: ConvertResult, **ERRORS},
    operation_id="leads_assign",
    summary="Link the lead to an existing contact or client and mark it converted",
)
def assign(
    request: HttpRequest,
    lead_id: int,
    payload: AssignIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    def write():
        return 200, conversion.lead_assign(
            actor=request.auth,
            lead_id=lead_id,
            contact_id=payload.contact_id,
            client_id=payload.client_id,
            version=payload.version,
        )

    return run_idempotent(
        request,
        actor=request.auth,
        key=idempotency_key,
        endpoint=f"POST /leads/{lead_id}/assign",
        write=write,
    )


@router.post(
    "/convert",
    response={200: BulkResult, **ERRORS},
    operation_id="leads_convert_bulk",
    summary="Convert several leads by one plan, each in its own transaction",
)
def convert_bulk(request: HttpRequest, payload: BulkConvertIn):
    results = conversion.leads_convert_bulk(
        actor=request.auth,
        lead_ids=payload.lead_ids,
        plan_data=payload.plan.model_dump(exclude_unset=True),
    )
    return 200, {"results": results}
