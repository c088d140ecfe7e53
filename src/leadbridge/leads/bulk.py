"""Leads in bulk (an import's batches): `lead_new` derives, without the database, the row
`lead_create` would store, its "created" event and its match keys; `leads_bulk_insert`
writes many at once (one `COPY` per table on PostgreSQL, multi-row INSERTs elsewhere)."""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import JSONField
from django.utils import timezone

from leadbridge.core.bulk import copy_lines, copy_text, insert_new_rows, insert_rows
from leadbridge.core.record_services import build_draft, created_values, draft_fields
from leadbridge.duplicates.keys import prepared
from leadbridge.duplicates.matching import Prepared, blocking_keys, encode
from leadbridge.duplicates.models import MatchKey, MatchProfile
from leadbridge.history.models import HistoryEvent
from leadbridge.history.services import json_value
from leadbridge.people import access

from .models import Lead


@dataclass(slots=True)
class NewLead:
    """A lead ready for `leads_bulk_insert`: its stored columns and everything the insert
    files with it, derived by `lead_new` with `lead_create`'s own functions. Plain data, so
    a second process can make these while the first one writes.

    On PostgreSQL the columns come as `COPY` text already (`copy`: the row's text before and
    after its stamps), which is cheaper to send between processes and to write than values.
    """

    values: list | None  # the columns of LEAD_COLUMNS (stamps set on insert), or None
    copy: tuple[str, str] | None  # PostgreSQL: the row as COPY text around the stamps
    created: str  # the "created" history event's values, as JSON (PostgreSQL: as COPY text)
    keys: list[str]  # blocking keys (the match-key rows)
    profile: str | None  # match profile; None: encoded on insert (the name falls back to the id)
    prepared: Prepared | None
    owner_id: int | None
    team_id: int | None
    by_rule: bool = False  # placed by an assignment rule (the system's doing, as for web forms)
    pk: int | None = None


LEAD_FIELDS = draft_fields("lead")
LEAD_COLUMNS = [f.column for f in LEAD_FIELDS]
_JSON_AT = [i for i, f in enumerate(LEAD_FIELDS) if isinstance(f, JSONField)]
_STAMPS_AT = [i for i, f in enumerate(LEAD_FIELDS) if f.attname in ("created_at", "updated_at")]
assert _STAMPS_AT == [_STAMPS_AT[0], _STAMPS_AT[0] + 1], "the stamps are adjacent columns"
_LEAD_VALUES = operator.itemgetter(*(f.attname for f in LEAD_FIELDS))  # from a draft's __dict__
_OWNER_AT = LEAD_COLUMNS.index("owner_id")
_TEAM_AT = LEAD_COLUMNS.index("team_id")
_HISTORY_COLUMNS = [
    "record_type",
    "record_id",
    "at",
    "actor_id",
    "actor_name",
    "kind",
    "field",
    "old_value",
    "new_value",
    "data",
]


def _json_default(value: Any) -> Any:
    """`history.services.json_value` as a JSON encoder hook (one pass instead of two)."""
    converted = json_value(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON serializable")
    return converted


def lead_new(*, actor: Any, state: dict) -> NewLead:
    """The stored row of a prepared lead (`lead_prepare`), its "created" event and its match
    keys and profile: `build_new`'s derived columns (`refresh_derived`), `save_new`'s event
    values and the key table's keys, without touching the database."""

    draft = build_draft(actor=actor, record_type="lead", state=state)
    values = list(_LEAD_VALUES(draft.__dict__))
    for i in _JSON_AT:
        value = values[i]  # what JSONField stores (no encoder on Lead); most are empty
        values[i] = "[]" if value == [] else "{}" if value == {} else json.dumps(value)
    p = prepared(draft)
    name = Lead.display_name.fget(draft)  # type: ignore[attr-defined]
    # No name, company, e-mail or phone (not a valid lead, but the path stays exact): the
    # display name is the id, known on insert.
    fallback = name == f"#{draft.pk}"
    copy = None
    created = created_values(draft, "lead")
    if connection.vendor == "postgresql":
        first = _STAMPS_AT[0]
        copy = (
            "\t".join([copy_text(v) for v in values[:first]]),
            "\t".join([copy_text(v) for v in values[first + 2 :]]),
        )
        # As COPY text already; jsonb stores the same value whichever way it is escaped.
        event = copy_text(json.dumps(created, default=_json_default, ensure_ascii=False))
    else:
        event = json.dumps(created, default=_json_default)
    return NewLead(
        values=None if copy else values,
        copy=copy,
        created=event,
        keys=blocking_keys(p),
        profile=None if fallback else encode(p, name),
        prepared=p if fallback else None,
        owner_id=values[_OWNER_AT],
        team_id=values[_TEAM_AT],
    )


def leads_bulk_create(
    *, actor: Any, states: list[dict], history_data: dict | None = None
) -> list[int]:
    """Insert prepared leads (`lead_prepare`) as `lead_create` would one by one; returns
    their ids. Runs in the caller's transaction."""
    rows = [lead_new(actor=actor, state=state) for state in states]
    leads_bulk_insert(actor=actor, rows=rows, history_data=history_data)
    return [r.pk for r in rows]  # type: ignore[misc]


def leads_bulk_insert(
    *, actor: Any, rows: list[NewLead], history_data: dict | None = None
) -> list[NewLead]:
    """Insert leads made by `lead_new`: the lead rows, the same "created" history event and
    the same match keys and profiles as `lead_create`, one `COPY` per table on PostgreSQL.
    Sets each row's `pk`. Automations and webhooks are the caller's choice (an import's
    `run_automations`): see `leads_created_automations`.
    """

    assert transaction.get_connection().in_atomic_block, "leads_bulk_insert needs a transaction"
    if not rows:
        return rows
    access.check(actor, "lead", "create")
    for owner_id, team_id in {(r.owner_id, r.team_id) for r in rows if not r.by_rule}:
        access.check_placement(actor, "lead", "create", owner_id=owner_id, team_id=team_id)
    now = timezone.now()
    who = None  # as `history.services` names the actor
    if actor is not None:
        who = (actor.pk, getattr(actor, "display_name", None) or getattr(actor, "username", ""))
    data = json.dumps(json_value(history_data or {}))
    if rows[0].copy is not None:
        _copy_new(rows, now, who, data)
        return rows
    for r in rows:
        assert r.values is not None
        for i in _STAMPS_AT:
            r.values[i] = now
    ids = insert_new_rows(Lead, LEAD_COLUMNS, [r.values for r in rows])  # type: ignore[misc]
    for r, pk in zip(rows, ids, strict=True):
        r.pk = pk
    insert_rows(
        HistoryEvent._meta.db_table,
        _HISTORY_COLUMNS,
        [
            ["lead", r.pk, now, *(who or (None, "")), "created", "", None, r.created, data]
            for r in rows
        ],
    )
    insert_rows(
        MatchKey._meta.db_table,
        ["record_type", "record_id", "key"],
        [("lead", r.pk, key) for r in rows for key in r.keys],
    )
    insert_rows(
        MatchProfile._meta.db_table,
        ["record_type", "record_id", "data"],
        [("lead", r.pk, _profile(r)) for r in rows],
    )
    return rows


def _profile(r: NewLead) -> str:
    return r.profile if r.profile is not None else encode(r.prepared, f"#{r.pk}")  # type: ignore[arg-type]


def _key_lines(prefix: str, keys: list[str]) -> str:
    """A record's match-key rows as COPY text: one join instead of a string per key."""
    if not keys:
        return ""
    glue = "\n" + prefix
    return prefix + glue.join(copy_text(k) for k in keys) + "\n"


def _copy_new(rows: list[NewLead], now: Any, who: tuple | None, data: str) -> None:
    """The PostgreSQL half of `leads_bulk_insert`: ids from the sequence, then the lead,
    history, key and profile rows as COPY text."""

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Lead._meta.db_table, len(rows)],
        )
        ids = [ident for (ident,) in cursor.fetchall()]
    stamp = copy_text(now)
    for r, pk in zip(rows, ids, strict=True):
        r.pk = pk
    copy_lines(
        Lead._meta.db_table,
        ["id", *LEAD_COLUMNS],
        (f"{r.pk}\t{r.copy[0]}\t{stamp}\t{stamp}\t{r.copy[1]}\n" for r in rows),  # type: ignore[index]
    )
    actor = "\t".join(copy_text(v) for v in (who or (None, "")))
    data = copy_text(data)
    copy_lines(
        HistoryEvent._meta.db_table,
        _HISTORY_COLUMNS,
        (f"lead\t{r.pk}\t{stamp}\t{actor}\tcreated\t\t\\N\t{r.created}\t{data}\n" for r in rows),
    )
    copy_lines(
        MatchKey._meta.db_table,
        ["record_type", "record_id", "key"],
        (_key_lines(f"lead\t{r.pk}\t", r.keys) for r in rows),
    )
    copy_lines(
        MatchProfile._meta.db_table,
        ["record_type", "record_id", "data"],
        (f"lead\t{r.pk}\t{copy_text(_profile(r))}\n" for r in rows),
    )
