"""Counting failed logins and API requests in the shared cache (every server process, every
app node).

Counters are fixed windows, counted by `core.counters`: atomic in Redis (CACHE_URL), so a
limit holds exactly across the cluster; in the database cache (the default) a counter is read
and written in two statements, so concurrent requests can overshoot a limit by a few there.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from leadbridge.core import counters


def _key(*parts: object) -> str:
    digest = hashlib.sha256("\0".join(str(p) for p in parts).encode()).hexdigest()[:40]
    return f"lb:{parts[0]}:{digest}"


def client_address(request: HttpRequest, *, trust_forwarded: bool) -> str | None:
    """The client's address, for rate limits and the audit log (the one place that reads it).

    Behind trusted proxies (`trust_forwarded`) it is the hop the outermost trusted proxy
    added to X-Forwarded-For: each proxy appends the address it was connected from, so with
    WEBFORM_TRUSTED_PROXY_COUNT proxies that is the N-th entry from the right. Entries left
    of it are whatever the client sent and never count.
    """
    if trust_forwarded:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if hops:
            proxies = max(1, int(getattr(settings, "WEBFORM_TRUSTED_PROXY_COUNT", 1) or 1))
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR") or None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for logins and the API; behind the TLS proxy, its hop."""
    return client_address(
        request, trust_forwarded=bool(getattr(settings, "SECURE_PROXY_SSL_HEADER", None))
    )


# Failed logins -------------------------------------------------------------------------


def _window() -> int:
    return settings.LOGIN_LOCKOUT_MINUTES * 60


def _window_start(key: str) -> float | None:
    start = cache.get(f"{key}:start")
    return None if start is None else float(start)


def _failures(key: str) -> tuple[int, float]:
    """Failures in the key's current window and when the window ends (0, 0: none)."""
    start = _window_start(key)
    if start is None:
        return 0, 0.0
    return int(cache.get(f"{key}:{int(start)}") or 0), start + _window()


def login_wait(username: str, ip: str | None) -> int:
    """Seconds until the account or the address may try again (0: now)."""
    now = time.time()
    waits = []
    for key, limit in (
        (_key("login-account", username.strip().lower()), settings.LOGIN_FAILURES_PER_ACCOUNT),
        (_key("login-ip", ip or "-"), settings.LOGIN_FAILURES_PER_IP),
    ):
        count, until = _failures(key)
        if count >= limit and until > now:
            waits.append(math.ceil(until - now))
    return max(waits, default=0)


def login_failed(username: str, ip: str | None) -> None:
    """Count a failure: the first one opens a window (stored once, whichever node is first)
    and each one adds to that window's counter, both without reading first."""
    now = time.time()
    window = _window()
    for key in (_key("login-account", username.strip().lower()), _key("login-ip", ip or "-")):
        start = float(counters.first(f"{key}:start", int(now), window))
        left = start + window - now
        if left <= 0:  # the stored start outlived its window by a moment
            continue
        counters.count(f"{key}:{int(start)}", math.ceil(left) + 1)


def login_succeeded(username: str) -> None:
    key = _key("login-account", username.strip().lower())
    start = _window_start(key)
    cache.delete_many([f"{key}:start"] + ([f"{key}:{int(start)}"] if start is not None else []))


# API rate limit ------------------------------------------------------------------------

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "600/m" -> (600, 60)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[(period or "m")[0].lower()]


def hit(ident: str, limit: int, period: int) -> tuple[int, int]:
    """Count one request in the current window: (count so far, seconds to wait or 0)."""
    now = time.time()
    window = int(now // period)
    key = _key("api", ident, window)
    if counters.uses_database():
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # A counter need not survive a crash: its commit does not wait for the WAL
                # flush (a write on every API request otherwise costs a disk sync).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            count = counters.count(key, period + 1)
    else:
        count = counters.count(key, period + 1)
    if count <= limit:
        return count, 0
    return count, max(1, math.ceil((window + 1) * period - now))


class ApiRateThrottle(BaseThrottle):
    """Per API token (or per user for the browser session): API_RATE_LIMIT, e.g. 600/m.

    ninja answers 429 with Retry-After; the API's error handler gives it the usual body.
    """

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: HttpRequest) -> bool:
        rate = settings.API_RATE_LIMIT
        if not rate or rate.strip() in {"0", "off"}:
            return True
        limit, period = parse_rate(rate)
        token_id = getattr(request, "api_token_id", None)
        user = getattr(request, "auth", None) or getattr(request, "user", None)
        if token_id is not None:
            ident = f"token:{token_id}"
        elif user is not None and getattr(user, "pk", None):
            ident = f"user:{user.pk}"
        else:
            ident = f"ip:{client_ip(request)}"
        count, wait = hit(ident, limit, period)
        if not wait:
            return True
        self._wait = wait
        from leadbridge.ops.metrics import API_THROTTLED

        API_THROTTLED.inc()
        if count == limit + 1:  # the first refusal of a window is audited, not every one
            from .services import audit

            audit(
                "api_throttled",
                user=user if getattr(user, "pk", None) else None,
                ip=client_ip(request),
                token_id=token_id,
            )
        return False

    def wait(self) -> float | None:
        return self._wait
