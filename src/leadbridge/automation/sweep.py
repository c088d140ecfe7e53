"""Re-enqueue outgoing work whose task was lost.

A task that crashed (an unexpected error) or whose worker was killed mid-task (left
RUNNING) leaves its webhook delivery or e-mail pending with nothing queued to send it. The
sweep finds pending items with no live task and enqueues one: run it from cron
(`leadbridge manage outbound_sweep`). A live task is one READY, or RUNNING for less than
`stale`; retries and manual redelivery are not disturbed. Sending twice is harmless: each
task checks the row first, and receivers deduplicate by `Leadbridge-Delivery`.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from leadbridge.mail.models import OutgoingEmail
from leadbridge.mail.services import send_email

from .models import WebhookDelivery
from .webhooks import deliver_webhook


def _live_ids(task_path: str, stale: timedelta) -> set[str]:
    cutoff = timezone.now() - stale
    rows = DBTaskResult.objects.filter(task_path=task_path).filter(
        Q(status=TaskResultStatus.READY)
        | Q(status=TaskResultStatus.RUNNING, started_at__gte=cutoff)
    )
    return {str(args["args"][0]) for args in rows.values_list("args_kwargs", flat=True)}


def outbound_sweep(*, stale: timedelta = timedelta(hours=1)) -> dict:

    done = {"webhooks": 0, "emails": 0}
    live = _live_ids(deliver_webhook.module_path, stale)
    for pk in WebhookDelivery.objects.filter(status="pending").values_list("pk", flat=True):
        if str(pk) not in live:
            deliver_webhook.enqueue(str(pk))
            done["webhooks"] += 1
    live = _live_ids(send_email.module_path, stale)
    for pk in OutgoingEmail.objects.filter(status="queued").values_list("pk", flat=True):
        if str(pk) not in live:
            send_email.enqueue(str(pk))
            done["emails"] += 1
    return done
