"""A record's next activity, stored on the record (leads: `next_activity_*`).

The list and the board show each lead's next activity; reading it per row would cost a
query per row (or a grouped subquery over every activity at 100,000 leads), so the date,
id and subject are kept on the lead and refreshed here, from the one activity write path
(`services`: create, update, complete, delete, link) and from whatever moves links
(merge and its undo, privacy erasure).

The next activity is the open one due first: not done, not deleted, not a note, with a due
date. An activity without a due date is not scheduled, so it does not count (a lead with
only undated tasks is shown as having nothing scheduled, as Pipedrive does).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from leadbridge.core.registry import is_record_type, model_for

from .models import Activity

FIELDS = ("next_activity_id", "next_activity_at", "next_activity_subject")


def open_scheduled() -> Q:
    """The activities that can be a record's next one."""
    return Q(deleted_at__isnull=True, done=False, due_at__isnull=False) & ~Q(
        type=Activity.Type.NOTE
    )


def _tracks(record_type: str) -> bool:
    return is_record_type(record_type) and hasattr(model_for(record_type), "next_activity_at")


def next_activity_of(record_type: str, ref: OuterRef | int) -> QuerySet:
    """The record's open activities, the next one first (`ref`: its id or an OuterRef)."""
    return (
        Activity.objects.filter(
            open_scheduled(), links__record_type=record_type, links__record_id=ref
        )
        .order_by("due_at", "id")
        .values("pk", "due_at", "subject")
    )


def refresh_next_activity(pairs: Iterable[tuple[str, int]]) -> None:
    """Recompute the stored next activity of each (record_type, id) that keeps one: one
    UPDATE per record type, whatever the number of records."""
    by_type: dict[str, set[int]] = {}
    for record_type, record_id in pairs:
        if _tracks(record_type):
            by_type.setdefault(record_type, set()).add(int(record_id))
    for record_type, ids in by_type.items():
        first = next_activity_of(record_type, OuterRef("pk"))[:1]
        model_for(record_type).objects.filter(pk__in=ids).update(
            next_activity_id=Subquery(first.values("pk")),
            next_activity_at=Subquery(first.values("due_at")),
            next_activity_subject=Coalesce(Subquery(first.values("subject")), Value("")),
        )


def refresh_for_activity(activity: Activity) -> None:
    """After a change of one activity: every record it is linked to."""
    refresh_next_activity(activity.links.values_list("record_type", "record_id"))
