"""The write path shared by every main record type (lead, client, contact, deal).

Each type's services (`lead_create`, `client_update`, …) call these with their own rules;
this module cleans values by the type's spec, keeps the derived columns (normalized e-mail
and phones, folded search text, tag index), checks access through `people.access`, bumps
`version` for optimistic locking and writes history in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from leadbridge.core import labels
from leadbridge.customfields.services import (
    check_required_custom,
    clean_custom_fields,
    definitions,
    required_builtin,
)
from leadbridge.history.models import HistoryEvent
from leadbridge.history.services import history_changes, history_event
from leadbridge.people import access

from .cleaning import clean_value
from .errors import Collector, Conflict, FieldIssue, NotFound
from .events import publish
from .normalize import InvalidValue, normalize_email, normalize_phone, search_document, tags_index
from .registry import model_for
from .selectors import visible_ids
from .specs import MODEL_LABELS, SPECS, RecordSpec

Validator = Callable[[dict, Any, Collector], None]


@dataclass
class PrepareCache:
    """What a bulk path (import) reads once instead of once per record: the custom-field
    definitions, the required built-ins and the live ids of the small referenced tables.
    `prepare_create` with a cache validates exactly as without one."""

    defs: list
    required: set[str]
    refs: dict[str, set[int]] = field(default_factory=dict)  # model label -> live ids
    extra: dict[str, Any] = field(default_factory=dict)  # per-type lookups (lead statuses)

    @classmethod
    def load(cls, record_type: str, ref_labels: tuple[str, ...] = ()) -> PrepareCache:
        refs = {
            label: set(_live(apps.get_model(label)).values_list("pk", flat=True))
            for label in ref_labels
        }
        return cls(definitions(record_type), required_builtin(record_type), refs)


def _live(model: Any) -> Any:
    qs = model.objects.all()
    if hasattr(model, "deleted_at"):
        qs = qs.filter(deleted_at__isnull=True)
    if model._meta.label == "people.User":
        qs = qs.filter(is_active=True)
    return qs


# One changed field: (name, old value, new value); a custom field as "custom_fields.<key>".
Change = tuple[str, Any, Any]


@dataclass
class Saved:
    """What every record write returns (create, update, delete, of every type): the record,
    the warnings to show (stored anyway) and, for an update, the changes it made (empty when
    nothing changed: no history row, no new version)."""

    obj: Any
    warnings: list[FieldIssue] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def _region(values: dict, instance: Any) -> str:
    country = values.get("country")
    if country is None and instance is not None:
        country = getattr(instance, "country", "")
    return country or settings.DEFAULT_PHONE_REGION


def clean_input(
    spec: RecordSpec,
    data: dict,
    *,
    actor: Any,
    instance: Any = None,
    out: Collector,
    prefix: str = "",
    cache: PrepareCache | None = None,
    refs: bool = True,
) -> dict:
    """Clean submitted values by the spec; returns {attr: value}. Unknown keys are errors.
    `refs=False` leaves out the reference fields' existence check (the one database read).
    `actor`: a reference to another main record must name one the actor may see."""
    values: dict[str, Any] = {}
    country = data.get("country")
    region = _region(
        {"country": country.strip().upper()} if isinstance(country, str) else {}, instance
    )
    for key, raw in data.items():
        if key == "custom_fields":
            continue
        fspec = spec.get(key)
        path = f"{prefix}{key}"
        if fspec is None:
            out.add(path, _("Unknown field."))
            continue
        cleaned = clean_value(fspec, raw, region=region, path=path, out=out)
        if cleaned is not None or raw in (None, ""):
            values[fspec.attr] = cleaned if cleaned is not None else _empty(fspec)
    if refs:
        _check_refs(spec, values, out, prefix, cache, actor=actor, instance=instance)
    return values


def check_values(*, actor: Any, record_type: str, data: dict) -> None:
    """Refuse what cleaning refuses (types, list sizes, lengths, text no database stores)
    before anything else reads the values; a valid request costs no database read.

    The duplicate check runs before the create and builds one lookup per e-mail, phone and
    name word: on raw input 2,000 e-mails meant a query the database could not plan. Create
    paths call this first; the create itself then cleans again and checks the rest."""
    out = Collector()
    clean_input(SPECS[record_type], data, actor=actor, out=out, refs=False)
    if out.errors:
        # Refused anyway: report every problem at once (references, required and custom
        # fields too), as the create would have.
        _state, out = prepare_create(actor=actor, record_type=record_type, data=data)
        out.raise_if_any()


def _empty(fspec) -> Any:
    if fspec.kind in ("emails", "phones", "tags"):
        return []
    if fspec.kind in ("decimal", "date", "ref"):
        return None
    return ""


_EMPTY_STATES: dict[str, tuple[dict, tuple[str, ...]]] = {}


def _empty_state(spec: RecordSpec) -> dict:
    """Every field of the spec at its empty value (a new list for each list field)."""
    if spec.record_type not in _EMPTY_STATES:
        template = {f.name: _empty(f) for f in spec.fields}
        lists = tuple(name for name, value in template.items() if isinstance(value, list))
        _EMPTY_STATES[spec.record_type] = template, lists
    template, lists = _EMPTY_STATES[spec.record_type]
    state = dict(template)
    for name in lists:
        state[name] = []
    return state


# Model label -> record type, for the references that point at a main record.
_RECORD_REFS = {label: record_type for record_type, label in MODEL_LABELS.items()}


def _check_refs(
    spec: RecordSpec,
    values: dict,
    out: Collector,
    prefix: str,
    cache: PrepareCache | None = None,
    *,
    actor: Any,
    instance: Any = None,
) -> None:
    """Every reference names a live row; one to a main record (a deal's client_id or
    source_lead_id, a contact's lead_id) one the actor may see. An invisible record answers
    exactly as a missing one, so a reference is no way to learn that a record exists."""
    for fspec in spec.refs:
        if values.get(fspec.attr) is None:
            continue
        assert fspec.ref
        record_type = _RECORD_REFS.get(fspec.ref)
        if record_type is not None:
            if instance is not None and getattr(instance, fspec.attr) == values[fspec.attr]:
                continue  # unchanged: it stays, whoever may see its target
            exists = bool(visible_ids(actor, record_type, [values[fspec.attr]]))
        elif cache is not None and fspec.ref in cache.refs:
            exists = values[fspec.attr] in cache.refs[fspec.ref]
        else:
            exists = _live(apps.get_model(fspec.ref)).filter(pk=values[fspec.attr]).exists()
        if not exists:
            out.add(f"{prefix}{fspec.name}", _("No such record."))


def refresh_derived(obj: Any, spec: RecordSpec) -> None:
    """Recompute the normalized e-mail and phones, search text and tag index."""
    region = getattr(obj, "country", "") or settings.DEFAULT_PHONE_REGION
    if hasattr(obj, "email_normalized"):
        try:
            obj.email_normalized = normalize_email(obj.email)
        except InvalidValue:
            obj.email_normalized = ""
        for name in ("phone", "mobile"):
            try:
                setattr(obj, f"{name}_normalized", normalize_phone(getattr(obj, name), region))
            except InvalidValue:
                setattr(obj, f"{name}_normalized", "")
    extra = []
    for name in ("phone_normalized", "mobile_normalized"):
        if getattr(obj, name, ""):
            extra.append(getattr(obj, name))
    obj.search_text = search_document(*(getattr(obj, f) for f in spec.search_fields), *extra)
    obj.tags_index = tags_index(obj.tags or [])


def snapshot(obj: Any, spec: RecordSpec) -> dict:
    data = {f.name: getattr(obj, f.attr) for f in spec.fields}
    data["custom_fields"] = dict(obj.custom_fields or {})
    return data


def _check_required(
    spec: RecordSpec, state: dict, out: Collector, defs, required: set[str] | None = None
) -> None:
    for name in required if required is not None else required_builtin(spec.record_type):
        if state.get(name) in (None, "", []):
            out.add(name, _("This field is required."))
    check_required_custom(spec.record_type, state.get("custom_fields") or {}, out=out, defs=defs)


def _placement_defaults(actor: Any, values: dict) -> None:
    if "owner_id" not in values and actor is not None and not getattr(actor, "is_system", False):
        values["owner_id"] = actor.pk
    if "team_id" not in values and actor is not None and not getattr(actor, "is_system", False):
        teams = access.team_ids(actor)
        if len(teams) == 1:
            values["team_id"] = teams[0]


def prepare_create(
    *,
    actor: Any,
    record_type: str,
    data: dict,
    validate: Validator | None = None,
    extra: dict | None = None,
    prefix: str = "",
    cache: PrepareCache | None = None,
) -> tuple[dict, Collector]:
    """Clean and validate a new record's values without saving: (state, collector).

    Field paths in the collector carry `prefix` ("client.") so a caller that prepares several
    records at once (the conversion) can report every problem in one answer.
    """
    spec = SPECS[record_type]
    out = Collector()
    values = clean_input(spec, data, actor=actor, out=out, cache=cache)
    defs = cache.defs if cache is not None else definitions(record_type)
    custom = clean_custom_fields(record_type, data.get("custom_fields"), {}, out=out, defs=defs)
    _placement_defaults(actor, values)
    state = _empty_state(spec) | values
    state["custom_fields"] = custom
    state.update(extra or {})
    if validate:
        validate(state, None, out)
    _check_required(spec, state, out, defs, cache.required if cache is not None else None)
    if prefix:
        out.errors = [FieldIssue(prefix + e.field, e.message) for e in out.errors]
        out.warnings = [FieldIssue(prefix + w.field, w.message) for w in out.warnings]
    return state, out


def build_new(*, actor: Any, record_type: str, state: dict) -> Any:
    """An unsaved record from prepared values, with its derived columns."""
    obj = model_for(record_type)(**state, created_by=actor)
    refresh_derived(obj, SPECS[record_type])
    return obj


class Draft:
    """A new record's values on a plain object: what `build_new` sets on a model instance,
    for bulk paths that derive the same columns with the same functions but insert plain
    rows (a model instance per row costs more than the rest of the derivation)."""

    pk = None

    def __init__(self, values: dict):
        self.__dict__.update(values)


def draft_fields(record_type: str) -> list[models.Field]:
    """The stored columns of a record type but its primary key, in table order."""
    return [f for f in model_for(record_type)._meta.concrete_fields if not f.primary_key]


_DEFAULTS: dict[str, tuple[dict, list]] = {}


def _draft_defaults(record_type: str) -> dict:
    """The fields' defaults as a model instance gets them: constants copied once, callables
    (a new list or dict) called per record."""
    if record_type not in _DEFAULTS:
        fixed, made = {}, []
        for f in draft_fields(record_type):
            if f.has_default() and callable(f.default):
                made.append(f)
            else:
                fixed[f.attname] = f.get_default()
        _DEFAULTS[record_type] = fixed, made
    fixed, made = _DEFAULTS[record_type]
    values = dict(fixed)
    for f in made:
        values[f.attname] = f.get_default()
    return values


def build_draft(*, actor: Any, record_type: str, state: dict) -> Draft:
    """`build_new` without the model instance: the fields' defaults, the prepared state, the
    creator and the derived columns (`refresh_derived`, as on save)."""
    values = _draft_defaults(record_type)
    values.update(state)
    values["created_by_id"] = actor.pk if actor is not None else None
    draft = Draft(values)
    refresh_derived(draft, SPECS[record_type])
    return draft


def _created_values(obj: Any, spec: RecordSpec) -> dict:
    """The non-empty values of `snapshot`, read in one pass."""
    created = {}
    for f in spec.fields:
        value = getattr(obj, f.attr)
        if value is not None and value != "" and value != [] and value != {}:
            created[f.name] = value
    if obj.custom_fields:
        created["custom_fields"] = dict(obj.custom_fields)
    return created


def created_values(obj: Any, record_type: str) -> dict:
    """The values a "created" history event records (the non-empty contract fields)."""
    return _created_values(obj, SPECS[record_type])


def save_new(
    *,
    actor: Any,
    record_type: str,
    state: dict,
    history_data: dict | None = None,
    savepoint: bool = True,
) -> Any:
    """Insert a prepared record with its derived columns and its "created" history event.

    `savepoint=False` for a caller whose transaction is all or nothing anyway (a failure
    here then fails all of it): it saves the savepoint's two round trips (the web form)."""
    obj = build_new(actor=actor, record_type=record_type, state=state)
    with transaction.atomic(savepoint=savepoint):
        obj.save()
        history_event(
            actor=actor,
            record_type=record_type,
            record_id=obj.pk,
            kind=HistoryEvent.Kind.CREATED,
            new=_created_values(obj, SPECS[record_type]),
            data=history_data,
        )
        publish(f"{record_type}.created", record_type, obj, actor=actor)
    return obj


def record_create(
    *,
    actor: Any,
    record_type: str,
    data: dict,
    validate: Validator | None = None,
    extra: dict | None = None,
    history_data: dict | None = None,
    cache: PrepareCache | None = None,
    savepoint: bool = True,
) -> Saved:
    """Create one record of `record_type` from contract-named `data` (atomic; `savepoint`
    as in `save_new`)."""
    access.check(actor, record_type, "create")
    state, out = prepare_create(
        actor=actor, record_type=record_type, data=data, validate=validate, extra=extra, cache=cache
    )
    out.raise_if_any()
    access.check_placement(
        actor, record_type, "create", owner_id=state["owner_id"], team_id=state["team_id"]
    )
    obj = save_new(
        actor=actor,
        record_type=record_type,
        state=state,
        history_data=history_data,
        savepoint=savepoint,
    )
    return Saved(obj, out.warnings)


def lock(record_type: str, pk: int) -> Any:
    """Load a live record with its row locked for the rest of the transaction."""
    return fetch(record_type, pk, for_update=True)


def fetch(record_type: str, pk: int, *, for_update: bool = False) -> Any:
    """Load a live record (NotFound otherwise); locked only `for_update`: a read that decides
    nothing (a preview) must neither wait for nor hold up the record's writers."""
    model = model_for(record_type)
    rows = model.objects.select_for_update() if for_update else model.objects.all()
    try:
        return rows.get(pk=pk, deleted_at__isnull=True)
    except model.DoesNotExist:
        raise NotFound(
            _("No %(record_type)s with id %(pk)s.")
            % {"record_type": labels.record_type(record_type), "pk": pk}
        ) from None


def lock_checked(
    *, actor: Any, record_type: str, pk: int, version: int | None, right: str | None = "update"
) -> Any:
    """The one lock and check of a write: the live record locked for the rest of the
    transaction, the actor's `right` to it (None: the caller checked it otherwise) and the
    `version` the caller read (None: any). Everything a write refuses for the row itself is
    refused here, before anything is written; a service whose caller passes the row on
    (`record_update(locked=...)`) does not lock or check it again."""
    obj = lock(record_type, pk)
    if right is not None:
        access.check(actor, record_type, right, obj)
    check_version(obj, version)
    return obj


def check_version(obj: Any, version: int | None) -> None:
    if version is not None and version != obj.version:
        raise Conflict(
            _("The record was changed by someone else; reload it and try again."),
            code="stale_version",
            errors=[
                FieldIssue(
                    "version",
                    _("Current version is %(obj_version)s.") % {"obj_version": obj.version},
                )
            ],
            extra={"current_version": obj.version},
        )


def record_update(
    *,
    actor: Any,
    record_type: str,
    pk: int,
    data: dict,
    version: int | None = None,
    validate: Validator | None = None,
    right: str = "update",
    check_access: bool = True,
    locked: Any = None,
    guard: Callable[[list[Change]], None] | None = None,
) -> Saved:
    """Change the given fields of one record; returns the record and the changes made.

    Must run inside a transaction (the caller's), so that type-specific follow-ups (a status
    change, say) commit or roll back with it.

    `locked`: the record as a type's own service locked it in this transaction and checked it
    (the right to change it, `version`): it is neither locked nor checked a second time.
    `guard(changes)` runs once the changes are known and before anything is written; it
    raises to refuse them (a converted lead's fields), so a refusal writes nothing.
    """
    assert transaction.get_connection().in_atomic_block, "record_update needs a transaction"
    spec = SPECS[record_type]
    obj = locked
    if obj is None:
        obj = lock_checked(
            actor=actor,
            record_type=record_type,
            pk=pk,
            version=version,
            right=right if check_access else None,
        )
    out = Collector()
    values = clean_input(spec, data, actor=actor, instance=obj, out=out)
    defs = definitions(record_type)
    before = snapshot(obj, spec)
    custom = clean_custom_fields(
        record_type, data.get("custom_fields"), before["custom_fields"], out=out, defs=defs
    )
    state = before | values | {"custom_fields": custom}
    if validate:
        validate(state, obj, out)
    _check_required(spec, state, out, defs)
    out.raise_if_any()
    if check_access:
        access.check_placement(
            actor, record_type, right, owner_id=state["owner_id"], team_id=state["team_id"]
        )
    changes = _diff(before, state)
    if guard is not None:
        guard(changes)
    if changes:
        for name, _old, new in changes:
            if not name.startswith("custom_fields."):
                setattr(obj, name, new)
        obj.custom_fields = custom
        obj.version += 1
        refresh_derived(obj, spec)
        obj.save()
        history_changes(
            actor=actor,
            record_type=record_type,
            record_id=obj.pk,
            changes=changes,
            data={"version": obj.version},
        )
        publish(f"{record_type}.updated", record_type, obj, actor=actor)
    return Saved(obj, out.warnings, changes)


def _diff(before: dict, after: dict) -> list[Change]:
    changes = []
    for name, new in after.items():
        if name == "custom_fields":
            old_cf, new_cf = before.get("custom_fields") or {}, new or {}
            for key in sorted(set(old_cf) | set(new_cf)):
                if old_cf.get(key) != new_cf.get(key):
                    changes.append((f"custom_fields.{key}", old_cf.get(key), new_cf.get(key)))
        elif before.get(name) != new:
            changes.append((name, before.get(name), new))
    return changes


def record_delete(*, actor: Any, record_type: str, pk: int, version: int | None = None) -> Saved:
    """Soft delete: the selectors hide the record; links, activities and history stay."""
    with transaction.atomic():
        obj = lock_checked(
            actor=actor, record_type=record_type, pk=pk, version=version, right="delete"
        )
        obj.deleted_at = timezone.now()
        obj.version += 1
        obj.save(update_fields=["deleted_at", "version", "updated_at"])
        history_event(
            actor=actor, record_type=record_type, record_id=obj.pk, kind=HistoryEvent.Kind.DELETED
        )
        publish(f"{record_type}.deleted", record_type, obj, actor=actor)
    return Saved(obj)


def model_field_names(model: type[models.Model]) -> set[str]:
    return {f.attname for f in model._meta.concrete_fields}
