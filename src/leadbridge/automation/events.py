"""Record events: the one call every service makes inside its transaction when a record is
created, changed, moves status, is converted, merged or deleted.

`emit` fans an event out to what reacts to it, all in the caller's transaction so that it
happens exactly when the change commits:
- webhook deliveries (a row with the body, plus a task carrying only the row's id);
- task templates of the lead's new status (lead.created, lead.status_changed).

Other write paths (the bulk import) call `emit` for each record they make; an import that
must not run automations passes `automations=False`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from leadbridge.core import confcache

from .models import EVENTS, WebhookDelivery, WebhookSubscription

STATUS_EVENTS = ("lead.created", "lead.status_changed")
# How other apps' objects are shown in a payload (documents: `register_payload` from their
# `apps.ready`); the main records use the API's own serializer.
PAYLOADS: dict[str, Callable[[Any], dict]] = {}


def register_payload(record_type: str, serializer: Callable[[Any], dict]) -> None:
    PAYLOADS[record_type] = serializer


def payload(event: str, record_type: str, obj: Any, delivery_id: uuid.UUID, extra: dict) -> str:
    from leadbridge.api.records import serialize  # the record exactly as the API shows it

    if record_type in PAYLOADS:
        data = PAYLOADS[record_type](obj) | extra
    else:
        data = serialize(record_type, obj) | extra
    body = {
        "id": str(delivery_id),
        "event": event,
        "occurred_at": timezone.now().isoformat(),
        "data": data,
    }
    return json.dumps(body, default=str, separators=(",", ":"))


def emit(
    event: str,
    record_type: str,
    obj: Any,
    *,
    actor: Any = None,
    extra: dict | None = None,
    automations: bool = True,
) -> None:
    assert event in EVENTS, event
    # No savepoint of its own (two round trips per event): a failure here fails the change.
    assert transaction.get_connection().in_atomic_block, "emit runs in the change's transaction"
    with transaction.atomic(savepoint=False):
        _webhooks(event, record_type, obj, extra or {})
        if automations and event in STATUS_EVENTS:
            from .services import apply_status_templates

            apply_status_templates(actor=actor, lead=obj)


def _subscriptions(event: str) -> list[WebhookSubscription]:
    active = confcache.cached(
        "webhook_subscriptions", lambda: tuple(WebhookSubscription.objects.filter(active=True))
    )
    return [s for s in active if event in (s.events or [])]


def subscribed(event: str) -> bool:
    """Whether emitting `event` would set anything off beyond the task templates: a bulk
    path (an import's undo) loads its records for `emit` only when it would."""
    return bool(_subscriptions(event))


def _webhooks(event: str, record_type: str, obj: Any, extra: dict) -> None:
    from .webhooks import deliver_webhook

    subscriptions = _subscriptions(event)
    for sub in subscriptions:
        delivery_id = uuid.uuid4()
        WebhookDelivery.objects.create(
            id=delivery_id,
            subscription=sub,
            event=event,
            record_type=record_type,
            record_id=obj.pk,
            body=payload(event, record_type, obj, delivery_id, extra),
        )
        deliver_webhook.enqueue(str(delivery_id))
