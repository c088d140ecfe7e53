"""Reading a record's timeline, with the past of the leads it came from and of merged records."""

from __future__ import annotations

from django.db.models import Q

from leadbridge.core.registry import model_for

from . import registry
from .models import HistoryEvent
from .sources import timeline_sources


def related_origins(record_type: str, record_id: int) -> list[tuple[str, int, str]]:
    """(type, id, relation) of every record whose history belongs to this one's timeline."""
    origins: list[tuple[str, int, str]] = [(record_type, record_id, "self")]
    # Records merged into this one (and into those, transitively).
    model = model_for(record_type)
    frontier = [record_id]
    seen = {record_id}
    while frontier:
        merged = list(model.objects.filter(merged_into__in=frontier).values_list("id", flat=True))
        frontier = [m for m in merged if m not in seen]
        seen.update(frontier)
        origins.extend((record_type, m, "merged") for m in frontier)
    ids_of_type = [rid for _t, rid, _r in origins]
    # Records of other types whose past this one carries on (a client's converted leads).
    origins.extend(registry.origins(record_type, ids_of_type))
    return origins + _source_origins(origins)


def _source_origins(origins: list[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    """Rows of other apps (documents) linked to the record or to any of its origins; their
    relation is their own type, so the timeline says nothing like "from lead" for them."""
    ids_by_type: dict[str, list[int]] = {}
    for rtype, rid, _relation in origins:
        ids_by_type.setdefault(rtype, []).append(rid)
    extra: list[tuple[str, int, str]] = []
    for source in timeline_sources():
        found: set[int] = set()
        for rtype, ids in ids_by_type.items():
            found.update(rid for t, rid in source.origins(rtype, ids) if t == source.record_type)
        extra.extend((source.record_type, rid, source.record_type) for rid in sorted(found))
    return extra


def history_for(record_type: str, record_id: int) -> list[tuple[HistoryEvent, dict]]:
    """The events of the record and of its origins, in time order, each with its origin."""
    origins = related_origins(record_type, record_id)
    query = Q()
    by_key: dict[tuple[str, int], str] = {}
    for rtype, rid, relation in origins:
        by_key.setdefault((rtype, rid), relation)
    grouped: dict[str, list[int]] = {}
    for rtype, rid in by_key:
        grouped.setdefault(rtype, []).append(rid)
    for rtype, ids in grouped.items():
        query |= Q(record_type=rtype, record_id__in=ids)
    events = HistoryEvent.objects.filter(query).order_by("at", "id")
    return [
        (
            event,
            {
                "record_type": event.record_type,
                "id": event.record_id,
                "relation": by_key[(event.record_type, event.record_id)],
            },
        )
        for event in events
    ]
