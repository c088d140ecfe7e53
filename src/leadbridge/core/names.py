"""Records by name with a link, looked up in bulk: one query per record type, not one per row.

Pages that mention other records (the lead card's generated records, the Tasks page, the
timeline) show "Agro Šumava s.r.o." with a link, never "Client #31". Only records the reader
may view get their name and link (the scope is the selectors' one); others, and deleted ones,
stay "client #31" without a link, so a name never leaks past the reader's scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from leadbridge.people import access

from . import labels
from .registry import is_record_type, model_for

# URL namespace of each record type's pages.
NAMESPACES = {"lead": "leads", "client": "clients", "contact": "contacts", "deal": "deals"}


@dataclass(frozen=True)
class RecordRef:
    record_type: str
    id: int
    name: str
    url: str  # empty when the reader may not open the record (or it is gone)
    hidden: bool = False  # out of the reader's scope: named by kind and number only

    @property
    def type_label(self) -> str:
        return labels.record_type(self.record_type)

    def __str__(self) -> str:
        return self.name


def detail_url(record_type: str, pk: int) -> str:
    try:
        return reverse(f"{NAMESPACES[record_type]}:detail", args=[pk])
    except (KeyError, NoReverseMatch):
        return ""


def record_refs(
    actor: Any, pairs: Iterable[tuple[str, int]], *, deleted_too: bool = False
) -> dict[tuple[str, int], RecordRef]:
    """(record type, id) -> RecordRef for every pair, in one query per record type.

    `deleted_too` names deleted and merged-away records as well (the timeline tells what a
    merge took in), without a link: their pages are gone.
    """
    wanted: dict[str, set[int]] = {}
    for record_type, pk in pairs:
        if is_record_type(record_type) and pk is not None:
            wanted.setdefault(record_type, set()).add(int(pk))
    refs: dict[tuple[str, int], RecordRef] = {}
    for record_type, ids in wanted.items():
        model = model_for(record_type)
        rows = model.objects.all() if deleted_too else model.objects.alive()
        for obj in access.restrict(rows, actor, record_type, "view").filter(pk__in=ids):
            url = "" if obj.deleted_at else detail_url(record_type, obj.pk)
            refs[(record_type, obj.pk)] = RecordRef(record_type, obj.pk, obj.display_name, url)
        for missing in sorted(ids - {obj_id for t, obj_id in refs if t == record_type}):
            refs[(record_type, missing)] = RecordRef(
                record_type, missing, unnamed(record_type, missing), "", hidden=True
            )
    return refs


def unnamed(record_type: str, pk: int) -> str:
    """A record the reader may not see: its kind and number ("client #31")."""
    return f"{labels.record_type(record_type)} #{pk}"
