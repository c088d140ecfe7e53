"""Activities and attachments: created on one record, linked to more without copies."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from leadbridge.core import labels
from leadbridge.core.cleaning import clean_value
from leadbridge.core.errors import Collector, Forbidden, NotFound, field_error
from leadbridge.core.events import publish
from leadbridge.core.record_services import Change, Saved, check_version
from leadbridge.core.registry import is_record_type, model_for
from leadbridge.core.specs import FieldSpec
from leadbridge.history.models import HistoryEvent
from leadbridge.history.services import history_event
from leadbridge.people import access
from leadbridge.people.models import User

from .models import Activity, ActivityLink, Attachment, AttachmentLink
from .next_activity import refresh_for_activity, refresh_next_activity

MAX_UPLOAD = 25 * 1024 * 1024
_SUBJECT = FieldSpec("subject", "text", max_length=255)
_BODY = FieldSpec("body", "longtext", max_length=100_000)


def record_for(actor: Any, record_type: str, record_id: Any, right: str) -> Any:
    """The live record an activity or file is attached to, with access checked."""
    if not isinstance(record_type, str) or not is_record_type(record_type):
        raise field_error("record_type", _("Must be one of: lead, client, contact, deal."))
    model = model_for(record_type)
    try:
        obj = model.objects.get(pk=int(record_id), deleted_at__isnull=True)
    except (model.DoesNotExist, TypeError, ValueError):
        raise NotFound(
            _("No %(record_type)s with id %(record_id)s.")
            % {"record_type": labels.record_type(record_type), "record_id": record_id}
        ) from None
    access.check(actor, record_type, right, obj)
    return obj


def _clean(data: dict, out: Collector, *, creating: bool) -> dict:
    values: dict[str, Any] = {}
    if "type" in data or creating:
        if data.get("type") not in Activity.Type.values:
            out.add(
                "type",
                _("Must be one of: %(choices)s.") % {"choices": ", ".join(Activity.Type.values)},
            )
        else:
            values["type"] = data["type"]
    for spec in (_SUBJECT, _BODY):
        if spec.name in data:
            cleaned = clean_value(spec, data[spec.name], region="", path=spec.name, out=out)
            values[spec.name] = cleaned or ""
    if "due_at" in data:
        values["due_at"] = data["due_at"]
    if "done" in data:
        values["done"] = bool(data["done"])
    if "owner_id" in data:
        owner_id = data["owner_id"]
        if owner_id is not None:
            if not User.objects.filter(pk=owner_id, is_active=True).exists():
                out.add("owner_id", _("No such user."))
        values["owner_id"] = owner_id
    unknown = set(data) - {"type", "subject", "body", "due_at", "done", "owner_id"}
    for key in sorted(unknown):
        out.add(key, _("Unknown field."))
    return values


def link_activity(*, actor: Any, activity: Activity, record_type: str, record_id: int) -> bool:
    """Link an existing activity to one more record (conversion, merge); True if new."""
    _link, created = ActivityLink.objects.get_or_create(
        activity=activity, record_type=record_type, record_id=record_id
    )
    if created:
        refresh_next_activity([(record_type, record_id)])
    return created


def activity_create(*, actor: Any, record_type: str, record_id: Any, data: dict) -> Saved:
    """A new activity on the record `record_type`/`record_id` (the actor may update it); the
    link arguments stay apart from `data`: they name the record, not a value of the activity."""
    record = record_for(actor, record_type, record_id, "update")
    out = Collector()
    values = _clean(data, out, creating=True)
    out.raise_if_any()
    if values.get("done"):
        values["done_at"] = timezone.now()
    values.setdefault("owner_id", actor.pk if not getattr(actor, "is_system", False) else None)
    with transaction.atomic():
        activity = Activity.objects.create(created_by=actor, **values)
        ActivityLink.objects.create(activity=activity, record_type=record_type, record_id=record.pk)
        history_event(
            actor=actor,
            record_type=record_type,
            record_id=record.pk,
            kind=HistoryEvent.Kind.ACTIVITY,
            data={
                "activity_id": activity.pk,
                "type": activity.type,
                "subject": activity.subject,
                "action": "created",
            },
        )
        if _is_open_scheduled(activity):
            refresh_next_activity([(record_type, record.pk)])
        # A reminder's notice is scheduled by mail (mail/apps.py), its task enqueued here.
        publish("activity.created", "activity", activity, actor=actor)
    return Saved(activity)


def _is_open_scheduled(activity: Activity) -> bool:
    """Could be a record's next activity (next_activity.open_scheduled, on one row)."""
    return bool(activity.due_at) and not activity.done and activity.type != Activity.Type.NOTE


def _linked_records(activity_links) -> list[tuple[str, int]]:
    return [(link.record_type, link.record_id) for link in activity_links]


def can_reach(actor: Any, pairs: list[tuple[str, int]], right: str) -> bool:
    """True if the actor has `right` on at least one live record of `pairs`."""
    for record_type, record_id in pairs:
        model = model_for(record_type)
        qs = access.restrict(model.objects.alive(), actor, record_type, right)
        if qs.filter(pk=record_id).exists():
            return True
    return False


def _lock_checked(*, actor: Any, pk: int, version: int | None) -> Activity:
    """The one lock and check of an activity write, as `core.record_services.lock_checked` is
    a record's: the live activity locked for the rest of the transaction, the actor's right
    to change it and the `version` the caller read (None: any). The right comes from the
    records it is linked to (an activity has no owner scope of its own), hence not
    `lock_checked` itself. An activity the actor may not see answers as a missing one."""
    try:
        activity = Activity.objects.select_for_update().get(pk=pk, deleted_at__isnull=True)
    except Activity.DoesNotExist:
        raise NotFound(_("No activity with id %(activity_id)s.") % {"activity_id": pk}) from None
    pairs = _linked_records(activity.links.all())
    if not can_reach(actor, pairs, "view"):
        raise NotFound(_("No activity with id %(activity_id)s.") % {"activity_id": pk})
    if not can_reach(actor, pairs, "update"):
        raise Forbidden(_("You may not change this activity."))
    check_version(activity, version)
    return activity


def activity_update(*, actor: Any, pk: int, data: dict, version: int | None = None) -> Saved:
    """Change the given fields; `changes` lists them (empty: nothing written, no new version).
    Everything refused (access, a stale version, a value) is refused before any write."""
    with transaction.atomic():
        activity = _lock_checked(actor=actor, pk=pk, version=version)
        out = Collector()
        values = _clean(data, out, creating=False)
        out.raise_if_any()
        changes: list[Change] = []
        for key, value in values.items():
            old = getattr(activity, key)
            if old != value:
                changes.append((key, old, value))
                setattr(activity, key, value)
        if changes:
            if "done" in values:
                activity.done_at = timezone.now() if activity.done else None
            activity.version += 1
            activity.save()
            for record_type, record_id in _linked_records(activity.links.all()):
                history_event(
                    actor=actor,
                    record_type=record_type,
                    record_id=record_id,
                    kind=HistoryEvent.Kind.ACTIVITY,
                    data={
                        "activity_id": activity.pk,
                        "action": "updated",
                        "changes": {k: [o, n] for k, o, n in changes},
                    },
                )
            changed = {k for k, _o, _n in changes}
            if {"due_at", "done", "type", "subject"} & changed:
                refresh_for_activity(activity)
            publish(
                "activity.updated",
                "activity",
                activity,
                actor=actor,
                extra={"changed": sorted(changed)},
            )
    return Saved(activity, changes=changes)


def activity_delete(*, actor: Any, pk: int, version: int | None = None) -> Saved:
    """Soft delete (the links and the history stay); a new version, as a record's delete."""
    with transaction.atomic():
        activity = _lock_checked(actor=actor, pk=pk, version=version)
        activity.deleted_at = timezone.now()
        activity.version += 1
        activity.save(update_fields=["deleted_at", "version", "updated_at"])
        for record_type, record_id in _linked_records(activity.links.all()):
            history_event(
                actor=actor,
                record_type=record_type,
                record_id=record_id,
                kind=HistoryEvent.Kind.ACTIVITY,
                data={"activity_id": activity.pk, "action": "deleted"},
            )
        refresh_for_activity(activity)
    return Saved(activity)


def attachment_create(*, actor: Any, record_type: str, record_id: Any, upload: Any) -> Attachment:
    record = record_for(actor, record_type, record_id, "update")
    if upload is None:
        raise field_error("file", _("Choose a file."))
    if upload.size > MAX_UPLOAD:
        raise field_error(
            "file",
            _("The file is larger than %(size)s MB.") % {"size": MAX_UPLOAD // (1024 * 1024)},
        )
    name = (upload.name or "file")[-255:]
    with transaction.atomic():
        attachment = Attachment(
            name=name,
            content_type=(upload.content_type or "")[:100],
            size=upload.size,
            uploaded_by=actor,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        AttachmentLink.objects.create(
            attachment=attachment, record_type=record_type, record_id=record.pk
        )
        history_event(
            actor=actor,
            record_type=record_type,
            record_id=record.pk,
            kind=HistoryEvent.Kind.ATTACHMENT,
            data={"attachment_id": attachment.pk, "name": name, "action": "added"},
        )
    return attachment


def link_attachment(
    *, actor: Any, attachment: Attachment, record_type: str, record_id: int
) -> bool:
    _link, created = AttachmentLink.objects.get_or_create(
        attachment=attachment, record_type=record_type, record_id=record_id
    )
    return created


def attachment_delete(*, actor: Any, attachment_id: int) -> None:
    with transaction.atomic():
        try:
            attachment = Attachment.objects.select_for_update().get(
                pk=attachment_id, deleted_at__isnull=True
            )
        except Attachment.DoesNotExist:
            raise NotFound(
                _("No attachment with id %(attachment_id)s.") % {"attachment_id": attachment_id}
            ) from None
        pairs = [(link.record_type, link.record_id) for link in attachment.links.all()]
        if not can_reach(actor, pairs, "view"):
            raise NotFound(
                _("No attachment with id %(attachment_id)s.") % {"attachment_id": attachment_id}
            )
        if not can_reach(actor, pairs, "update"):
            raise Forbidden(_("You may not remove this file."))
        attachment.deleted_at = timezone.now()
        attachment.save(update_fields=["deleted_at"])
        for record_type, record_id in pairs:
            history_event(
                actor=actor,
                record_type=record_type,
                record_id=record_id,
                kind=HistoryEvent.Kind.ATTACHMENT,
                data={"attachment_id": attachment.pk, "name": attachment.name, "action": "removed"},
            )
