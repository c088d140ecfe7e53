"""Spam protection for the public endpoint: fill-time tokens and rate limits.

Rate limits count in Django's cache, which the settings point at the database cache (or
Redis), so every server process shares the counters; process memory would let each worker
allow the full rate. The counter is a fixed window; the database cache's increment is a read
and a write, so two requests at the same instant may count once: a limit can be exceeded by
the number of concurrent requests, never by more.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache

TOKEN_MAX_AGE = 24 * 3600


def _signer(form_key: str) -> signing.Signer:
    return signing.Signer(salt=f"leadbridge.webform:{form_key}")


def issue_token(form_key: str) -> str:
    """A signed time stamp the form sends back: posted sooner than the form's minimum fill
    time after it was issued means a robot filled it."""
    return _signer(form_key).sign(str(int(time.time())))


def token_age(form_key: str, token: str) -> float | None:
    """Seconds since the token was issued; None if it is forged, malformed or too old."""
    try:
        issued = int(_signer(form_key).unsign(token))
    except (signing.BadSignature, ValueError, TypeError):
        return None
    age = time.time() - issued
    return age if -5 <= age <= TOKEN_MAX_AGE else None


def _hit(key: str, window: int) -> int:
    bucket = f"lb:rl:{key}:{int(time.time()) // window}"
    if cache.add(bucket, 1, timeout=window * 2):
        return 1
    try:
        return cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window * 2)
        return 1


def client_ip(request) -> str:
    # Behind a proxy the operator sets WEBFORM_TRUST_X_FORWARDED_FOR; otherwise the header
    # is the client's to forge.
    if getattr(settings, "WEBFORM_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def rate_limited(form_key: str, ip: str) -> int | None:
    """Seconds to wait when the per-IP or per-form limit is used up, else None."""
    window = 60
    ip_hash = hashlib.sha256(ip.encode()).hexdigest()[:16]  # no addresses in the cache
    per_ip = int(getattr(settings, "WEBFORM_RATE_PER_IP", 10))
    per_form = int(getattr(settings, "WEBFORM_RATE_PER_FORM", 120))
    if _hit(f"ip:{form_key}:{ip_hash}", window) > per_ip:
        return window - int(time.time()) % window
    if _hit(f"form:{form_key}", window) > per_form:
        return window - int(time.time()) % window
    return None
