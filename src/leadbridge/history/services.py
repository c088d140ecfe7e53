"""Writing the timeline. Called by every service inside its own transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from .models import HistoryEvent


def json_value(value: Any) -> Any:
    """A stored value as JSON (decimals as strings, dates in ISO form)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    return value


def _actor_fields(actor: Any) -> dict:
    if actor is None:
        return {"actor_id": None, "actor_name": ""}
    name = getattr(actor, "display_name", None) or getattr(actor, "username", "") or ""
    return {"actor_id": actor.pk, "actor_name": name}


def history_event(
    *,
    actor: Any,
    record_type: str,
    record_id: int,
    kind: str,
    field: str = "",
    old: Any = None,
    new: Any = None,
    data: dict | None = None,
) -> HistoryEvent:
    return HistoryEvent.objects.create(
        **_event_fields(actor, record_type, record_id, kind, field, old, new, data)
    )


def history_event_row(
    *,
    actor: Any,
    record_type: str,
    record_id: int,
    kind: str,
    field: str = "",
    old: Any = None,
    new: Any = None,
    data: dict | None = None,
) -> HistoryEvent:
    """An unsaved event, for paths that insert many at once (imports)."""
    return HistoryEvent(**_event_fields(actor, record_type, record_id, kind, field, old, new, data))


def _event_fields(
    actor: Any,
    record_type: str,
    record_id: int,
    kind: str,
    field: str,
    old: Any,
    new: Any,
    data: dict | None,
) -> dict:
    return {
        "record_type": record_type,
        "record_id": record_id,
        "kind": kind,
        "field": field,
        "old_value": json_value(old),
        "new_value": json_value(new),
        "data": json_value(data or {}),
        **_actor_fields(actor),
    }


def history_changes(
    *,
    actor: Any,
    record_type: str,
    record_id: int,
    changes: list[tuple[str, Any, Any]],
    kind: str = HistoryEvent.Kind.UPDATED,
    data: dict | None = None,
) -> None:
    """One event per changed field, with old and new value.

    `data` is shared by the rows; saves put the record's new `version` there, so an edit
    form opened at an older version can tell who changed what since (core/conflicts.py).
    """
    who = _actor_fields(actor)
    shared = json_value(data or {})
    HistoryEvent.objects.bulk_create(
        [
            HistoryEvent(
                record_type=record_type,
                record_id=record_id,
                kind=kind,
                field=name,
                old_value=json_value(old),
                new_value=json_value(new),
                data=shared,
                **who,
            )
            for name, old, new in changes
        ]
    )
