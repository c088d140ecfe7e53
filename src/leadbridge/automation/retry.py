"""Retries with exponential backoff for tasks that talk to the outside (e-mail, webhooks).

The database task backend has no retries of its own, so each outgoing item keeps its attempt
count in its own row and a failed attempt enqueues the same task again with `run_after`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def max_attempts() -> int:
    return int(getattr(settings, "OUTBOUND_MAX_ATTEMPTS", 6))


def backoff(attempt: int) -> timedelta:
    """Wait before attempt number `attempt + 1`: base, 2×base, 4×base, … capped at an hour."""
    base = float(getattr(settings, "OUTBOUND_RETRY_BASE_SECONDS", 30))
    return timedelta(seconds=min(base * 2 ** max(attempt - 1, 0), 3600))


def retry_later(task, item_id: str, attempt: int) -> datetime | None:
    """Enqueue `task(item_id)` again after the backoff; None when attempts are used up."""
    if attempt >= max_attempts():
        return None
    when = timezone.now() + backoff(attempt)
    task.using(run_after=when).enqueue(item_id)
    return when
