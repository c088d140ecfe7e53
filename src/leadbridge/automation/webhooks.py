"""Webhook delivery (F26): sign, POST, log, retry with backoff; manual redelivery.

Signature: `Leadbridge-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with
the subscription's secret (docs/automation.md has a verification snippet). The time is part
of what is signed so a receiver can refuse old replays.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import time
import urllib.parse
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


class Refused(Exception):
    """A webhook target the server must not call (the reason is the message)."""


def _allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", False))


def _not_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def resolve_target(host: str, port: int) -> str:
    """The one address a delivery connects to: `host` resolved once, every answer checked.

    A webhook URL is chosen by an administrator but called by the server: without this it
    could reach the server's own network (databases, cloud metadata at 169.254.169.254).
    The connection then goes to this checked address, not to a second lookup of the name,
    so a DNS answer that changes in between (rebinding) cannot lead it inside.
    WEBHOOK_ALLOW_PRIVATE_NETWORKS=1 allows private targets (an intranet; the tests)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"cannot resolve {host}: {exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise Refused(f"cannot resolve {host}")
    if not _allow_private():
        for address in addresses:
            if _not_public(address):
                raise Refused(f"{host} resolves to a private address ({address}); refused")
    return addresses[0]


def private_target(url: str) -> str | None:
    """Why a subscription to `url` is refused when it is saved, or None. A name that does
    not resolve now is accepted: each delivery resolves and checks it again."""
    if _allow_private():
        return None
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        try:
            socket.getaddrinfo(host, None)
        except (OSError, UnicodeError):
            return None
    try:
        resolve_target(host, 80)
    except Refused as exc:
        return str(exc)
    return None


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to a checked address while the request names the original host."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """As `_PinnedHTTP`, with TLS: SNI and the certificate check use the original host."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, str]:
    """(status code or None, error, first bytes of the answer).

    Redirects are not followed (a 3xx is a failed attempt): a subscriber gives the final
    address, and a redirect must not lead the server somewhere it did not check."""
    sub = delivery.subscription
    parts = urllib.parse.urlsplit(sub.url)
    https = parts.scheme == "https"
    try:
        host, port = parts.hostname or "", parts.port or (443 if https else 80)
    except ValueError as exc:  # a port out of range
        return None, str(exc), ""
    timeout = float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 10))
    try:
        address = resolve_target(host, port)
    except Refused as exc:
        return None, str(exc), ""
    connection = (_PinnedHTTPS if https else _PinnedHTTP)(host, port, address, timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Leadbridge-Webhooks/1",
        "Leadbridge-Event": delivery.event,
        "Leadbridge-Delivery": str(delivery.id),
        "Leadbridge-Signature": signature(sub.secret, delivery.body, int(time.time())),
    }
    try:
        connection.request("POST", path, body=delivery.body.encode(), headers=headers)
        response = connection.getresponse()
        excerpt = response.read(500).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return None, str(exc)[:500] or exc.__class__.__name__, ""
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return response.status, "", excerpt
    error = f"HTTP {response.status}"
    if 300 <= response.status < 400:
        error += " (redirects are not followed)"
    return response.status, error, excerpt


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
        # Two workers may send one delivery at once (a sweep's task beside a retry, on
        # several nodes): the row as it is now decides, so a failure never undoes a delivery
        # and every attempt is counted.
        current = (
            WebhookDelivery.objects.select_for_update()
            .filter(pk=delivery.pk)
            .values_list("status", "attempts")
            .first()
        )
        if current is None:
            return
        delivery.attempts = current[1] + 1
        if current[0] == WebhookDelivery.Status.DELIVERED:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=delivery.attempts)
            return
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
        refused = private_target(url)
        if refused:
            raise field_error(
                "url",
                _("This address is in a private network, which webhooks may not call (%s).")
                % refused,
            )
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
