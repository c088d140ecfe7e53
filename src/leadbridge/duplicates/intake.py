"""The one intake pipeline: a new record goes through the duplicate check, then `on_duplicate`
(`policy.OnDuplicate`) says what happens, with one meaning per value for every way in.

- `create_checked`: check and create in one transaction (the API, the public web form, the
  capture with leads off): the matcher (`checks.find_matches`) under advisory locks on the
  values' keys, then create, refuse, or act on the best match of the same type.
- `act_on_match`: what skip, fill, overwrite and link do to an existing record. The import's
  bulk path finds its matches with its own exact-key lookup (a batch at a time) and calls
  this for each matched row; the conversion plans the same actions (`leads/conversion.py`).
- `changes_for`: the values fill and overwrite write; `link_note`: the one note link adds.

    allow      save the new record and report the matches
    reject     409 `duplicate` with the matches, nothing saved
    skip       save nothing; the best match is the answer
    fill       the best match's empty fields take the submitted values (placement kept)
    overwrite  the submitted non-empty values replace the best match's
    link       the submitted values become a note on the best match
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from leadbridge.activities.services import activity_create
from leadbridge.core.errors import Conflict, FieldIssue
from leadbridge.core.record_services import check_values
from leadbridge.core.registry import model_for
from leadbridge.history.services import json_value

from .checks import find_matches, lock_keys_of
from .keys import INDEXED_TYPES
from .policy import ALL, OnDuplicate, parse

EMPTY = (None, "", [], {})
# Who owns a record is not a value a duplicate brings: fill keeps the match's placement.
PLACEMENT = ("owner_id", "team_id")


@dataclass
class Intake:
    """What a create with a duplicate check did: `outcome` is created, skipped, updated
    or linked; `obj` the record made or the existing one acted on."""

    obj: Any
    outcome: str
    duplicates: list[dict] = field(default_factory=list)
    warnings: list = field(default_factory=list)


def duplicate_conflict(duplicates: list[dict]) -> Conflict:
    return Conflict(
        _("A matching record exists."),
        code="duplicate",
        errors=[FieldIssue("on_duplicate", _("A matching record exists; see duplicates."))],
        extra={"duplicates": duplicates},
    )


def create_checked(
    *,
    actor: Any,
    record_type: str,
    data: dict,
    on_duplicate: OnDuplicate | str,
    create: Callable[..., Any],
    update: Callable[..., Any],
    reveal: bool = True,
    allowed: tuple[OnDuplicate, ...] = ALL,
    source: str = "",
) -> Intake:
    """Create a record through `create` after asking the matcher, then act by `on_duplicate`
    (validated against `allowed`: a 422 at `on_duplicate` otherwise).

    Only matches of the same record type are acted on (a lead is not filled from a
    client); reject refuses on any match. `reveal=False` (the public web form) keeps matches
    out of the answer. `source` names the way in on a link's note.
    """
    mode = parse(on_duplicate, allowed=allowed)
    check_values(actor=actor, record_type=record_type, data=data)  # before the matcher reads
    # Check and create in one transaction, holding the values' keys: two concurrent creates
    # of one record (a double submit, two clients) cannot both find nothing and both save.
    # Within a caller's transaction no savepoint of its own (two round trips): a refusal
    # fails the whole write, as the callers (the API, the web form) want anyway.
    with transaction.atomic(savepoint=False):
        lock_keys_of(data)
        matches = find_matches(actor=actor, record_type=record_type, values=data)
        shown = matches if reveal else []
        if mode == OnDuplicate.REJECT and matches:
            raise duplicate_conflict(shown)
        same = [m for m in matches if m["record_type"] == record_type]
        if mode in (OnDuplicate.ALLOW, OnDuplicate.REJECT) or not same:
            saved = create(actor=actor, data=data)
            return Intake(saved.obj, "created", shown, list(saved.warnings))
        pk = same[0]["id"]
        outcome, _saved = act_on_match(
            actor=actor,
            record_type=record_type,
            pk=pk,
            data=data,
            mode=mode,
            update=update,
            source=source,
        )
        return Intake(model_for(record_type).objects.get(pk=pk), outcome, shown)


def create_from_page(
    *,
    actor: Any,
    record_type: str,
    data: dict,
    create: Callable[..., Any],
    update: Callable[..., Any],
) -> Intake:
    """A record typed on its page: always saved (a person at the keyboard decides, `allow`),
    through the same check-and-create as every other way in, with the matches found for the
    page to name. Types the matcher does not file (deals) are created as they are."""
    if record_type not in INDEXED_TYPES:
        saved = create(actor=actor, data=data)
        return Intake(saved.obj, "created", [], list(saved.warnings))
    # A savepoint of its own: a refused value goes back to the form, whose page goes on
    # reading in the request's transaction (create_checked takes none of its own).
    with transaction.atomic():
        return create_checked(
            actor=actor,
            record_type=record_type,
            data=data,
            on_duplicate=OnDuplicate.ALLOW,
            create=create,
            update=update,
        )


def act_on_match(
    *,
    actor: Any,
    record_type: str,
    pk: int,
    data: dict,
    mode: OnDuplicate,
    update: Callable[..., Any],
    source: str = "",
) -> tuple[str, Any]:
    """Do to the existing record `pk` what `mode` (skip, fill, overwrite, link) says with the
    submitted `data`. Returns the outcome (skipped, updated, linked) and what `update`
    answered (None when it was not called). `update(actor=, pk=, data=, version=None)` is
    the record type's update service (or a caller's wrapper of it that keeps undo data)."""
    if mode == OnDuplicate.SKIP:
        return "skipped", None
    if mode == OnDuplicate.LINK:
        activity_create(
            actor=actor,
            record_type=record_type,
            record_id=pk,
            data=link_note(data, source=source),
        )
        return "linked", None
    if mode == OnDuplicate.FILL:
        return "updated", _fill(actor, record_type, pk, data, update)
    if mode == OnDuplicate.OVERWRITE:
        with transaction.atomic():
            saved = update(actor=actor, pk=pk, data=changes_for(mode, data), version=None)
        return "updated", saved
    raise ValueError(mode)  # allow and reject make or refuse a record: nothing to act on


FILL_ATTEMPTS = 3  # reads of the record a fill may take when others keep changing it


def _fill(actor: Any, record_type: str, pk: int, data: dict, update: Callable[..., Any]) -> Any:
    """Fill the record's empty fields. What is empty is read without a lock and the update
    service's one lock checks the version read: a field someone filled in between is never
    overwritten (the record is read again instead), and the row is locked once."""
    model = model_for(record_type)
    attempt = 1
    while True:
        current = model.objects.get(pk=pk)
        try:
            with transaction.atomic():
                values = changes_for(OnDuplicate.FILL, data, current)
                return update(actor=actor, pk=pk, data=values, version=current.version)
        except Conflict as exc:
            if exc.code != "stale_version" or attempt >= FILL_ATTEMPTS:
                raise
            attempt += 1


def changes_for(mode: OnDuplicate, data: dict, current: Any = None) -> dict:
    """The values fill or overwrite write into an existing record (`current`, needed by
    fill): fill takes the fields that are empty on it (not its owner or team), overwrite
    every submitted non-empty value. Custom fields key by key."""
    given = {k: v for k, v in data.items() if k != "custom_fields" and v not in EMPTY}
    custom = {k: v for k, v in (data.get("custom_fields") or {}).items() if v not in EMPTY}
    if mode == OnDuplicate.FILL:
        given = {
            k: v
            for k, v in given.items()
            if k not in PLACEMENT and hasattr(current, k) and getattr(current, k) in EMPTY
        }
        existing = getattr(current, "custom_fields", None) or {}
        custom = {k: v for k, v in custom.items() if existing.get(k) in EMPTY}
    if custom:
        given["custom_fields"] = custom
    return given


def link_note(data: dict, *, source: str = "") -> dict:
    """The note `link` adds to the matched record, the same from every way in: a subject
    naming where the values came from, and one "field: value" line per submitted value."""
    subject = _("Submission matched this record")
    if source:
        subject = f"{subject} · {source}"
    lines = []
    for name, value in sorted(data.items()):
        if value in EMPTY:
            continue
        value = json_value(value)
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in sorted(value.items()) if v not in EMPTY)
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        lines.append(f"{name}: {value}")
    return {"type": "note", "subject": subject[:255], "body": "\n".join(lines)}
