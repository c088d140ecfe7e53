"""Webhook deliveries as a personal-data place: each body is the record as it was sent."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy

from leadbridge.privacy.places import Scrubber, Subject, records_q, register

from .models import WebhookAttempt, WebhookDelivery


def _deliveries(subject: Subject):
    return WebhookDelivery.objects.filter(records_q(subject.all_pairs()))


def export(subject: Subject) -> list[dict]:
    return [
        {"delivery": str(d.pk), "event": d.event, "created_at": d.created_at.isoformat(),
         "body": d.body}
        for d in _deliveries(subject)
    ]  # fmt: skip


def erase(subject: Subject, scrub: Scrubber) -> int:
    changed = 0
    for delivery in _deliveries(subject):
        try:  # scrubbed as data: the JSON text escapes accented letters
            body = json.dumps(scrub.value(json.loads(delivery.body)), separators=(",", ":"))
        except ValueError:
            body = scrub.text(delivery.body)
        if body != delivery.body:
            delivery.body = body
            delivery.save(update_fields=["body"])
            changed += 1
    for attempt in WebhookAttempt.objects.all().iterator():  # receivers may echo the body
        if scrub.found(attempt.response_excerpt) or scrub.found(attempt.error):
            attempt.response_excerpt = scrub.text(attempt.response_excerpt)
            attempt.error = scrub.text(attempt.error)
            attempt.save(update_fields=["response_excerpt", "error"])
            changed += 1
    return changed


def register_place() -> None:
    register(
        "webhook_deliveries",
        description=gettext_lazy(
            "Bodies of webhook deliveries (the record as sent) and the delivery log"
        ),
        export=export,
        erase=erase,
    )
