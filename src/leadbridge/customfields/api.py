"""Configuration lists: lead statuses and sources, pipelines and stages, custom fields and
required built-in fields. Everyone reads them; administrators change them."""

from typing import Annotated, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from leadbridge.api.records import ERRORS
from leadbridge.api.schemas import Strict
from leadbridge.deals import services as deal_services
from leadbridge.deals.models import Pipeline
from leadbridge.leads import services as lead_services
from leadbridge.leads.models import LeadSource, LeadStatus

from . import services
from .models import CustomFieldDefinition, RequiredField

router = Router(tags=["Settings"])

RecordType = Literal["lead", "client", "contact", "deal"]


class StatusOut(Schema):
    id: int
    name: str
    order: int
    color: str
    kind: str
    on_board: bool


class StatusIn(Strict):
    name: str | None = Field(None, min_length=1, max_length=100)
    order: int | None = Field(None, ge=0, le=100000)
    color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")
    kind: Literal["open", "converted", "lost"] | None = None
    on_board: bool | None = None


class SourceOut(Schema):
    id: int
    name: str
    order: int
    active: bool


class SourceIn(Strict):
    name: str | None = Field(None, min_length=1, max_length=100)
    order: int | None = Field(None, ge=0, le=100000)
    active: bool | None = None


class StageOut(Schema):
    id: int
    name: str
    order: int
    kind: str
    probability: int


class PipelineOut(Schema):
    id: int
    name: str
    order: int
    is_default: bool
    stages: list[StageOut]


class PipelineIn(Strict):
    name: str = Field(..., min_length=1, max_length=150)
    stages: list[Annotated[str, Field(max_length=150)]] = Field(..., min_length=1, max_length=50)
    is_default: bool = False


class CustomFieldOut(Schema):
    id: int
    record_type: str
    key: str
    label: str
    type: str
    choices: list
    required: bool
    order: int


class CustomFieldIn(Strict):
    record_type: RecordType
    key: str = Field(
        "",
        pattern=r"^([a-z][a-z0-9_]{0,63})?$",
        description="Omitted or empty: made from the label (accents folded, `_` for spaces).",
    )
    label: str = Field(..., min_length=1, max_length=150)
    type: Literal["text", "number", "date", "choice", "boolean"]
    choices: list[str] = Field(default_factory=list, max_length=200)
    required: bool = False
    order: int = Field(0, ge=0, le=100000)


class CustomFieldPatch(Strict):
    """The key and the type stay: stored values, imports and API clients refer to the key."""

    label: str | None = Field(None, min_length=1, max_length=150)
    choices: list[Annotated[str, Field(max_length=150)]] | None = Field(None, max_length=200)
    required: bool | None = None
    order: int | None = Field(None, ge=0, le=100000)


class CustomFieldUsage(Schema):
    records: int = Field(..., description="Records (deleted ones included) holding a value.")


class RequiredIn(Strict):
    fields: list[str] = Field(..., max_length=100)


STATUS_FIELDS = ("id", "name", "order", "color", "kind", "on_board")


@router.get(
    "/lead-statuses", response={200: list[StatusOut], **ERRORS}, operation_id="lead_statuses_list"
)
def statuses(request: HttpRequest):
    return 200, list(LeadStatus.objects.values(*STATUS_FIELDS))


@router.post(
    "/lead-statuses", response={201: StatusOut, **ERRORS}, operation_id="lead_statuses_create"
)
def create_status(request: HttpRequest, payload: StatusIn):
    status = lead_services.status_save(actor=request.auth, data=payload.model_dump())
    return 201, status


@router.patch(
    "/lead-statuses/{int:status_id}",
    response={200: StatusOut, **ERRORS},
    operation_id="lead_statuses_update",
)
def update_status(request: HttpRequest, status_id: int, payload: StatusIn):
    status = get_object_or_404(LeadStatus, pk=status_id)
    return 200, lead_services.status_save(
        actor=request.auth, status=status, data=payload.model_dump(exclude_unset=True)
    )


@router.get(
    "/lead-sources", response={200: list[SourceOut], **ERRORS}, operation_id="lead_sources_list"
)
def sources(request: HttpRequest):
    return 200, list(LeadSource.objects.values("id", "name", "order", "active"))


@router.post(
    "/lead-sources", response={201: SourceOut, **ERRORS}, operation_id="lead_sources_create"
)
def create_source(request: HttpRequest, payload: SourceIn):
    return 201, lead_services.source_save(actor=request.auth, data=payload.model_dump())


@router.patch(
    "/lead-sources/{int:source_id}",
    response={200: SourceOut, **ERRORS},
    operation_id="lead_sources_update",
)
def update_source(request: HttpRequest, source_id: int, payload: SourceIn):
    source = get_object_or_404(LeadSource, pk=source_id)
    return 200, lead_services.source_save(
        actor=request.auth, source=source, data=payload.model_dump(exclude_unset=True)
    )


def pipeline_out(pipeline: Pipeline) -> dict:
    return {
        "id": pipeline.pk,
        "name": pipeline.name,
        "order": pipeline.order,
        "is_default": pipeline.is_default,
        "stages": [
            {
                "id": s.pk,
                "name": s.name,
                "order": s.order,
                "kind": s.kind,
                "probability": s.probability,
            }
            for s in pipeline.stages.all()
        ],
    }


@router.get(
    "/pipelines", response={200: list[PipelineOut], **ERRORS}, operation_id="pipelines_list"
)
def pipelines(request: HttpRequest):
    return 200, [pipeline_out(p) for p in Pipeline.objects.prefetch_related("stages")]


@router.post("/pipelines", response={201: PipelineOut, **ERRORS}, operation_id="pipelines_create")
def create_pipeline(request: HttpRequest, payload: PipelineIn):
    pipeline = deal_services.pipeline_create(
        actor=request.auth,
        name=payload.name,
        stages=payload.stages,
        is_default=payload.is_default,
    )
    return 201, pipeline_out(pipeline)


@router.get(
    "/custom-fields",
    response={200: list[CustomFieldOut], **ERRORS},
    operation_id="custom_fields_list",
)
def custom_fields(request: HttpRequest, record_type: RecordType | None = None):
    qs = CustomFieldDefinition.objects.all()
    if record_type:
        qs = qs.filter(record_type=record_type)
    return 200, list(qs.values(*CustomFieldOut.model_fields))


@router.post(
    "/custom-fields", response={201: CustomFieldOut, **ERRORS}, operation_id="custom_fields_create"
)
def create_custom_field(request: HttpRequest, payload: CustomFieldIn):
    return 201, services.custom_field_create(actor=request.auth, **payload.model_dump())


@router.patch(
    "/custom-fields/{field_id}",
    response={200: CustomFieldOut, **ERRORS},
    operation_id="custom_fields_update",
)
def update_custom_field(request: HttpRequest, field_id: int, payload: CustomFieldPatch):
    return 200, services.custom_field_update(
        actor=request.auth, pk=field_id, **payload.model_dump(exclude_unset=True)
    )


@router.get(
    "/custom-fields/{field_id}/usage",
    response={200: CustomFieldUsage, **ERRORS},
    operation_id="custom_fields_usage",
)
def custom_field_usage(request: HttpRequest, field_id: int):
    return 200, {"records": services.custom_field_usage(actor=request.auth, pk=field_id)}


@router.delete(
    "/custom-fields/{field_id}",
    response={200: CustomFieldUsage, **ERRORS},
    operation_id="custom_fields_delete",
    description="Deletes the field and its value on every record; answers how many held one.",
)
def delete_custom_field(request: HttpRequest, field_id: int):
    return 200, {"records": services.custom_field_delete(actor=request.auth, pk=field_id)}


@router.get(
    "/required-fields/{record_type}",
    response={200: list[str], **ERRORS},
    operation_id="required_fields_get",
)
def required_fields(request: HttpRequest, record_type: RecordType):
    return 200, sorted(
        RequiredField.objects.filter(record_type=record_type).values_list("field", flat=True)
    )


@router.put(
    "/required-fields/{record_type}",
    response={200: list[str], **ERRORS},
    operation_id="required_fields_set",
)
def set_required_fields(request: HttpRequest, record_type: RecordType, payload: RequiredIn):
    return 200, services.required_fields_set(
        actor=request.auth, record_type=record_type, fields=payload.fields
    )
