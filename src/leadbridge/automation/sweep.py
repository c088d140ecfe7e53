"""Re-enqueue outgoing work whose task was lost.

A task that crashed (an unexpected error) or whose worker was killed mid-task (left
RUNNING) leaves its webhook delivery or e-mail pending with nothing queued to send it. On RQ
(TASKS_URL) a task is pushed when its transaction commits, so a crash between the commit and
the push leaves the same: a pending row and no task. The sweep finds pending items with no
live task and enqueues one. On the database queue run it from cron (`leadbridge manage
outbound_sweep`); with RQ the workers run it every two minutes (ops/periodic.py). A live task
is one queued or scheduled, or running (on the database queue: for less than `stale`; RQ
finds an abandoned job itself); retries and manual redelivery are not disturbed. Sending twice
is harmless: each task checks the row first, and receivers deduplicate by
`Leadbridge-Delivery`, the same id on every attempt.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from leadbridge.ops.tasks import live_first_args

from .models import WebhookDelivery
from .webhooks import deliver_webhook

# On RQ a row younger than this may still have its push waiting on its transaction's commit
# (on the database queue the task commits with the row).
GRACE = timedelta(seconds=30)


def outbound_sweep(*, stale: timedelta = timedelta(hours=1)) -> dict:
    from leadbridge.mail.models import OutgoingEmail
    from leadbridge.mail.services import send_email
    from leadbridge.ops import rq

    done = {"webhooks": 0, "emails": 0}
    settled = timezone.now() - (GRACE if rq.is_rq() else timedelta(0))
    live = live_first_args(deliver_webhook.module_path, stale)
    pending = WebhookDelivery.objects.filter(status="pending", created_at__lte=settled)
    for pk in pending.values_list("pk", flat=True):
        if str(pk) not in live:
            deliver_webhook.enqueue(str(pk))
            done["webhooks"] += 1
    live = live_first_args(send_email.module_path, stale)
    queued = OutgoingEmail.objects.filter(status="queued", created_at__lte=settled)
    for pk in queued.values_list("pk", flat=True):
        if str(pk) not in live:
            send_email.enqueue(str(pk))
            done["emails"] += 1
    return done


@task()
def outbound_sweep_task() -> dict:
    """The sweep as a periodic task (ops/periodic.py)."""
    return outbound_sweep()
