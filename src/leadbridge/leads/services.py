"""Lead operations: create, update, change status, delete; statuses and sources."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from leadbridge.core import confcache
from leadbridge.core.errors import Collector, Conflict, FieldIssue, field_error
from leadbridge.core.events import publish
from leadbridge.core.record_services import (
    PrepareCache,
    Saved,
    lock_checked,
    prepare_create,
    record_create,
    record_delete,
    record_update,
)
from leadbridge.customfields.services import definitions, required_builtin
from leadbridge.history.models import HistoryEvent
from leadbridge.history.services import history_event
from leadbridge.people import access

from .conversion import convert_by_default_plan, converts_on_status
from .models import Lead, LeadSource, LeadStatus, LostReason

IDENTITY_FIELDS = ("first_name", "last_name", "company_name", "email", "phone")
# A converted lead is read-only except its notes (activities are separate records).
EDITABLE_WHEN_CONVERTED = frozenset({"description"})


def default_status() -> LeadStatus | None:
    return LeadStatus.objects.filter(kind=LeadStatus.Kind.OPEN).order_by("order", "id").first()


def _validate(state: dict, instance: Lead | None, out: Collector) -> None:
    if not any(state.get(name) for name in IDENTITY_FIELDS):
        out.add(
            "last_name",
            _("Enter at least a first or last name, a company name, an e-mail or a phone."),
        )
    if state.get("status_id") is None:
        status = default_status()
        if status is None:
            out.add("status_id", _("No open lead status exists; an administrator must add one."))
        else:
            state["status_id"] = status.pk


def _created_extra(status_id: Any, kinds: dict[int, str] | None = None) -> dict:
    """A lead created in a converted status (from an old CRM) is stored as converted without
    making any target."""
    if status_id is None or not str(status_id).isdigit():
        return {}
    if kinds is not None:
        kind = kinds.get(int(status_id))
    else:
        kind = LeadStatus.objects.filter(pk=status_id).values_list("kind", flat=True).first()
    if kind == LeadStatus.Kind.CONVERTED:
        return {"is_converted": True, "converted_at": timezone.now()}
    return {}


def lead_create(*, actor: Any, data: dict, savepoint: bool = True) -> Saved:
    """Create a lead. A lead created in a converted status (from an old CRM) is stored as
    converted without making any target. `savepoint=False`: see `save_new`."""
    data = dict(data)
    cache = confcache.cached("lead.prepare", _lead_settings)
    extra = _created_extra(data.get("status_id"), cache.extra["status_kinds"])

    def validate(state: dict, instance: Lead | None, out: Collector) -> None:
        if state.get("status_id") is None and cache.extra["default_status_id"] is not None:
            state["status_id"] = cache.extra["default_status_id"]
        _validate(state, instance, out)

    return record_create(
        actor=actor,
        record_type="lead",
        data=data,
        validate=validate,
        extra=extra,
        cache=cache,
        savepoint=savepoint,
    )


def _lead_settings() -> PrepareCache:
    """What validating a new lead reads from the settings tables (cached per process by
    `confcache` until they change): statuses, sources, custom fields, required fields."""
    statuses = list(LeadStatus.objects.order_by("order", "id").values_list("pk", "kind"))
    cache = PrepareCache(
        definitions("lead"),
        required_builtin("lead"),
        {
            "leads.LeadStatus": {pk for pk, _kind in statuses},
            "leads.LeadSource": set(LeadSource.objects.values_list("pk", flat=True)),
        },
    )
    cache.extra["status_kinds"] = dict(statuses)
    cache.extra["default_status_id"] = next(
        (pk for pk, kind in statuses if kind == LeadStatus.Kind.OPEN), None
    )
    return cache


def lead_prepare_cache() -> PrepareCache:
    """The lookups `lead_prepare` needs, read once for a whole import."""
    cache = PrepareCache.load(
        "lead", ("people.User", "people.Team", "leads.LeadSource", "leads.LeadStatus")
    )
    cache.extra["status_kinds"] = dict(LeadStatus.objects.values_list("pk", "kind"))
    default = default_status()
    cache.extra["default_status_id"] = default.pk if default else None
    return cache


def lead_prepare(*, actor: Any, data: dict, cache: PrepareCache) -> tuple[dict, Collector]:
    """Clean and validate one lead exactly as `lead_create` does, without saving: the state
    for `leads_bulk_create` and the collected errors and warnings."""
    data = dict(data)
    extra = _created_extra(data.get("status_id"), cache.extra["status_kinds"])

    def validate(state: dict, instance: Lead | None, out: Collector) -> None:
        if state.get("status_id") is None and cache.extra["default_status_id"] is not None:
            state["status_id"] = cache.extra["default_status_id"]
        _validate(state, instance, out)

    return prepare_create(
        actor=actor, record_type="lead", data=data, validate=validate, extra=extra, cache=cache
    )


def _status_history(actor: Any, lead: Lead, old_id: int | None, new: LeadStatus) -> None:
    old_name = LeadStatus.objects.filter(pk=old_id).values_list("name", flat=True).first()
    history_event(
        actor=actor,
        record_type="lead",
        record_id=lead.pk,
        kind=HistoryEvent.Kind.STATUS_CHANGED,
        field="status_id",
        old=old_id,
        new=new.pk,
        data={
            "old_label": old_name,
            "new_label": new.name,
            "version": lead.version,
            **({"lost_reason": lead.lost_reason.name} if lead.lost_reason_id else {}),
        },
    )


def _refuse_if_converted(lead: Lead, fields: set[str]) -> None:
    if lead.is_converted and not fields <= EDITABLE_WHEN_CONVERTED:
        raise Conflict(
            _("This lead is converted: only its notes and activities can change."),
            code="lead_converted",
            errors=[
                FieldIssue(f, _("Read-only on a converted lead."))
                for f in sorted(fields)
                if f not in EDITABLE_WHEN_CONVERTED
            ],
        )


def _load_status(status_id: Any) -> LeadStatus:

    try:
        return LeadStatus.objects.get(pk=int(status_id))
    except (LeadStatus.DoesNotExist, TypeError, ValueError):
        raise field_error("status_id", _("No such status.")) from None


def lead_update(*, actor: Any, pk: int, data: dict, version: int | None = None) -> Saved:
    """Change a lead's fields; a changed status goes through the status-change path.

    The lead is locked and checked (right, version) once here, and `record_update` works on
    that row; every refusal (a converted lead, a status that needs a conversion plan, a
    value) comes before anything is written."""
    data = dict(data)
    with transaction.atomic():
        lead = lock_checked(actor=actor, record_type="lead", pk=pk, version=version)
        old_status_id = lead.status_id
        new_status_id = data.pop("status_id", None)
        status = None
        if new_status_id is not None and int(new_status_id) != lead.status_id:
            status = _load_status(new_status_id)
        converts = False  # whether the new status converts the lead (`refuse` finds out)

        def refuse(changes: list) -> None:
            # After the values are checked (a wrong field is reported first), before any write.
            nonlocal converts
            changed = {name.split(".")[0] for name, _old, _new in changes}
            _refuse_if_converted(lead, changed | ({"status_id"} if status else set()))
            converts = status is not None and converts_on_status(lead, status)

        saved = record_update(
            actor=actor,
            record_type="lead",
            pk=pk,
            data=data,
            validate=_validate_update,
            locked=lead,
            guard=refuse,
        )
        if status is not None:
            if converts:
                convert_by_default_plan(actor, saved.obj, status)
            else:
                _apply_status(actor, saved.obj, status, bump=not saved.changes)
            saved.changes.append(("status_id", old_status_id, status.pk))
    return saved


def _validate_update(state: dict, instance: Lead | None, out: Collector) -> None:
    if not any(state.get(name) for name in IDENTITY_FIELDS):
        out.add(
            "last_name",
            _("Enter at least a first or last name, a company name, an e-mail or a phone."),
        )


def _apply_status(
    actor: Any,
    lead: Lead,
    status: LeadStatus,
    *,
    bump: bool = True,
    lost_reason: LostReason | None = None,
) -> None:
    old_id = lead.status_id
    same = old_id == status.pk
    lead.status = status
    # The reason belongs to the lost status: kept while the lead stays lost, cleared after.
    if status.kind != LeadStatus.Kind.LOST:
        lead.lost_reason = None
    elif lost_reason is not None:
        lead.lost_reason = lost_reason
    if bump:
        lead.version += 1
    lead.save(update_fields=["status", "lost_reason", "version", "updated_at"])
    _status_history(actor, lead, old_id, status)
    if not same:
        # Webhooks and the new status's task templates, in this transaction (core/events).
        publish(
            "lead.status_changed", "lead", lead, actor=actor, extra={"previous_status_id": old_id}
        )


def lead_change_status(
    *,
    actor: Any,
    pk: int,
    status_id: Any,
    version: int | None = None,
    lost_reason_id: Any = None,
) -> Lead:
    """The one path for every status change (API, list, board, mass action, import).

    Later automations (task templates, conversion on status) hook in here, so they see
    every change whichever way it came. `lost_reason_id` goes with a status of kind lost
    (the board's Lost zone); it may also be given for a lead already in that status.
    """
    with transaction.atomic():
        lead = lock_checked(actor=actor, record_type="lead", pk=pk, version=version)
        status = _load_status(status_id)
        reason = _load_lost_reason(lost_reason_id, status)
        if status.pk == lead.status_id:
            if reason is not None and reason.pk != lead.lost_reason_id:
                _refuse_if_converted(lead, {"lost_reason_id"})
                _apply_status(actor, lead, status, lost_reason=reason)
            return lead
        _refuse_if_converted(lead, {"status_id"})
        if converts_on_status(lead, status):
            convert_by_default_plan(actor, lead, status)
            lead.refresh_from_db()
        else:
            _apply_status(actor, lead, status, lost_reason=reason)
    return lead


def _load_lost_reason(reason_id: Any, status: LeadStatus) -> LostReason | None:
    if reason_id in (None, ""):
        return None
    if status.kind != LeadStatus.Kind.LOST:
        raise field_error("lost_reason_id", _("A lost reason goes with a status of kind lost."))
    try:
        return LostReason.objects.get(pk=int(reason_id), active=True)
    except (LostReason.DoesNotExist, TypeError, ValueError):
        raise field_error("lost_reason_id", _("No such lost reason.")) from None


def lost_status() -> LeadStatus | None:
    """The status the board's Lost zone moves a lead to: the first of kind lost."""
    return LeadStatus.objects.filter(kind=LeadStatus.Kind.LOST).order_by("order", "id").first()


# Far behind every placed card: leads of a column that were never placed, after a reorder.
UNPLACED_POSITION = 2**30


def lead_board_reorder(*, actor: Any, status_id: int, ordered_ids: list[int]) -> int:
    """Store the manual order of a board column: `ordered_ids` (the cards the user sees, top
    to bottom) take positions 0..n-1; the column's other leads keep their relative order
    behind them. Board positions are presentation only: no history, no version bump.

    Returns how many of `ordered_ids` were placed (leads the actor cannot see or that are
    not in the status are skipped: the board may be stale).
    """
    access.check(actor, "lead", "update")
    ids = list(dict.fromkeys(int(i) for i in ordered_ids))
    with transaction.atomic():
        column = Lead.objects.alive().filter(status_id=status_id)
        visible = set(
            access.restrict(column, actor, "lead", "view")
            .filter(pk__in=ids)
            .select_for_update()
            .values_list("pk", flat=True)
        )
        placed = [pk for pk in ids if pk in visible]
        n = len(placed)
        rest = column.exclude(pk__in=placed)
        rest.filter(board_position__lt=n).update(
            board_position=Greatest(F("board_position"), Value(n))
        )
        rest.filter(board_position__isnull=True).update(board_position=UNPLACED_POSITION)
        if placed:
            Lead.objects.filter(pk__in=placed).update(
                board_position=Case(
                    *(When(pk=pk, then=Value(i)) for i, pk in enumerate(placed)),
                    output_field=IntegerField(),
                )
            )
    return n


def lead_delete(*, actor: Any, pk: int, version: int | None = None) -> Saved:
    return record_delete(actor=actor, record_type="lead", pk=pk, version=version)


# Lists an administrator edits ---------------------------------------------------------------


def _admin(actor: Any) -> None:
    access.require_admin(actor)


def status_save(*, actor: Any, status: LeadStatus | None = None, data: dict) -> LeadStatus:

    _admin(actor)
    status = status or LeadStatus()
    for key in ("name", "order", "color", "kind", "on_board"):
        if key in data and data[key] is not None:
            setattr(status, key, data[key])
    if not (status.name or "").strip():
        raise field_error("name", _("This field is required."))
    if status.kind not in LeadStatus.Kind.values:
        raise field_error("kind", _("Must be one of: open, converted, lost."))
    with transaction.atomic():
        status.save()
    return status


def source_save(*, actor: Any, source: LeadSource | None = None, data: dict) -> LeadSource:
    return _list_item_save(
        actor, source or LeadSource(), data, _("A source with this name exists already.")
    )


def lost_reason_save(*, actor: Any, reason: LostReason | None = None, data: dict) -> LostReason:
    """Add or edit a lost reason (Settings); a reason in use is deactivated, not deleted."""
    return _list_item_save(
        actor, reason or LostReason(), data, _("A lost reason with this name exists already.")
    )


def _list_item_save(actor: Any, item: Any, data: dict, exists: str) -> Any:
    """A source or a lost reason (leads.models.ListItem): a name, unique, of 100 characters."""
    _admin(actor)
    for key in ("name", "order", "active"):
        if key in data and data[key] is not None:
            setattr(item, key, data[key])
    item.name = (item.name or "").strip()
    if not item.name:
        raise field_error("name", _("This field is required."))
    if len(item.name) > 100:
        raise field_error("name", _("At most 100 characters."))
    if type(item).objects.filter(name=item.name).exclude(pk=item.pk).exists():
        raise field_error("name", exists, code="exists")
    with transaction.atomic():
        item.save()
    return item


def statuses_reorder(*, actor: Any, ordered_ids: list[int]) -> None:
    """Put the lead statuses in the given order (the Settings page's drag and drop)."""
    _admin(actor)
    with transaction.atomic():
        statuses = {s.pk: s for s in LeadStatus.objects.select_for_update()}
        ids = [i for i in dict.fromkeys(ordered_ids) if i in statuses]
        rest = [pk for pk in sorted(statuses, key=lambda p: statuses[p].order) if pk not in ids]
        for order, pk in enumerate(ids + rest):
            if statuses[pk].order != order:
                statuses[pk].order = order
                statuses[pk].save(update_fields=["order"])
