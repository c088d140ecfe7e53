"""Reading activities and attachments with the access of the records they are linked to."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from leadbridge.core.errors import NotFound
from leadbridge.core.registry import model_for
from leadbridge.core.specs import RECORD_TYPES
from leadbridge.people import access

from .models import Activity, ActivityLink, Attachment, AttachmentLink
from .services import record_for


def _reachable(link_model, parent_field: str, actor: Any) -> Q:
    """Objects linked to at least one live record the actor may view."""
    q = Q(pk__in=[])
    for record_type in RECORD_TYPES:
        scope = access.scope_q(actor, record_type, "view")
        if scope is None:
            continue
        visible = model_for(record_type).objects.alive().filter(scope).values("pk")
        q |= Q(
            Exists(
                link_model.objects.filter(
                    **{parent_field: OuterRef("pk")},
                    record_type=record_type,
                    record_id__in=visible,
                )
            )
        )
    return q


def activity_list(
    *,
    actor: Any,
    record_type: str | None = None,
    record_id: int | None = None,
    filters: dict | None = None,
) -> QuerySet:
    qs = Activity.objects.filter(deleted_at__isnull=True).select_related("owner")
    if record_type is not None:
        record = record_for(actor, record_type, record_id, "view")
        qs = qs.filter(links__record_type=record_type, links__record_id=record.pk)
    elif not access.is_admin(actor):
        qs = qs.filter(_reachable(ActivityLink, "activity", actor) | Q(owner_id=actor.pk))
    filters = filters or {}
    if filters.get("type"):
        qs = qs.filter(type=filters["type"])
    if filters.get("owner_id") is not None:
        qs = qs.filter(owner_id=filters["owner_id"])
    if filters.get("done") is not None:
        qs = qs.filter(done=filters["done"])
    if filters.get("due_before") is not None:
        qs = qs.filter(due_at__lt=filters["due_before"])
    if filters.get("due_after") is not None:
        qs = qs.filter(due_at__gte=filters["due_after"])
    return qs.prefetch_related("links").order_by("-created_at", "-id")


def activity_get(*, actor: Any, activity_id: int) -> Activity:
    qs = Activity.objects.filter(pk=activity_id, deleted_at__isnull=True)
    if not access.is_admin(actor):
        qs = qs.filter(_reachable(ActivityLink, "activity", actor) | Q(owner_id=actor.pk))
    activity = qs.prefetch_related("links").first()
    if activity is None:
        raise NotFound(_("No activity with id %(activity_id)s.") % {"activity_id": activity_id})
    return activity


def attachment_list(*, actor: Any, record_type: str, record_id: int) -> QuerySet:

    record = record_for(actor, record_type, record_id, "view")
    return (
        Attachment.objects.filter(
            deleted_at__isnull=True, links__record_type=record_type, links__record_id=record.pk
        )
        .prefetch_related("links")
        .order_by("-created_at", "-id")
    )


def attachment_get(*, actor: Any, attachment_id: int) -> Attachment:
    qs = Attachment.objects.filter(pk=attachment_id, deleted_at__isnull=True)
    if not access.is_admin(actor):
        qs = qs.filter(_reachable(AttachmentLink, "attachment", actor))
    attachment = qs.prefetch_related("links").first()
    if attachment is None:
        raise NotFound(
            _("No attachment with id %(attachment_id)s.") % {"attachment_id": attachment_id}
        )
    return attachment


def activity_titles(ids: Collection[int]) -> dict[int, tuple[str, str]]:
    """{id: (type, subject)} of activities, deleted ones too: what a timeline shows of the
    activities its events refer to (registered with history in `apps.ready`)."""
    rows = Activity.objects.filter(pk__in=ids).values_list("pk", "type", "subject")
    return {pk: (kind, subject) for pk, kind, subject in rows}
