"""`Idempotency-Key`: a retried write returns the first answer without writing again.

The key row is inserted in the same transaction as the write and its answer, so a write that
fails leaves no key behind (the client may retry), and a concurrent duplicate waits on the
unique index until the first commits, then returns the stored answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from leadbridge.core.errors import Conflict, FieldIssue, ValidationFailed
from leadbridge.core.models import IdempotencyRecord

MAX_KEY = 255


def _hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.get_full_path().encode())
    digest.update(b"\0")
    digest.update(request.body or b"")
    return digest.hexdigest()


def _stored(record: IdempotencyRecord, request_hash: str) -> tuple[int, Any]:
    if record.request_hash != request_hash:
        raise ValidationFailed(
            _("This Idempotency-Key was used with a different request."),
            code="idempotency_key_reused",
        )
    return record.status_code or 200, record.response


def run_idempotent(
    request: HttpRequest,
    *,
    actor: Any,
    key: str | None,
    endpoint: str,
    write: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """Run `write` (returning status and JSON-ready body) at most once per key."""
    if not key:
        with transaction.atomic():
            return write()
    key = key.strip()
    message = None
    if not key or len(key) > MAX_KEY:
        message = "The Idempotency-Key header must have 1 to 255 characters."
    elif not key.isprintable():
        message = "The Idempotency-Key header must have printable characters only."
    if message:
        raise ValidationFailed(
            message, code="invalid", errors=[FieldIssue("Idempotency-Key", message)]
        )
    request_hash = _hash(request)
    now = timezone.now()
    existing = IdempotencyRecord.objects.filter(
        actor_id=actor.pk, key=key, endpoint=endpoint, expires_at__gt=now
    ).first()
    if existing is not None:
        return _stored(existing, request_hash)
    IdempotencyRecord.objects.filter(
        actor_id=actor.pk, key=key, endpoint=endpoint, expires_at__lte=now
    ).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                actor_id=actor.pk,
                key=key,
                endpoint=endpoint,
                request_hash=request_hash,
                expires_at=now + timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS),
            )
            status, body = write()
            record.status_code = status
            record.response = json.loads(json.dumps(body, default=str))
            record.save(update_fields=["status_code", "response"])
            return status, record.response
    except IntegrityError:
        # A concurrent request with the same key committed first.
        existing = IdempotencyRecord.objects.filter(
            actor_id=actor.pk, key=key, endpoint=endpoint
        ).first()
        if existing is None or existing.status_code is None:
            raise Conflict(
                _("A request with this Idempotency-Key is in progress."),
                code="idempotency_in_progress",
            ) from None
        return _stored(existing, request_hash)
