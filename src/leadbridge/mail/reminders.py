"""Reminders notify their owner when they fall due: in the app and by e-mail.

A reminder's task is enqueued with `run_after` = its due time when it is created or moved,
inside the same transaction. A task that finds the reminder moved later, done or deleted
does nothing (the move enqueued its own); the notification's unique key makes a reminder
notify once per due time however many tasks ran.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from leadbridge.activities.models import Activity
from leadbridge.core.errors import DomainError
from leadbridge.core.events import Event
from leadbridge.people.services import system_actor

from .models import Notification
from .services import email_send

EARLY = timedelta(seconds=60)  # a worker may pick a task up slightly before its time


# A change to one of these may move, cancel or give a reminder to another owner.
SCHEDULING_FIELDS = frozenset({"due_at", "owner_id", "done", "type"})


def on_activity_event(event: Event) -> None:
    """Subscribed to `activity.created` and `activity.updated` (mail/apps.py): the task of a
    reminder is enqueued in the transaction that makes or moves it."""
    if event.name == "activity.created" or SCHEDULING_FIELDS & set(event.extra["changed"]):
        schedule_reminder(event.obj)


def schedule_reminder(activity: Any) -> None:
    if activity.type != "reminder" or activity.done or not activity.owner_id:
        return
    activity.refresh_from_db(fields=["due_at"])  # as stored (the API may pass a string)
    if activity.due_at is None:
        return
    send_reminder.using(run_after=activity.due_at).enqueue(activity.pk)


@task()
def send_reminder(activity_id: int) -> None:
    activity = (
        Activity.objects.select_related("owner")
        .filter(pk=activity_id, deleted_at__isnull=True, type="reminder", done=False)
        .first()
    )
    if activity is None or activity.owner is None or activity.due_at is None:
        return
    if activity.due_at > timezone.now() + EARLY:
        return
    link = activity.links.order_by("id").first()
    # In the owner's language: the notice and the e-mail are read by them, not by whoever
    # set the reminder up.
    with translation.override(activity.owner.language or settings.LANGUAGE_CODE):
        subject = activity.subject or activity.get_type_display()
        text = (_("Reminder: %(subject)s") % {"subject": subject})[:500]
    try:
        with transaction.atomic():
            Notification.objects.create(
                user=activity.owner,
                activity=activity,
                due_at=activity.due_at,
                text=text,
                record_type=link.record_type if link else "",
                record_id=link.record_id if link else None,
            )
            if activity.owner.email and link is not None:
                try:
                    email_send(
                        actor=system_actor("reminders"),
                        record_type=link.record_type,
                        record_id=link.record_id,
                        to=activity.owner.email,
                        subject=text[:255],
                        body=activity.body or text,
                    )
                except DomainError:
                    pass  # an owner address that is not valid: the in-app notice stays
    except IntegrityError:
        return  # notified already for this due time


# A due reminder is looked for again this long after its time, and for this long.
SWEEP_AFTER = timedelta(minutes=2)
SWEEP_WINDOW = timedelta(days=1)


def reminders_sweep(*, now: Any = None) -> int:
    """Enqueue `send_reminder` for each reminder that fell due (a little while ago, within
    the last day) and notified nobody: its task was lost (a crash between the commit and the
    push to RQ, a Redis that lost its data). Sending is idempotent, so a task that was merely
    late does no harm. Answers how many were enqueued."""
    now = now or timezone.now()
    notified = Notification.objects.filter(
        activity=OuterRef("pk"), user=OuterRef("owner"), due_at=OuterRef("due_at")
    )
    due = Activity.objects.filter(
        type="reminder",
        done=False,
        deleted_at__isnull=True,
        owner__isnull=False,
        due_at__lte=now - SWEEP_AFTER,
        due_at__gte=now - SWEEP_WINDOW,
    ).exclude(Exists(notified))
    ids = list(due.values_list("pk", flat=True)[:10_000])
    for pk in ids:
        send_reminder.enqueue(pk)
    return len(ids)


@task()
def reminders_sweep_task() -> int:
    """The reminders sweep as a periodic task (ops/periodic.py)."""
    return reminders_sweep()
