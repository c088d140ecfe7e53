"""Reads about leads that other layers share: what a converted lead became, the lead's part
of the record representation, and the converted leads in a record's timeline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from leadbridge.core.representation import json_value

from .models import ConversionLink


def converted_records(lead_ids: list[int]) -> dict[int, list[dict]]:
    """{lead id: [{"record_type", "id"}, …]}: the records each lead was converted into."""
    out: dict[int, list[dict]] = {i: [] for i in lead_ids}
    if not lead_ids:
        return out
    for link in ConversionLink.objects.filter(lead_id__in=lead_ids).order_by("id"):
        out[link.lead_id].append({"record_type": link.target_type, "id": link.target_id})
    return out


def lead_extras(leads: Sequence[Any]) -> dict[Any, dict[str, Any]]:
    """What a lead's representation adds to its spec's fields (core.representation): one
    query for the conversion links of the converted ones, none when there are none."""
    links = converted_records([lead.pk for lead in leads if lead.is_converted])
    return {
        lead.pk: {
            "is_converted": lead.is_converted,
            "converted_records": links.get(lead.pk, []),
            "next_activity_at": json_value(lead.next_activity_at),
            "lost_reason_id": lead.lost_reason_id,
        }
        for lead in leads
    }


def converted_from(record_type: str, ids: list[int]) -> list[tuple[str, int, str]]:
    """The leads converted into these records, as timeline origins (history.selectors)."""
    if record_type == "lead" or not ids:
        return []
    lead_ids = ConversionLink.objects.filter(
        target_type=record_type, target_id__in=ids
    ).values_list("lead_id", flat=True)
    return [("lead", lead_id, "converted_from") for lead_id in sorted(set(lead_ids))]
