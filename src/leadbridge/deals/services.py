"""Deal operations, and the pipelines and stages an administrator edits."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from leadbridge.core.errors import Collector, field_error
from leadbridge.core.record_services import Saved, record_create, record_delete, record_update
from leadbridge.people import access

from .models import Pipeline, Stage


def default_pipeline() -> Pipeline | None:
    return Pipeline.objects.order_by("-is_default", "order", "id").first()


def make_deal_validator(actor: Any):
    def validate(state: dict, instance: Any, out: Collector) -> None:
        if not state.get("title"):
            out.add("title", _("This field is required."))
        if state.get("pipeline_id") is None:
            if state.get("stage_id") is not None:
                state["pipeline_id"] = (
                    Stage.objects.filter(pk=state["stage_id"])
                    .values_list("pipeline_id", flat=True)
                    .first()
                )
            if state.get("pipeline_id") is None:
                pipeline = default_pipeline()
                if pipeline is None:
                    out.add("pipeline_id", _("No pipeline exists; an administrator must add one."))
                    return
                state["pipeline_id"] = pipeline.pk
        if state.get("stage_id") is None:
            first = Stage.objects.filter(pipeline_id=state["pipeline_id"]).order_by("order", "id")
            stage = first.first()
            if stage is None:
                out.add("stage_id", _("The pipeline has no stages."))
            else:
                state["stage_id"] = stage.pk
        elif not Stage.objects.filter(
            pk=state["stage_id"], pipeline_id=state["pipeline_id"]
        ).exists():
            out.add("stage_id", _("The stage does not belong to the deal's pipeline."))
        # client_id, contact_id and source_lead_id are checked against the actor's scope with
        # every reference (core/record_services._check_refs).

    return validate


def deal_create(*, actor: Any, data: dict) -> Saved:
    return record_create(
        actor=actor, record_type="deal", data=data, validate=make_deal_validator(actor)
    )


def deal_update(*, actor: Any, pk: int, data: dict, version: int | None = None) -> Saved:
    with transaction.atomic():
        return record_update(
            actor=actor,
            record_type="deal",
            pk=pk,
            data=data,
            version=version,
            validate=make_deal_validator(actor),
        )


def deal_delete(*, actor: Any, pk: int, version: int | None = None) -> Saved:
    return record_delete(actor=actor, record_type="deal", pk=pk, version=version)


def pipeline_create(
    *, actor: Any, name: str, stages: list[str], is_default: bool = False, order: int = 0
) -> Pipeline:
    """A pipeline with its stages in the given order (the last two: won and lost if named so)."""
    access.require_admin(actor)
    name = (name or "").strip()
    if not name:
        raise field_error("name", _("This field is required."))
    if Pipeline.objects.filter(name=name).exists():
        raise field_error("name", _("A pipeline with this name exists already."), code="exists")
    if not stages:
        raise field_error("stages", _("A pipeline needs at least one stage."))
    with transaction.atomic():
        if is_default:
            Pipeline.objects.update(is_default=False)
        pipeline = Pipeline.objects.create(name=name, is_default=is_default, order=order)
        Stage.objects.bulk_create(
            [Stage(pipeline=pipeline, name=s, order=i) for i, s in enumerate(stages)]
        )
    return pipeline


def stage_create(
    *,
    actor: Any,
    pipeline: Pipeline,
    name: str,
    kind: str = "open",
    order: int | None = None,
    probability: int = 0,
) -> Stage:
    access.require_admin(actor)
    if not (name or "").strip():
        raise field_error("name", _("This field is required."))
    if kind not in Stage.Kind.values:
        raise field_error("kind", _("Must be one of: open, won, lost."))
    if not 0 <= probability <= 100:
        raise field_error("probability", _("Must be between 0 and 100."))
    if order is None:
        order = pipeline.stages.count()
    with transaction.atomic():
        return Stage.objects.create(
            pipeline=pipeline, name=name.strip(), kind=kind, order=order, probability=probability
        )
