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
from django.db import connection, transaction
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
    answer: tuple[int, Any] | None = None,
) -> tuple[int, Any]:
    """Run `write` (returning status and JSON-ready body) at most once per key.

    `answer`: the status and body `write` will return, when they are known before it runs
    (the web form answers the same thank-you whatever happened); stored with the key at
    once, which saves the statement that stores it afterwards."""
    if not key:
        with transaction.atomic():
            return write()
    key = key.strip()
    message = None
    if not key or len(key) > MAX_KEY:
        message = _("The Idempotency-Key header must have 1 to 255 characters.")
    elif not key.isprintable():
        message = _("The Idempotency-Key header must have printable characters only.")
    if message:
        raise ValidationFailed(
            message, code="invalid", errors=[FieldIssue("Idempotency-Key", message)]
        )
    request_hash = _hash(request)
    now = timezone.now()
    known = None if answer is None else (answer[0], json.loads(json.dumps(answer[1], default=str)))
    with transaction.atomic():
        record_id = _claim(actor.pk, key, endpoint, request_hash, now, known)
        if record_id is None:
            # Taken: a finished request (or one that finished while this one waited on the
            # unique index) answers again; nothing is written.
            existing = IdempotencyRecord.objects.filter(
                actor_id=actor.pk, key=key, endpoint=endpoint
            ).first()
            if existing is None or existing.status_code is None:
                raise Conflict(
                    _("A request with this Idempotency-Key is in progress."),
                    code="idempotency_in_progress",
                )
            return _stored(existing, request_hash)
        status, body = write()
        response = json.loads(json.dumps(body, default=str))
        if known is not None:
            assert (status, response) == known, "write() did not give the announced answer"
            return known
        IdempotencyRecord.objects.filter(pk=record_id).update(status_code=status, response=response)
        return status, response


def _claim(
    actor_id: int,
    key: str,
    endpoint: str,
    request_hash: str,
    now: Any,
    answer: tuple[int, Any] | None = None,
) -> int | None:
    """Take the key for this request in one statement; None when it is taken and unexpired.

    A concurrent request with the same key waits on the unique index until the first
    commits and then finds it taken (or takes it, if the first rolled back). An expired
    record is taken over in the same statement instead of being deleted first.
    """
    table = connection.ops.quote_name(IdempotencyRecord._meta.db_table)
    sql = f"""
        INSERT INTO {table}
            (actor_id, key, endpoint, request_hash, status_code, response, created_at, expires_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (actor_id, key, endpoint) DO UPDATE SET
            request_hash = excluded.request_hash, status_code = excluded.status_code,
            response = excluded.response, created_at = excluded.created_at,
            expires_at = excluded.expires_at
        WHERE {table}.expires_at <= %s
        RETURNING id
    """
    field = IdempotencyRecord._meta.get_field("expires_at")
    stamp = field.get_db_prep_value(now, connection)
    expires = field.get_db_prep_value(
        now + timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS), connection
    )
    with connection.cursor() as cursor:
        status, body = answer if answer is not None else (None, None)
        response = IdempotencyRecord._meta.get_field("response").get_db_prep_save(body, connection)
        params = [actor_id, key, endpoint, request_hash, status, response, stamp, expires, stamp]
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None
