"""Retention as a periodic task: with RQ the workers run it daily (ops/periodic.py); on the
database queue the operator's cron runs `leadbridge retention --apply`."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task


@task()
def retention_task() -> int:
    """Anonymize the leads past RETENTION_MONTHS (nothing while it is 0); how many."""
    from .services import retention_apply

    months = int(getattr(settings, "RETENTION_MONTHS", 0) or 0)
    if months <= 0:
        return 0
    return len(retention_apply(months=months, dry_run=False))
