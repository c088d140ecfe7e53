"""What automation does when a record event is published (core/events.py), subscribed in
`AutomationConfig.ready()`, all inside the publishing transaction so that it happens exactly
when the change commits:

- webhook deliveries: for each active subscription to the event, a row with the body (the
  outbox) and a task carrying only the row's id; nothing leaves the process here;
- the task templates of the lead's new status (`lead.created`, `lead.status_changed`).

A write path that must not set these off (an import with `run_automations` off) does not
publish.
"""

from __future__ import annotations

import json
import uuid

from leadbridge.core import confcache
from leadbridge.core.events import EVENTS, Event, subscribe

from .models import WebhookDelivery, WebhookSubscription
from .services import apply_status_templates
from .webhooks import deliver_webhook

STATUS_EVENTS = ("lead.created", "lead.status_changed")


def _subscriptions(event: str) -> list[WebhookSubscription]:
    active = confcache.cached(
        "webhook_subscriptions", lambda: tuple(WebhookSubscription.objects.filter(active=True))
    )
    return [s for s in active if event in (s.events or [])]


def webhooks_listen(event: str) -> bool:
    return bool(_subscriptions(event))


def body(event: Event, delivery_id: uuid.UUID) -> str:
    """The delivery's body: the event's representation (shared by all its deliveries) under
    this delivery's id."""
    envelope = {
        "id": str(delivery_id),
        "event": event.name,
        "occurred_at": event.occurred_at.isoformat(),
        "data": event.data,
    }
    return json.dumps(envelope, default=str, separators=(",", ":"))


def deliver_to_webhooks(event: Event) -> None:
    for sub in _subscriptions(event.name):
        delivery_id = uuid.uuid4()
        WebhookDelivery.objects.create(
            id=delivery_id,
            subscription=sub,
            event=event.name,
            record_type=event.record_type,
            record_id=event.obj.pk,
            body=body(event, delivery_id),
        )
        deliver_webhook.enqueue(str(delivery_id))


def make_status_tasks(event: Event) -> None:
    apply_status_templates(actor=event.actor, lead=event.obj)


def register() -> None:
    subscribe("automation.webhooks", deliver_to_webhooks, events=EVENTS, active=webhooks_listen)
    subscribe("automation.task_templates", make_status_tasks, events=STATUS_EVENTS)
