"""Lead conversion: one service for the API, the web UI, status changes and mass actions.

A plan says, for the client, the contact and the deal, whether to make a new one, use an
existing one or make none. Everything happens in one transaction with the lead row locked:
either every target, link, custom field and history event is written, or nothing is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import gettext as _

from leadbridge.activities.models import ActivityLink, AttachmentLink
from leadbridge.activities.services import activity_create
from leadbridge.clients.models import Contact
from leadbridge.clients.services import make_contact_validator, validate_client
from leadbridge.core import labels
from leadbridge.core.errors import Collector, Conflict, DomainError, FieldIssue, ValidationFailed
from leadbridge.core.events import publish
from leadbridge.core.record_services import (
    check_version,
    clean_input,
    fetch,
    lock,
    prepare_create,
    record_update,
    save_new,
    snapshot,
)
from leadbridge.core.registry import model_for
from leadbridge.core.runtime_settings import get_setting
from leadbridge.core.specs import SPECS
from leadbridge.customfields.models import CustomFieldDefinition
from leadbridge.customfields.services import clean_custom_value
from leadbridge.deals.models import Deal, Pipeline, Stage
from leadbridge.deals.services import make_deal_validator
from leadbridge.duplicates.checks import find_matches, lock_keys_of
from leadbridge.duplicates.intake import link_note
from leadbridge.duplicates.policy import CONVERSION, USE_MATCH, OnDuplicate, parse
from leadbridge.history.models import HistoryEvent
from leadbridge.history.services import history_changes, history_event, json_value
from leadbridge.people import access

from . import conversion_mapping as mapping
from .models import ConversionLink, Lead, LeadStatus

MODES = ("new", "existing", "none")
TARGETS = ("client", "contact", "deal")


@dataclass
class TargetPlan:
    mode: str = "new"
    id: int | None = None
    fields: dict = field(default_factory=dict)
    overwrite: list[str] = field(default_factory=list)
    owner_id: int | None = None
    team_id: int | None = None
    pipeline_id: int | None = None
    stage_id: int | None = None
    # Set when `on_duplicate` made a matched record the target (see `_use_matches`): how
    # its values change (skip and link: not at all; fill: empty fields; overwrite: all), and
    # for link the values the note on it shows.
    on_match: OnDuplicate | None = None
    link_values: dict | None = None


@dataclass
class Plan:
    client: TargetPlan | None = None
    contact: TargetPlan | None = None
    deal: TargetPlan | None = None
    create_missing_fields: bool = False
    on_duplicate: OnDuplicate = OnDuplicate.ALLOW
    version: int | None = None
    status_id: int | None = None


def plan_from_dict(data: dict | None) -> Plan:
    """Build a plan from a request body, reporting every bad part with its path."""
    data = data or {}
    out = Collector()
    plan = Plan(
        create_missing_fields=bool(data.get("create_missing_fields", False)),
        version=data.get("version"),
        status_id=data.get("status_id"),
    )
    try:
        plan.on_duplicate = parse(data.get("on_duplicate") or "allow", allowed=CONVERSION)
    except DomainError as exc:
        out.errors.extend(exc.errors)
    for name in TARGETS:
        part = data.get(name)
        if part is None:
            continue
        if not isinstance(part, dict):
            out.add(name, _("Must be an object."))
            continue
        target = TargetPlan(
            mode=part.get("mode") or "new",
            id=part.get("id"),
            fields=dict(part.get("fields") or {}),
            overwrite=list(part.get("overwrite") or []),
            owner_id=part.get("owner_id"),
            team_id=part.get("team_id"),
            pipeline_id=part.get("pipeline_id"),
            stage_id=part.get("stage_id"),
        )
        if target.mode not in MODES:
            out.add(f"{name}.mode", _("Must be one of: new, existing, none."))
        elif target.mode == "existing" and not target.id:
            out.add(f"{name}.id", _("Choose the existing record."))
        setattr(plan, name, target)
    out.raise_if_any()
    return plan


# Planning -----------------------------------------------------------------------------------


@dataclass
class TargetWork:
    """What the conversion will do with one target type."""

    record_type: str
    mode: str
    obj: Any = None  # the existing record
    state: dict | None = None  # values of a new record
    changes: dict = field(default_factory=dict)  # values written into an existing record
    conflicts: list[dict] = field(default_factory=list)
    missing_defs: list[dict] = field(default_factory=list)
    missing_values: dict = field(default_factory=dict)
    duplicates: list[dict] = field(default_factory=list)
    reused: bool = False
    submitted: dict = field(default_factory=dict)  # a new record's values, as planned


@dataclass
class Work:
    lead: Lead
    plan: Plan
    targets: dict[str, TargetWork]
    errors: Collector
    open_deals: list[dict] = field(default_factory=list)
    # The plan is for the conversion itself, not a preview: the duplicate checks hold the
    # values' key locks until it commits (duplicates/intake.py: check and create together).
    for_write: bool = False

    @property
    def duplicates(self) -> list[dict]:
        return [d for t in self.targets.values() for d in t.duplicates]


def previous_targets(lead_id: int) -> dict[str, int]:
    """The live client and contact made from (or assigned to) this lead before, newest first."""
    found: dict[str, int] = {}
    for link in ConversionLink.objects.filter(lead_id=lead_id).order_by("-id"):
        if link.target_type in found or link.target_type not in ("client", "contact"):
            continue
        model = model_for(link.target_type)
        if model.objects.alive().filter(pk=link.target_id).exists():
            found[link.target_type] = link.target_id
    return found


def resolve_defaults(lead: Lead, plan: Plan) -> Plan:
    """Fill the parts the plan leaves out: a re-conversion reuses the client and contact
    already made from the lead (the Slovak seed's "deal later"); otherwise new client and
    new contact, no deal."""
    previous = previous_targets(lead.pk)
    for name in ("client", "contact"):
        if getattr(plan, name) is None:
            if name in previous:
                setattr(plan, name, TargetPlan(mode="existing", id=previous[name]))
            else:
                setattr(plan, name, TargetPlan(mode="new"))
    if plan.deal is None:
        plan.deal = TargetPlan(mode="none")
    return plan


def _defs(record_type: str) -> dict[str, dict]:
    return {
        d["key"]: d
        for d in CustomFieldDefinition.objects.filter(record_type=record_type).values(
            "key", "label", "type", "choices", "required"
        )
    }


def _visible(actor: Any, record_type: str, pk: Any) -> Any:
    model = model_for(record_type)
    qs = access.restrict(model.objects.alive(), actor, record_type, "view")
    try:
        return qs.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def _lead_data(lead: Lead) -> dict:
    data = snapshot(lead, SPECS["lead"])
    data["id"] = lead.pk
    return data


def _plan_target(
    actor: Any,
    work: Work,
    name: str,
    target: TargetPlan,
    mapped: dict,
    validator: Any,
    lead_defs: dict,
) -> TargetWork:
    out = work.errors
    lead = work.lead
    tw = TargetWork(record_type=name, mode=target.mode)
    if target.mode == "none":
        return tw
    carried, missing = mapping.split_custom_fields(lead.custom_fields or {}, _defs(name), lead_defs)
    tw.missing_defs = missing
    tw.missing_values = {
        d["key"]: lead.custom_fields[d["key"]] for d in missing if d["key"] in lead.custom_fields
    }
    if target.mode == "new":
        data = dict(mapped)
        if carried:
            data["custom_fields"] = carried
        data.update({k: v for k, v in target.fields.items() if k != "custom_fields"})
        if isinstance(target.fields.get("custom_fields"), dict):
            data["custom_fields"] = {**carried, **target.fields["custom_fields"]}
        data["owner_id"] = target.owner_id if target.owner_id is not None else lead.owner_id
        data["team_id"] = target.team_id if target.team_id is not None else lead.team_id
        if data["owner_id"] is None:
            data.pop("owner_id")
        if data["team_id"] is None:
            data.pop("team_id")
        tw.submitted = data
        state, collected = prepare_create(
            actor=actor, record_type=name, data=data, validate=validator, prefix=f"{name}."
        )
        out.errors.extend(collected.errors)
        out.warnings.extend(collected.warnings)
        tw.state = state
        if name in ("client", "contact"):
            if work.for_write:
                lock_keys_of(state)
            # Only records the user may see are named: a match must not reveal the others.
            tw.duplicates = find_matches(
                actor=actor, record_type=name, values=state, targets=(name,)
            )
        return tw
    # existing
    obj = _visible(actor, name, target.id)
    if obj is None:
        out.add(f"{name}.id", _("No such %(name)s.") % {"name": labels.record_type(name)})
        return tw
    tw.obj = obj
    current = snapshot(obj, SPECS[name])
    mapped = {k: v for k, v in mapped.items() if k in current}
    mapped.update({k: v for k, v in target.fields.items() if k != "custom_fields"})
    overwrite = set(target.overwrite) | set(target.fields)
    if target.on_match == OnDuplicate.OVERWRITE:
        overwrite |= set(mapped)
    changes, conflicts = mapping.merge_into_existing(current, mapped, overwrite)
    custom_now = dict(current.get("custom_fields") or {})
    custom_new = {k: v for k, v in carried.items() if mapping.is_empty(custom_now.get(k))}
    if target.on_match == OnDuplicate.OVERWRITE:
        custom_new = dict(carried)
    if custom_new:
        changes["custom_fields"] = custom_new
    if target.on_match in (OnDuplicate.SKIP, OnDuplicate.LINK):
        changes = {}  # the match is used as it is
    tw.changes = changes
    tw.conflicts = conflicts
    bad = [f for f in target.overwrite if f not in SPECS[name].names]
    for f in bad:
        out.add(f"{name}.overwrite", _("Unknown field: %(f)s.") % {"f": f})
    if (target.overwrite or target.on_match == OnDuplicate.OVERWRITE) and not access.in_scope(
        actor, name, "update", owner_id=obj.owner_id, team_id=obj.team_id
    ):
        raise DomainError(
            _("Overwriting fields of this %(name)s needs the update right on it.")
            % {"name": labels.record_type(name)},
            code="forbidden",
            status=403,
            errors=[FieldIssue(f"{name}.overwrite", _("You may not change this record."))],
        )
    clean_input(
        SPECS[name],
        {k: v for k, v in changes.items() if k != "custom_fields"},
        actor=actor,
        instance=obj,
        out=_Prefixed(out, f"{name}."),
    )
    return tw


class _Prefixed(Collector):
    """A collector that adds a path prefix and forwards to another collector."""

    def __init__(self, target: Collector, prefix: str):
        super().__init__()
        self.target, self.prefix = target, prefix

    def add(self, field: str, message: str) -> None:
        self.target.add(self.prefix + field, message)

    def warn(self, field: str, message: str) -> None:
        self.target.warn(self.prefix + field, message)


def _check_pipeline(work: Work, target: TargetPlan) -> None:
    out = work.errors
    if target.pipeline_id is None and target.stage_id is None:
        if Pipeline.objects.count() > 1:
            out.add("deal.pipeline_id", _("Choose the pipeline for the deal."))
    if (
        target.pipeline_id is not None
        and not Pipeline.objects.filter(pk=target.pipeline_id).exists()
    ):
        out.add("deal.pipeline_id", _("No such pipeline."))


def plan_work(actor: Any, lead: Lead, plan: Plan, *, for_write: bool = False) -> Work:
    """Everything the conversion would write, with every problem found, writing nothing.
    `for_write`: in the conversion's transaction (the checks take the key locks)."""
    plan = resolve_defaults(lead, plan)
    work = Work(lead=lead, plan=plan, targets={}, errors=Collector(), for_write=for_write)
    lead_data = _lead_data(lead)
    lead_defs = _defs("lead")
    assert plan.client and plan.contact and plan.deal
    with_contact = plan.contact.mode != "none"
    work.targets["client"] = _plan_target(
        actor,
        work,
        "client",
        plan.client,
        mapping.client_values(lead_data, with_contact=with_contact),
        validate_client,
        lead_defs,
    )
    work.targets["contact"] = _plan_target(
        actor,
        work,
        "contact",
        plan.contact,
        mapping.contact_values(lead_data),
        make_contact_validator(actor),
        lead_defs,
    )
    client_tw, contact_tw = work.targets["client"], work.targets["contact"]
    if (
        contact_tw.obj is not None
        and client_tw.obj is not None
        and contact_tw.obj.client_id not in (None, client_tw.obj.pk)
    ):
        work.errors.add("contact.id", _("This contact belongs to another client."))
    deal_plan = plan.deal
    deal_mapped = mapping.deal_values(lead_data)
    parties = _previous_parties(actor, work) if deal_plan.mode != "none" else {}
    if deal_plan.mode == "new":
        deal_mapped.update(parties)
        _check_pipeline(work, deal_plan)
        if deal_plan.pipeline_id is not None:
            deal_mapped["pipeline_id"] = deal_plan.pipeline_id
        if deal_plan.stage_id is not None:
            deal_mapped["stage_id"] = deal_plan.stage_id
    work.targets["deal"] = _plan_target(
        actor, work, "deal", deal_plan, deal_mapped, make_deal_validator(actor), lead_defs
    )
    work.open_deals = _open_deals(actor, work, parties.get("client_id"))
    if plan.status_id is not None:
        status = LeadStatus.objects.filter(pk=plan.status_id).first()
        if status is None or status.kind != LeadStatus.Kind.CONVERTED:
            work.errors.add("status_id", _("Choose a status of kind converted."))
    return work


def _previous_parties(actor: Any, work: Work) -> dict[str, int]:
    """A later deal of a converted lead belongs to the client and contact person the lead was
    converted into, unless the plan names others: a client or contact left out ("just a
    deal", mode none) is the one made before. The contact only when it belongs to the
    deal's client (or to none). A record the actor may not see is not used."""
    plan, previous = work.plan, previous_targets(work.lead.pk)
    assert plan.client and plan.contact
    out: dict[str, int] = {}
    client_id = work.targets["client"].obj.pk if work.targets["client"].obj else None
    if plan.client.mode == "none" and "client" in previous:
        if _visible(actor, "client", previous["client"]) is not None:
            client_id = out["client_id"] = previous["client"]
    if plan.contact.mode == "none" and "contact" in previous and plan.client.mode != "new":
        contact = _visible(actor, "contact", previous["contact"])
        if contact is not None and contact.client_id in (None, client_id):
            out["contact_id"] = contact.pk
    return out


def _open_deals(actor: Any, work: Work, previous_client_id: int | None = None) -> list[dict]:
    """Open deals of the chosen client (else of the one made from the lead before) or with
    the lead's e-mail: Odoo's "merge with an existing opportunity" is `deal.mode: existing`
    with one of these."""
    client = work.targets["client"].obj
    if client is None and previous_client_id is not None:
        client = _visible(actor, "client", previous_client_id)
    qs = access.restrict(Deal.objects.alive(), actor, "deal", "view").filter(
        stage__kind=Stage.Kind.OPEN
    )

    q = Q(pk__in=[])
    if client is not None:
        q |= Q(client_id=client.pk)
    if work.lead.email_normalized:
        q |= Q(contact__email_normalized=work.lead.email_normalized)
        q |= Q(client__email_normalized=work.lead.email_normalized)
    return [
        {
            "record_type": "deal",
            "id": d.pk,
            "display_name": d.title,
            "score": 1.0,
            "reasons": [
                "open deal of this client"
                if client and d.client_id == client.pk
                else "open deal with the same e-mail"
            ],
        }
        for d in qs.filter(q).order_by("-created_at")[:10]
    ]


# Preview and conversion ---------------------------------------------------------------------


def _begin(
    actor: Any, lead_id: int, plan: Plan, *, for_preview: bool, locked: Lead | None = None
) -> Lead:
    # Only the conversion locks the lead: a preview (each render of the wizard) reads it as
    # it is, so it neither waits for nor holds up an edit of the lead. `locked`: the lead as
    # the caller's status change locked it in this transaction (not locked a second time).
    if locked is not None:
        lead = locked
    else:
        lead = fetch("lead", lead_id) if for_preview else lock("lead", lead_id)
    access.check(actor, "lead", "convert", lead)
    if lead.is_converted and not for_preview:
        if not get_setting("conversion.reconvert"):
            raise Conflict(
                _("This lead is converted already and re-conversion is off."),
                code="already_converted",
            )
        if plan.version is None:
            raise ValidationFailed(
                _("This lead was converted before: send its current version to convert again."),
                code="version_required",
                errors=[FieldIssue("version", _("Required for a lead converted before."))],
            )
    if not for_preview:
        check_version(lead, plan.version)
    return lead


def _custom_fields_to_create(work: Work) -> list[dict]:
    seen = set()
    items = []
    for name, tw in work.targets.items():
        for d in tw.missing_defs:
            if (name, d["key"]) not in seen:
                seen.add((name, d["key"]))
                items.append({"record_type": name, **d})
    return items


def lead_convert_preview(*, actor: Any, lead_id: int, plan: Plan) -> dict:
    """What a conversion with this plan would do; writes nothing."""
    with transaction.atomic():
        lead = _begin(actor, lead_id, plan, for_preview=True)
        work = plan_work(actor, lead, plan)
        result = {
            "lead_id": lead.pk,
            "is_converted": lead.is_converted,
            "version": lead.version,
            "missing_fields": [e.as_dict() for e in work.errors.errors],
            "warnings": [w.as_dict() for w in work.errors.warnings],
            "custom_fields_to_create": _custom_fields_to_create(work),
            "duplicates": work.duplicates,
            "open_deals": work.open_deals,
        }
        for name, tw in work.targets.items():
            result[name] = {
                "mode": tw.mode,
                "id": tw.obj.pk if tw.obj is not None else None,
                "values": _public(tw.state if tw.mode == "new" else tw.changes),
                "conflicts": tw.conflicts,
            }
        transaction.set_rollback(True)
    return result


def _public(values: dict | None) -> dict:

    return json_value(dict(values or {}))


def lead_convert(*, actor: Any, lead_id: int, plan: Plan, locked: Lead | None = None) -> dict:
    """Convert a lead by the plan, all or nothing. `locked`: see `_begin`."""
    with transaction.atomic():
        lead = _begin(actor, lead_id, plan, for_preview=False, locked=locked)
        work = plan_work(actor, lead, plan, for_write=True)
        if plan.on_duplicate in USE_MATCH and _use_matches(plan, work):
            work = plan_work(actor, lead, plan, for_write=True)
        if work.errors.errors:
            raise ValidationFailed(
                _("Some values the targets need are missing or not valid."),
                code="missing_fields",
                errors=list(work.errors.errors),
            )
        if plan.on_duplicate == OnDuplicate.REJECT and work.duplicates:
            raise Conflict(
                _("Records with the same e-mail, phone or company id exist already."),
                code="duplicate",
                extra={"duplicates": work.duplicates},
            )
        return _write(actor, work)


def _use_matches(plan: Plan, work: Work) -> bool:
    """skip / fill / overwrite / link: a new client or contact that matches an existing one
    of its type becomes that one (mode existing, the lead's history linked to it), changed
    as `on_duplicate` says (duplicates/intake.py): skip and link leave its values as they
    are (link adds the values the new record would have had as a note), fill fills its
    empty fields, overwrite gives it the lead's values. True if the plan changed."""
    changed = False
    for name in ("client", "contact"):
        target = getattr(plan, name)
        tw = work.targets.get(name)
        if target is None or target.mode != "new" or tw is None:
            continue
        same = [d for d in tw.duplicates if d["record_type"] == name]
        if same:
            target.mode, target.id = "existing", same[0]["id"]
            target.on_match = plan.on_duplicate
            if plan.on_duplicate == OnDuplicate.LINK:
                target.link_values = dict(tw.submitted)
            changed = True
    return changed


def _create_missing_defs(work: Work) -> list[str]:
    created: list[str] = []
    if not work.plan.create_missing_fields:
        return created
    for name, tw in work.targets.items():
        for d in tw.missing_defs:
            definition, made = CustomFieldDefinition.objects.get_or_create(
                record_type=name,
                key=d["key"],
                defaults={"label": d["label"], "type": d["type"], "choices": d["choices"]},
            )
            if made:
                created.append(d["key"])
            value = tw.missing_values.get(d["key"])
            try:
                cleaned = clean_custom_value(definition, value)
            except ValueError:
                cleaned = None
            if cleaned is None:
                continue
            if tw.state is not None:
                tw.state["custom_fields"] = {**tw.state.get("custom_fields", {}), d["key"]: cleaned}
            elif tw.obj is not None:
                tw.changes["custom_fields"] = {
                    **tw.changes.get("custom_fields", {}),
                    d["key"]: cleaned,
                }
    return sorted(set(created))


def _apply_existing(actor: Any, tw: TargetWork, extra: dict) -> None:
    data = {k: v for k, v in tw.changes.items() if k != "custom_fields"}
    data.update(extra)
    if "custom_fields" in tw.changes:
        data["custom_fields"] = tw.changes["custom_fields"]
    if data:
        record_update(
            actor=actor,
            record_type=tw.record_type,
            pk=tw.obj.pk,
            data=data,
            check_access=False,
        )


def _write(actor: Any, work: Work) -> dict:
    lead = work.lead
    created_fields = _create_missing_defs(work)
    ids: dict[str, int | None] = {"client": None, "contact": None, "deal": None}
    made: dict[str, bool] = {}
    origin = {"converted_from_lead": lead.pk}

    def place(name: str, extra: dict) -> None:
        tw = work.targets[name]
        if tw.mode == "new":
            assert tw.state is not None
            state = {**tw.state, **extra}
            obj = save_new(actor=actor, record_type=name, state=state, history_data=origin)
            ids[name], made[name] = obj.pk, True
        elif tw.mode == "existing":
            fill = {k: v for k, v in extra.items() if getattr(tw.obj, k) is None}
            _apply_existing(actor, tw, fill)
            ids[name], made[name] = tw.obj.pk, False
            target = getattr(work.plan, name)
            if target is not None and target.link_values is not None:
                note = link_note(
                    target.link_values,
                    source=_("conversion of lead #%(id)s") % {"id": lead.pk},
                )
                activity_create(actor=actor, record_type=name, record_id=tw.obj.pk, data=note)

    place("client", {})
    place("contact", {"client_id": ids["client"]} if ids["client"] else {})
    deal_extra = {}
    if ids["client"]:
        deal_extra["client_id"] = ids["client"]
    if ids["contact"]:
        deal_extra["contact_id"] = ids["contact"]
    place("deal", deal_extra)
    if ids["client"]:
        _move_lead_contacts(actor, lead, ids["client"])
    targets = [(name, pk) for name, pk in ids.items() if pk is not None]
    _link_everything(actor, lead, targets)
    _mark_converted(actor, lead, work.plan.status_id, targets, created_fields)
    return {
        "lead_id": lead.pk,
        "client_id": ids["client"],
        "contact_id": ids["contact"],
        "deal_id": ids["deal"],
        "created": {name: made[name] for name in made},
        "created_fields": created_fields,
        "duplicates": work.duplicates,
        "warnings": [w.as_dict() for w in work.errors.warnings],
    }


def _move_lead_contacts(actor: Any, lead: Lead, client_id: int) -> None:
    """Contact persons on the lead card become contacts of the client."""
    for contact in Contact.objects.alive().filter(lead_id=lead.pk, client_id__isnull=True):
        contact.client_id = client_id
        contact.version += 1
        contact.save(update_fields=["client", "version", "updated_at"])
        history_changes(
            actor=actor,
            record_type="contact",
            record_id=contact.pk,
            changes=[("client_id", None, client_id)],
        )


def _link_everything(actor: Any, lead: Lead, targets: list[tuple[str, int]]) -> None:
    """Conversion links, and the lead's activities and files linked (not copied) to each
    target, in a constant number of queries whatever their count."""
    # A re-conversion reuses the client and contact made before: link each target once.
    known = set(
        ConversionLink.objects.filter(lead_id=lead.pk).values_list("target_type", "target_id")
    )
    ConversionLink.objects.bulk_create(
        [
            ConversionLink(
                lead_id=lead.pk,
                target_type=name,
                target_id=pk,
                created_by_id=getattr(actor, "pk", None),
            )
            for name, pk in targets
            if (name, pk) not in known
        ]
    )
    _copy_links(ActivityLink, "activity_id", lead.pk, targets)
    _copy_links(AttachmentLink, "attachment_id", lead.pk, targets)
    for model, key in LINKED:
        _copy_links(model, key, lead.pk, [t for t in targets if t[0] in ("client", "deal")])


# Other apps' link tables (record_type, record_id and one key) whose lead rows a conversion
# copies to the client and deal as it does activities' (documents: `register_linked` from
# their `apps.ready`, so this module imports none of them).
LINKED: list[tuple[Any, str]] = []


def register_linked(model: Any, key: str) -> None:
    if (model, key) not in LINKED:
        LINKED.append((model, key))


def _copy_links(model: Any, key: str, lead_id: int, targets: list[tuple[str, int]]) -> None:
    """Link everything linked to the lead to each target as well, skipping links that exist:
    one INSERT … SELECT in the database, so neither the statements nor the Python work grow
    with the number of activities or files (bulk_create fetched every id, built a row object
    per link and, on SQLite, split the rows into batches of 999 parameters)."""
    if not targets:
        return
    ops, qn = connection.ops, connection.ops.quote_name
    table = qn(model._meta.db_table)
    id_type = model._meta.get_field("record_id").db_type(connection)
    rows = ", ".join([f"(%s, CAST(%s AS {id_type}))"] * len(targets))
    sql = (
        f"{ops.insert_statement(on_conflict=OnConflict.IGNORE)} {table} "
        f"({qn(key)}, {qn('record_type')}, {qn('record_id')}, {qn('created_at')}) "
        f"SELECT l.{qn(key)}, t.column1, t.column2, %s "
        f"FROM {table} l CROSS JOIN (VALUES {rows}) t "
        f"WHERE l.{qn('record_type')} = %s AND l.{qn('record_id')} = %s "
        f"{ops.on_conflict_suffix_sql([], OnConflict.IGNORE, [], [])}"
    )
    params = [ops.adapt_datetimefield_value(timezone.now())]
    params += [value for target in targets for value in target]
    params += ["lead", lead_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def converted_status(status_id: int | None) -> LeadStatus:
    qs = LeadStatus.objects.filter(kind=LeadStatus.Kind.CONVERTED)
    status = qs.filter(pk=status_id).first() if status_id else None
    status = status or qs.order_by("order", "id").first()
    if status is None:
        raise ValidationFailed(
            _("No lead status of kind converted exists; an administrator must add one."),
            errors=[FieldIssue("status_id", _("No converted status exists."))],
        )
    return status


def _mark_converted(
    actor: Any,
    lead: Lead,
    status_id: int | None,
    targets: list[tuple[str, int]],
    created_fields: list[str],
) -> None:
    if status_id is None and lead.is_converted and lead.status.kind == LeadStatus.Kind.CONVERTED:
        status = lead.status  # a re-conversion keeps the converted status the lead has
    else:
        status = converted_status(status_id)
    old_status_id = lead.status_id
    lead.status = status
    lead.is_converted = True
    lead.converted_at = lead.converted_at or timezone.now()
    lead.version += 1
    lead.save(update_fields=["status", "is_converted", "converted_at", "version", "updated_at"])
    summary = {name: pk for name, pk in targets}
    history_event(
        actor=actor,
        record_type="lead",
        record_id=lead.pk,
        kind=HistoryEvent.Kind.CONVERTED,
        data={"targets": summary, "created_fields": created_fields},
    )
    if old_status_id != status.pk:
        history_event(
            actor=actor,
            record_type="lead",
            record_id=lead.pk,
            kind=HistoryEvent.Kind.STATUS_CHANGED,
            field="status_id",
            old=old_status_id,
            new=status.pk,
            data={"new_label": status.name},
        )
    for name, pk in targets:
        history_event(
            actor=actor,
            record_type=name,
            record_id=pk,
            kind=HistoryEvent.Kind.CONVERTED_FROM,
            data={"lead_id": lead.pk, "lead": lead.display_name},
        )
    publish("lead.converted", "lead", lead, actor=actor)
    if old_status_id != status.pk:
        publish(
            "lead.status_changed",
            "lead",
            lead,
            actor=actor,
            extra={"previous_status_id": old_status_id},
        )


def lead_assign(
    *,
    actor: Any,
    lead_id: int,
    contact_id: int | None = None,
    client_id: int | None = None,
    version: int | None = None,
) -> dict:
    """Link a lead to an existing contact or client (many leads each, the Lithuanian seed),
    move its activities there and mark it converted."""
    if (contact_id is None) == (client_id is None):
        raise ValidationFailed(
            _("Give either a contact or a client."),
            errors=[FieldIssue("contact_id", _("Give either contact_id or client_id."))],
        )
    plan = Plan(version=version)
    with transaction.atomic():
        lead = _begin(actor, lead_id, plan, for_preview=False)
        name, pk = ("contact", contact_id) if contact_id is not None else ("client", client_id)
        target = _visible(actor, name, pk)
        if target is None:
            raise ValidationFailed(
                _("No such %(name)s.") % {"name": labels.record_type(name)},
                errors=[
                    FieldIssue(
                        f"{name}_id", _("No such %(name)s.") % {"name": labels.record_type(name)}
                    )
                ],
            )
        targets = [(name, target.pk)]
        if name == "contact" and target.client_id and _visible(actor, "client", target.client_id):
            targets.append(("client", target.client_id))
        _link_everything(actor, lead, targets)
        _mark_converted(actor, lead, None, targets, [])
    ids = dict(targets)
    return {
        "lead_id": lead.pk,
        "client_id": ids.get("client"),
        "contact_id": ids.get("contact"),
        "deal_id": None,
        "created": {},
        "created_fields": [],
        "duplicates": [],
        "warnings": [],
    }


def leads_convert_bulk(*, actor: Any, lead_ids: list[int], plan_data: dict) -> list[dict]:
    """Convert several leads by one plan, each in its own transaction."""
    results = []
    for lead_id in lead_ids:
        try:
            result = lead_convert(actor=actor, lead_id=lead_id, plan=plan_from_dict(plan_data))
        except DomainError as exc:
            results.append({"lead_id": lead_id, "ok": False, "errors": exc.as_dict()})
        else:
            results.append({"lead_id": lead_id, "ok": True, "result": result})
    return results


def converts_on_status(lead: Lead, status: LeadStatus) -> bool:
    """Whether moving `lead` to `status` converts it by the default plan; a move that needs
    a plan is refused (409 plan_required) — the runtime setting "conversion.on_status"
    decides. It reads only, so the status paths ask it before they write anything."""
    if status.kind != LeadStatus.Kind.CONVERTED or lead.is_converted:
        return False
    if get_setting("conversion.on_status") != "default_plan":
        raise Conflict(
            _("Moving a lead to a converted status converts it: send a conversion plan."),
            code="plan_required",
            errors=[FieldIssue("status_id", _("A conversion plan is required for this status."))],
        )
    return True


def convert_by_default_plan(actor: Any, lead: Lead, status: LeadStatus) -> None:
    """The move `converts_on_status` said yes to: convert the lead (locked by the caller's
    status change, in its transaction) into `status`."""
    lead_convert(
        actor=actor,
        lead_id=lead.pk,
        plan=Plan(status_id=status.pk, version=lead.version),
        locked=lead,
    )
