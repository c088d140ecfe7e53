"""The id of the request (or background task) being handled, for the logs."""

from __future__ import annotations

import contextvars
import re
import uuid

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# A proxy's X-Request-ID is reused only when it looks like an id, so logs stay parseable.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def new_request_id(incoming: str | None = None) -> str:
    if incoming and _SAFE_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def current() -> str:
    return request_id.get()
