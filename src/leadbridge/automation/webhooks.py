"""Webhook delivery (F26): sign, POST, log, retry with backoff; manual redelivery.

Signature: `Leadbridge-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with
the subscription's secret (docs/automation.md has a verification snippet). The time is part
of what is signed so a receiver can refuse old replays.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from leadbridge.core.errors import NotFound, field_error
from leadbridge.people import access

from .models import EVENTS, WebhookAttempt, WebhookDelivery, WebhookSubscription
from .retry import retry_later


def signature(secret: str, body: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def private_target(url: str) -> str | None:
    """Why `url` must not be called, or None. A webhook URL is chosen by an administrator
    but called by the server: without this check it could reach the server's own network
    (databases, cloud metadata). WEBHOOK_ALLOW_PRIVATE_NETWORKS=1 allows it (an intranet)."""
    if getattr(settings, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", False):
        return None
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as exc:
        return f"cannot resolve {host}: {exc}"
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            return f"{host} resolves to a private address ({address}); refused"
    return None


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, str]:
    """(status code or None, error, first bytes of the answer)."""
    sub = delivery.subscription
    refused = private_target(sub.url)
    if refused:
        return None, refused, ""
    request = urllib.request.Request(
        sub.url,
        data=delivery.body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Leadbridge-Webhooks/1",
            "Leadbridge-Event": delivery.event,
            "Leadbridge-Delivery": str(delivery.id),
            "Leadbridge-Signature": signature(sub.secret, delivery.body, int(time.time())),
        },
    )
    timeout = float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 10))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, "", response.read(500).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}", exc.read(500).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(getattr(exc, "reason", exc))[:500], ""


@task()
def deliver_webhook(delivery_id: str) -> None:
    """One attempt; a 2xx answer delivers, anything else retries later (or gives up)."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == WebhookDelivery.Status.DELIVERED:
        return
    started = time.monotonic()
    code, error, excerpt = _post(delivery)
    ok = code is not None and 200 <= code < 300
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            status_code=code,
            error="" if ok else error,
            duration_ms=int((time.monotonic() - started) * 1000),
            response_excerpt=excerpt[:500],
        )
        delivery.attempts += 1
        if ok:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        else:
            when = retry_later(deliver_webhook, str(delivery.pk), delivery.attempts)
            delivery.next_attempt_at = when
            delivery.status = (
                WebhookDelivery.Status.PENDING if when else WebhookDelivery.Status.FAILED
            )
        delivery.save(update_fields=["attempts", "status", "delivered_at", "next_attempt_at"])


def webhook_redeliver(*, actor: Any, delivery_id: Any) -> WebhookDelivery:
    """Send a delivery again now (same id and body), whatever its state."""
    access.require_admin(actor)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            raise NotFound(_("No delivery with id %(delivery_id)s.") % {"delivery_id": delivery_id})
        delivery.status = WebhookDelivery.Status.PENDING
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "next_attempt_at"])
        deliver_webhook.enqueue(str(delivery.pk))
    return delivery


def _clean(data: dict) -> dict:
    values: dict[str, Any] = {}
    if "url" in data:
        url = str(data.get("url") or "").strip()
        if not url.startswith(("http://", "https://")):
            raise field_error("url", _("Enter an http:// or https:// address."))
        values["url"] = url
    if "events" in data:
        events = list(data.get("events") or [])
        unknown = [e for e in events if e not in EVENTS]
        if unknown or not events:
            raise field_error("events", "Choose events from: " + ", ".join(EVENTS) + ".")
        values["events"] = events
    for name in ("secret", "description"):
        if data.get(name) is not None:
            values[name] = str(data[name])
    if data.get("active") is not None:
        values["active"] = bool(data["active"])
    return values


def webhook_save(
    *, actor: Any, data: dict, subscription: WebhookSubscription | None = None
) -> WebhookSubscription:
    access.require_admin(actor)
    values = _clean(data)
    if subscription is None:
        for name in ("url", "events"):
            if name not in values:
                raise field_error(name, _("This field is required."))
        subscription = WebhookSubscription()
    for name, value in values.items():
        setattr(subscription, name, value)
    with transaction.atomic():
        subscription.save()
    return subscription


def webhook_delete(*, actor: Any, subscription: WebhookSubscription) -> None:
    """Deleting a subscription drops its pending deliveries and their log with it."""
    access.require_admin(actor)
    with transaction.atomic():
        subscription.delete()
