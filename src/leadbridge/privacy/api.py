"""GDPR endpoints: a person's data export and erasure (the `privacy` right)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router

from leadbridge.api.auth import actor
from leadbridge.api.records import ERRORS

from . import services

router = Router(tags=["privacy"])
PersonType = Literal["lead", "contact", "client"]


@router.get(
    "/{record_type}/{int:record_id}/export",
    response={200: dict[str, Any], **ERRORS},
    operation_id="person_export",
)
def export_person(request: HttpRequest, record_type: PersonType, record_id: int):
    """Everything held about the person, place by place."""
    return services.person_export(
        actor=actor(request), record_type=record_type, record_id=record_id
    )


@router.post(
    "/{record_type}/{int:record_id}/erase",
    response={200: dict[str, Any], **ERRORS},
    operation_id="person_erase",
)
def erase_person(request: HttpRequest, record_type: PersonType, record_id: int):
    """Anonymize the person everywhere (history included); deals and counts stay.
    Answers the number of rows changed per place."""
    counts = services.person_erase(
        actor=actor(request), record_type=record_type, record_id=record_id
    )
    return {"erased": True, "rows": counts}
