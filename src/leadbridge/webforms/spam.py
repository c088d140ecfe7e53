"""Spam protection for the public endpoint: fill-time tokens and rate limits.

Rate limits count in a store every server process shares, never process memory (each
worker would allow the full rate). The default store is the database: one atomic upsert per
counter (`INSERT … ON CONFLICT DO UPDATE … RETURNING`, PostgreSQL and SQLite alike), so the
count is exact under concurrency and costs one statement. `WEBFORM_RATE_STORE = "cache"`
counts in Django's cache instead (Redis: atomic `incr`); Django's database cache is not used
for counting because its add/incr take six statements each (with a `COUNT(*)` of the table
for culling) and its increment is a read then a write, which loses hits under concurrency.
"""

from __future__ import annotations

import hashlib
import random
import time

from django.conf import settings
from django.core import signing
from django.db import connection

from leadbridge.core import counters
from leadbridge.security.throttle import client_address

from .models import RateCounter

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


UPSERT = """
INSERT INTO webforms_ratecounter (key, window_start, hits) VALUES {rows}
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN webforms_ratecounter.window_start = excluded.window_start
                THEN webforms_ratecounter.hits + 1 ELSE 1 END,
    window_start = excluded.window_start
RETURNING key, hits
"""


def _hits_database(keys: list[str], window: int) -> dict[str, int]:
    """Count one hit on each key in one statement; answers each key's count."""
    start = int(time.time()) // window * window
    params: list = []
    for key in keys:
        params += [key[:100], start]
    with connection.cursor() as cursor:
        cursor.execute(UPSERT.format(rows=", ".join(["(%s, %s, 1)"] * len(keys))), params)
        hits = {key: int(n) for key, n in cursor.fetchall()}
    if random.random() < 0.001:
        # Now and then forget keys idle for a day (addresses seen once).

        RateCounter.objects.filter(window_start__lt=start - 86400).delete()
    return hits


def _hit_cache(key: str, window: int) -> int:

    return counters.count(f"lb:rl:{key}:{int(time.time()) // window}", window * 2)


def _hits(keys: list[str], window: int) -> dict[str, int]:
    if getattr(settings, "WEBFORM_RATE_STORE", "database") == "cache":
        return {key: _hit_cache(key, window) for key in keys}
    return _hits_database(keys, window)


def client_ip(request) -> str:
    # Behind a proxy the operator sets WEBFORM_TRUST_X_FORWARDED_FOR; otherwise the header
    # is the client's to forge. Which hop counts is decided where the login throttle's is.

    trusted = bool(getattr(settings, "WEBFORM_TRUST_X_FORWARDED_FOR", False))
    return client_address(request, trust_forwarded=trusted) or ""


def rate_limited(form_key: str, ip: str) -> int | None:
    """Seconds to wait when the per-IP or per-form limit is used up, else None."""
    window = 60
    ip_hash = hashlib.sha256(ip.encode()).hexdigest()[:16]  # no client addresses stored
    per_ip = int(getattr(settings, "WEBFORM_RATE_PER_IP", 10))
    per_form = int(getattr(settings, "WEBFORM_RATE_PER_FORM", 120))
    ip_key, form_key_ = f"ip:{form_key}:{ip_hash}", f"form:{form_key}"
    hits = _hits([ip_key, form_key_], window)
    if hits[ip_key] > per_ip or hits[form_key_] > per_form:
        return window - int(time.time()) % window
    return None
