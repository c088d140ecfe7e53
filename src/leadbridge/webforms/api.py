"""Web forms over the API (administrators): settings, embed snippets, submission counts."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router

from leadbridge.api.records import ERRORS
from leadbridge.api.schemas import Id, Strict
from leadbridge.duplicates.policy import OnDuplicateValue
from leadbridge.people import access

from . import embed, services
from .models import WebForm

router = Router(tags=["Web forms"])


class WebFormIn(Strict):
    name: str | None = Field(None, min_length=1, max_length=150)
    language: Literal["en", "cs", "sk", "pl", "lt", "vi"] | None = None
    fields: list[str] | None = None
    required_fields: list[str] | None = None
    consent_text: str | None = Field(None, max_length=5000)
    source_id: Id | None = None
    status_id: Id | None = None
    owner_id: Id | None = None
    team_id: Id | None = None
    pipeline_id: Id | None = Field(
        None,
        description='With the "Use leads" setting off, submissions make a deal in this '
        "pipeline (its first stage); none: the default pipeline",
    )
    allowed_origins: list[str] | None = None
    thank_you_message: str | None = Field(None, max_length=5000)
    redirect_url: str | None = Field(None, max_length=1000)
    autoresponder_subject: str | None = Field(None, max_length=255)
    autoresponder_body: str | None = Field(None, max_length=100_000)
    on_duplicate: OnDuplicateValue | None = Field(
        None,
        description="A submission that matches an existing lead (with leads off: contact): "
        "allow (a new record anyway), skip (create nothing), fill (fill the match's empty "
        "fields), link (add the submitted values as a note on the match). A public form "
        "takes no other value (422 at on_duplicate); `update` is a deprecated alias of fill.",
    )
    min_fill_seconds: int | None = Field(None, ge=0, le=3600)
    active: bool | None = None


def form_out(request: HttpRequest, form: WebForm) -> dict:
    out = {name: getattr(form, name) for name in ("id", "key", *services.FORM_ATTRS)}
    base = request.build_absolute_uri("/").rstrip("/")
    out["endpoint"] = f"{base}/f/{form.key}"
    out["embed_html"] = embed.snippet(form, base)
    out["embed_fallback"] = embed.fallback(form, base)
    out["submissions"] = form.submissions.count()
    return out


@router.get("", response={200: list[dict], **ERRORS}, operation_id="webforms_list")
def list_forms(request: HttpRequest):
    access.require_admin(request.auth)
    return 200, [form_out(request, f) for f in WebForm.objects.all()]


@router.post("", response={201: dict, **ERRORS}, operation_id="webforms_create")
def create_form(request: HttpRequest, payload: WebFormIn):
    form = services.webform_save(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return 201, form_out(request, form)


@router.get("/{int:form_id}", response={200: dict, **ERRORS}, operation_id="webforms_get")
def get_form(request: HttpRequest, form_id: int):
    access.require_admin(request.auth)
    return 200, form_out(request, get_object_or_404(WebForm, pk=form_id))


@router.patch("/{int:form_id}", response={200: dict, **ERRORS}, operation_id="webforms_update")
def update_form(request: HttpRequest, form_id: int, payload: WebFormIn):
    access.require_admin(request.auth)
    form = get_object_or_404(WebForm, pk=form_id)
    data = payload.model_dump(exclude_unset=True)
    return 200, form_out(request, services.webform_save(actor=request.auth, data=data, form=form))
