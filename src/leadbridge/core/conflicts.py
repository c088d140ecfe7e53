"""Two people editing one record: what the other changed since the form was opened.

A save whose form carries an older version than the record's is refused (`stale_version`).
Instead of a bare "Current version is 2" the edit page then shows, per field, who changed it,
their value and the user's, and asks which to keep. The history events since the form's
version (each save stores the version it made, `history.services.history_changes`) tell what
the record looked like when the form was opened, so fields only the other person changed keep
their value and fields only this user changed keep the user's, silently and correctly; only
fields both changed differently need a choice. The re-shown form carries the version it was
resolved against, so a third save in between is caught again; nothing is overwritten unseen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from leadbridge.history.models import HistoryEvent
from leadbridge.history.services import json_value

from .display import CUSTOM_PREFIX, FieldValues
from .errors import Conflict, DomainError
from .forms import RecordForm
from .record_services import snapshot
from .specs import SPECS
from .web import add_domain_errors

KEEP_PREFIX = "keep_"  # radio per conflicting field: "mine" or "theirs"
MINE, THEIRS = "mine", "theirs"


@dataclass
class FieldConflict:
    name: str  # the form field's name
    label: str
    theirs: str
    mine: str
    who: str
    keep: str = ""  # the choice already made, when the form is shown again


@dataclass
class ConflictState:
    conflicts: list[FieldConflict]
    initial: dict[str, Any]
    version: int  # the record's version the resolution was made against
    base_version: int  # the version the form was first opened at
    unseen: bool = False  # some changes left no field history (a merge, a conversion)
    who: list[str] = field(default_factory=list)
    undecided: bool = False  # submitted without a choice for every field
    kept: list[FieldConflict] = field(default_factory=list)  # their changes the user left alone


def history_name(form_name: str) -> str:
    return CUSTOM_PREFIX + form_name[3:] if form_name.startswith("cf_") else form_name


def pending_choices(post: QueryDict) -> tuple[set[str], list[str]]:
    """(fields the user chose to keep the other person's value for, fields still undecided)."""
    theirs, undecided = set(), []
    for name in post.getlist("conflict"):
        choice = post.get(KEEP_PREFIX + name)
        if choice == THEIRS:
            theirs.add(name)
        elif choice != MINE:
            undecided.append(name)
    return theirs, undecided


def without_theirs(changed: dict, theirs: set[str]) -> dict:
    """The user's changes minus the fields where they keep the other person's value."""
    out = {k: v for k, v in changed.items() if k not in theirs}
    if "custom_fields" in out:
        out["custom_fields"] = {
            k: v for k, v in out["custom_fields"].items() if f"cf_{k}" not in theirs
        }
    return out


def edit_conflict(
    *, record_type: str, obj: Any, form: RecordForm, base_version: int, post: QueryDict
) -> ConflictState:
    """What changed since `base_version`, and the form's values with both sides merged."""
    spec = SPECS[record_type]
    events = list(
        HistoryEvent.objects.filter(
            record_type=record_type,
            record_id=obj.pk,
            kind__in=[HistoryEvent.Kind.UPDATED, HistoryEvent.Kind.STATUS_CHANGED],
            data__version__gt=base_version,
        ).order_by("at", "id")
    )
    theirs: dict[str, dict[str, Any]] = {}
    for event in events:
        entry = theirs.setdefault(event.field, {"old": event.old_value, "who": []})
        name = event.actor_name or _("system")
        if name not in entry["who"]:
            entry["who"].append(name)
    seen_versions = {event.data.get("version") for event in events}
    unseen = len(seen_versions) < obj.version - base_version
    current = _as_json(_flat(snapshot(obj, spec)))
    mine = _as_json(_flat(form.to_data()))
    values = FieldValues(
        record_type, [(k, v) for d in (current, mine) for k, v in d.items()] + _olds(theirs)
    )
    initial = dict(form.initial)
    conflicts: list[FieldConflict] = []
    kept: list[FieldConflict] = []
    for form_name in form.fields:
        key = history_name(form_name)
        field_spec = spec.get(key)
        kind = field_spec.kind if field_spec else "custom"
        now, own = _norm(kind, current.get(key)), _norm(kind, mine.get(key))
        other = theirs.get(key)
        opened = _norm(kind, other["old"]) if other else now
        change = FieldConflict(
            name=form_name,
            label=values.label(key),
            theirs=values.show(key, current.get(key)),
            mine=values.show(key, mine.get(key)),
            who=", ".join(other["who"]) if other else _("someone else"),
            keep=post.get(KEEP_PREFIX + form_name, ""),
        )
        if own == opened or own == now:
            # Untouched by the user, or changed alike: the other person's value stands.
            if other is not None and now != opened:
                kept.append(change)
            continue
        initial[form_name] = _raw(form.cleaned_data.get(form_name))
        if other is None and not unseen:
            continue  # only this user changed it: the user's value, no question
        conflicts.append(change)
    who = sorted({n for entry in theirs.values() for n in entry["who"]})
    return ConflictState(conflicts, initial, obj.version, base_version, unseen, who, kept=kept)


def _flat(data: dict) -> dict:
    """Custom fields as 'custom_fields.key' entries, the names the history uses."""
    out = {k: v for k, v in data.items() if k != "custom_fields"}
    for key, value in (data.get("custom_fields") or {}).items():
        out[CUSTOM_PREFIX + key] = value
    return out


def _as_json(data: dict) -> dict:
    return {k: json_value(v) for k, v in data.items()}


def _olds(theirs: dict) -> list[tuple[str, Any]]:
    return [(k, v["old"]) for k, v in theirs.items()]


def _norm(kind: str, value: Any) -> Any:
    """One form for equal values: '' and None and [] alike, decimals by amount."""
    if value in (None, "", [], {}):
        return None
    if kind == "decimal" or (kind == "custom" and isinstance(value, str | int | float)):
        try:
            return Decimal(str(value)).normalize()
        except (InvalidOperation, ValueError):
            return value
    if kind == "ref":
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    return value


def _raw(value: Any) -> Any:
    """A cleaned form value back as the form's initial value."""
    if isinstance(value, bool):
        return "true" if value else "false"  # the yes/no select's option values
    return value


@dataclass
class EditOutcome:
    saved: Any  # the service's answer when the record was saved, else None
    form: RecordForm  # the form to show again (bound with errors, or merged after a conflict)
    context: dict  # the edit template's conflict and version fields


def edit_form(
    request: Any,
    *,
    record_type: str,
    obj: Any,
    save: Callable[..., Any],
    passthrough: tuple[str, ...] = (),
) -> EditOutcome:
    """The edit page's POST and GET, for every record type's form (leads and the others).

    Domain errors go to their fields; those whose code is in `passthrough` propagate for the
    page to answer itself (a lead's status change that needs a conversion plan).
    """
    form = RecordForm(request.POST or None, record_type=record_type, instance=obj)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            saved, conflict = submit_edit(
                request, record_type=record_type, obj=obj, form=form, save=save
            )
        except DomainError as exc:
            if exc.code in passthrough:
                raise
            add_domain_errors(form, exc)
            conflict = shown_conflict(request, record_type=record_type, obj=obj, form=form)
        else:
            if conflict is None:
                return EditOutcome(saved, form, {})
            form = RecordForm(record_type=record_type, instance=obj, initial=conflict.initial)
    return EditOutcome(None, form, edit_context(request, obj, conflict))


def submit_edit(
    request: Any, *, record_type: str, obj: Any, form: RecordForm, save: Callable[..., Any]
) -> tuple[Any, ConflictState | None]:
    """Save a valid edit form: (saved, None), or (None, the conflict to show).

    `save(data=..., version=...)` calls the record's update service; its other domain errors
    propagate to the caller, which puts them at the fields.
    """
    post = request.POST
    data = form.to_data()
    changed = {k: v for k, v in data.items() if k in form.changed_data or k == "custom_fields"}
    version = _int(post.get("version"), obj.version)
    base = _int(post.get("base_version"), version)
    theirs, undecided = pending_choices(post)
    if not undecided:
        try:
            return save(data=without_theirs(changed, theirs), version=version), None
        except Conflict as exc:
            if exc.code != "stale_version":
                raise
    state = edit_conflict(record_type=record_type, obj=obj, form=form, base_version=base, post=post)
    state.undecided = bool(undecided)
    return None, state


def shown_conflict(
    request: Any, *, record_type: str, obj: Any, form: RecordForm
) -> ConflictState | None:
    """The panel again when a resolved form came back with other errors: the choices stay."""
    post = request.POST
    if not post.getlist("conflict") or not form.is_valid():
        return None
    base = _int(post.get("base_version"), obj.version)
    return edit_conflict(record_type=record_type, obj=obj, form=form, base_version=base, post=post)


def edit_context(request: Any, obj: Any, conflict: ConflictState | None) -> dict:
    """The edit template's version fields: the version the shown values were resolved
    against (a re-shown form keeps the one it was opened at, never the latest)."""
    if conflict is not None:
        return {"conflict": conflict, "form_version": conflict.version}
    return {"conflict": None, "form_version": _int(request.POST.get("version"), obj.version)}


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
