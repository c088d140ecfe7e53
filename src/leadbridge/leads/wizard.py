"""Lead conversion in the browser: the wizard (F13-F16), the one-click conversions of the
lead card (Slovak seed) and the assignment to an existing contact or client.

Every page goes through `leads.conversion` (preview, convert, assign), the same service the
API uses. The wizard keeps its state in hidden form fields, so it works without JavaScript:
each step shows its own inputs and carries the others hidden. Field names of the state:

    want_client / want_contact / want_deal      "1" when the target is wanted (step 1)
    <target>_mode, <target>_id                  new / existing / none and the picked record
    <target>_overwrite (several)                fields of an existing record the lead overwrites
    deal_pipeline_id, deal_stage_id, deal_owner_id, deal_team_id
    f.<target>.<field>                          values typed for a new record (overrides)
    create_missing_fields, version, status_id, client_q, contact_q
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from leadbridge.clients.models import Client
from leadbridge.core import labels
from leadbridge.core.errors import (
    Conflict,
    DomainError,
    FieldIssue,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from leadbridge.core.forms import LABELS, custom_field_for, field_for, join_list, split_list
from leadbridge.core.registry import model_for
from leadbridge.core.runtime_settings import get_setting
from leadbridge.core.selectors import ListParams, base_queryset, record_get, record_list
from leadbridge.core.specs import SPECS
from leadbridge.core.web import _int, query_text
from leadbridge.customfields.models import CustomFieldDefinition
from leadbridge.deals.models import Pipeline, Stage
from leadbridge.deals.services import default_pipeline
from leadbridge.people.models import Team
from leadbridge.people.selectors import assignable_users

from . import conversion
from .models import Lead
from .selectors import converted_records

TARGETS = ("client", "contact", "deal")
STEP_OF = {"client": 2, "contact": 3, "deal": 4}
TARGET_OF = {2: "client", 3: "contact", 4: "deal"}
STEP_TITLES = {
    1: gettext_lazy("What to create"),
    2: gettext_lazy("Client"),
    3: gettext_lazy("Contact person"),
    4: gettext_lazy("Deal"),
}
TARGET_NAMES = {
    "client": gettext_lazy("client"),
    "contact": gettext_lazy("contact person"),
    "deal": gettext_lazy("deal"),
}
# Inputs shown for a new record, besides the fields a rule asks for.
EDITABLE = {
    "client": ("name", "registration_number", "vat_id"),
    "contact": ("first_name", "last_name", "job_title", "email", "phone"),
    "deal": ("title", "value", "currency", "expected_close_date"),
}
# Fields of a new record shown read-only as a summary (what the lead gives).
SUMMARY = {
    "client": ("kind", "email", "phone", "website", "street", "city", "postcode", "country"),
    "contact": ("mobile", "city", "country"),
    "deal": (),
}
# Plan parts that have their own control instead of an f.<target>.<field> input.
CONTROLS = {
    "client.id": "client_id",
    "contact.id": "contact_id",
    "deal.id": "deal_id",
    "deal.pipeline_id": "deal_pipeline_id",
    "deal.stage_id": "deal_stage_id",
    "deal.owner_id": "deal_owner_id",
    "deal.team_id": "deal_team_id",
    "client.overwrite": "client_overwrite",
    "contact.overwrite": "contact_overwrite",
    "deal.overwrite": "deal_overwrite",
}
SCALARS = (
    "want_client",
    "want_contact",
    "want_deal",
    "client_mode",
    "client_id",
    "contact_mode",
    "contact_id",
    "deal_mode",
    "deal_id",
    "deal_pipeline_id",
    "deal_stage_id",
    "deal_owner_id",
    "deal_team_id",
    "create_missing_fields",
    "version",
    "status_id",
    "client_q",
    "contact_q",
)
LISTS = ("client_overwrite", "contact_overwrite", "deal_overwrite")
SEARCH_LIMIT = 10


# Pages ------------------------------------------------------------------------------------


def _lead(request: HttpRequest, pk: int) -> Lead:
    try:
        return record_get(actor=request.user, record_type="lead", pk=pk)
    except NotFound:
        raise Http404 from None


def convert_wizard(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    if request.method != "POST":
        if lead.is_converted and not get_setting("conversion.reconvert"):
            return _already_converted(request, lead)
        state = initial_state(
            lead, preset=request.GET.get("preset"), status_id=_int(request.GET.get("status_id"))
        )
        return _render(request, lead, state, step=1)
    state = state_from_post(request.POST)
    step = _int(request.POST.get("step")) or 1
    action = request.POST.get("action") or "stay"
    for name in TARGETS:
        picked = _int(request.POST.get(f"pick_{name}"))
        if picked:
            state[f"{name}_mode"], state[f"{name}_id"] = "existing", str(picked)
            state[f"{name}_overwrite"] = []
    _fit_stage(state)
    steps = visible_steps(state)
    if step not in steps:
        step = max(s for s in steps if s <= step) if step > 0 else 1
    if action == "back":
        earlier = [s for s in steps if s < step]
        return _render(request, lead, state, step=earlier[-1] if earlier else 1)
    if action == "next":
        if step == 1 and not any(state.get(f"want_{t}") for t in TARGETS):
            issue = FieldIssue("targets", _("Choose at least one record to create."))
            return _render(request, lead, state, step=1, errors=[issue], blocking=True)
        wizard = Wizard(request, lead, state)
        own = [e for e in wizard.errors if step_of_issue(e.field) == step and step > 1]
        if own:
            return _render(request, lead, state, step=step, wizard=wizard, blocking=True)
        later = [s for s in steps if s > step]
        return _render(request, lead, state, step=later[0] if later else step, wizard=wizard)
    if action in ("finish", "finish_open"):
        return _finish(request, lead, state, step, open_result=action == "finish_open")
    return _render(request, lead, state, step=step)


def _fit_stage(state: dict) -> None:
    """A stage of another pipeline than the chosen one is forgotten (the pipeline changed):
    the deal then starts in the first stage of the chosen pipeline."""
    pipeline_id, stage_id = _int(state.get("deal_pipeline_id")), _int(state.get("deal_stage_id"))
    if pipeline_id and stage_id:
        if not Stage.objects.filter(pk=stage_id, pipeline_id=pipeline_id).exists():
            state["deal_stage_id"] = ""


def _finish(
    request: HttpRequest, lead: Lead, state: dict, step: int, *, open_result: bool
) -> HttpResponse:
    if not any(state.get(f"want_{t}") for t in TARGETS):
        issue = FieldIssue("targets", _("Choose at least one record to create."))
        return _render(request, lead, state, step=1, errors=[issue], blocking=True)
    try:
        plan = conversion.plan_from_dict(plan_data(state))
        result = conversion.lead_convert(actor=request.user, lead_id=lead.pk, plan=plan)
    except ValidationFailed as exc:
        if exc.code == "version_required":
            state["version"] = str(Lead.objects.get(pk=lead.pk).version)
        errors = [_issue(e) for e in exc.errors] or [FieldIssue("", exc.detail)]
        steps = [s for s in (step_of_issue(e.field) for e in errors) if s]
        target_step = min(steps) if steps else step
        return _render(request, lead, state, step=target_step, errors=errors, blocking=True)
    except Conflict as exc:
        if exc.code in ("stale_version", "already_converted"):
            fresh = Lead.objects.get(pk=lead.pk)
            if fresh.is_converted:
                return _already_converted(request, fresh)
            state["version"] = str(fresh.version)
            issue = FieldIssue(
                "", _("The lead was changed meanwhile; check the values and finish again.")
            )
            return _render(request, lead, state, step=step, errors=[issue], blocking=True)
        return _render(
            request, lead, state, step=step, errors=[FieldIssue("", exc.detail)], blocking=True
        )
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            raise PermissionDenied(exc.detail) from None
        errors = [_issue(e) for e in exc.errors] or [FieldIssue("", exc.detail)]
        return _render(request, lead, state, step=step, errors=errors, blocking=True)
    made = [str(TARGET_NAMES[t]) for t in TARGETS if result.get(f"{t}_id")]
    messages.success(request, _("Lead converted: %(targets)s.") % {"targets": ", ".join(made)})
    if open_result:
        return redirect(result_url(result))
    return redirect("leads:detail", lead.pk)


def result_url(result: dict) -> str:
    """Czech seed: "Finish and open" lands on the deal, else the contact, else the client."""
    if result.get("deal_id"):
        return reverse("deals:detail", args=[result["deal_id"]])
    if result.get("contact_id"):
        return reverse("contacts:detail", args=[result["contact_id"]])
    if result.get("client_id"):
        return reverse("clients:detail", args=[result["client_id"]])
    return reverse("leads:detail", args=[result["lead_id"]])


def _links(lead: Lead) -> list[dict]:
    namespaces = {"client": "clients", "contact": "contacts", "deal": "deals"}
    items = [i for i in converted_records([lead.pk])[lead.pk] if i["record_type"] in namespaces]
    names = {}  # named, not "Client #31": a record deleted since keeps its number
    for kind in {i["record_type"] for i in items}:
        ids = [i["id"] for i in items if i["record_type"] == kind]
        for obj in model_for(kind).objects.filter(pk__in=ids):
            names[(kind, obj.pk)] = obj.display_name
    return [
        {
            "record_type": item["record_type"],
            "label": TARGET_NAMES[item["record_type"]],
            "id": item["id"],
            "name": names.get((item["record_type"], item["id"]), f"#{item['id']}"),
            "url": reverse(f"{namespaces[item['record_type']]}:detail", args=[item["id"]]),
        }
        for item in items
    ]


def _already_converted(request: HttpRequest, lead: Lead) -> HttpResponse:
    return render(
        request,
        "leads/wizard_done.html",
        {"lead": lead, "links": _links(lead), "reconvert": get_setting("conversion.reconvert")},
        status=409 if request.method == "POST" else 200,
    )


# Quick conversions and assignment -----------------------------------------------------------

PRESETS = {
    # Slovak seed: first "Create client and contact", later "Create deal".
    "client_contact": {
        "client": {"mode": "new"},
        "contact": {"mode": "new"},
        "deal": {"mode": "none"},
    },
    # Client and contact left out: the default plan reuses the ones made before; the deal
    # goes to the default pipeline (quick_convert).
    "deal": {"deal": {"mode": "new"}},
}


@require_POST
def quick_convert(request: HttpRequest, pk: int, preset: str) -> HttpResponse:
    if preset not in PRESETS:
        raise Http404
    lead = _lead(request, pk)
    data: dict[str, Any] = {**PRESETS[preset], "version": lead.version}
    pipeline = default_pipeline()
    if data["deal"]["mode"] == "new" and pipeline is not None:
        data["deal"] = {**data["deal"], "pipeline_id": pipeline.pk}
    wizard_url = reverse("leads:convert", args=[pk]) + f"?preset={preset}"
    if preset == "client_contact" and conversion.previous_targets(pk):
        # Made before: a second click must not make a second client; the wizard shows them.
        messages.warning(
            request,
            _(
                "A client or contact person was already made from this "
                "lead; choose in the wizard what to do."
            ),
        )
        return redirect(wizard_url)
    try:
        result = conversion.lead_convert(
            actor=request.user, lead_id=pk, plan=conversion.plan_from_dict(data)
        )
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            raise PermissionDenied(exc.detail) from None
        if isinstance(exc, NotFound):
            raise Http404 from None
        if exc.status in (409, 422):
            messages.warning(
                request, _("The conversion needs your choices: %(detail)s") % {"detail": exc.detail}
            )
            return redirect(wizard_url)
        messages.error(request, exc.detail)
        return redirect("leads:detail", pk)
    made = [str(TARGET_NAMES[t]) for t in TARGETS if result.get(f"{t}_id")]
    messages.success(request, _("Lead converted: %(targets)s.") % {"targets": ", ".join(made)})
    return redirect("leads:detail", pk)


def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Link the lead to an existing contact or client (Lithuanian seed: many leads each)."""
    lead = _lead(request, pk)
    kind = request.GET.get("kind") if request.GET.get("kind") in ("contact", "client") else None
    kind = kind or "contact"
    q = query_text(request.GET.get("q"), 200) or ""
    error = None
    if request.method == "POST":
        contact_id = _int(request.POST.get("contact_id"))
        client_id = _int(request.POST.get("client_id"))
        version = _int(request.POST.get("version"))
        try:
            result = conversion.lead_assign(
                actor=request.user,
                lead_id=pk,
                contact_id=contact_id,
                client_id=client_id,
                version=version,
            )
        except DomainError as exc:
            if isinstance(exc, Forbidden):
                raise PermissionDenied(exc.detail) from None
            error = exc.errors[0].message if exc.errors else exc.detail
            if exc.code in ("stale_version", "already_converted", "version_required"):
                error = _("The lead was changed or converted meanwhile: %(detail)s") % {
                    "detail": exc.detail
                }
                lead = _lead(request, pk)
        else:
            target = "contact" if result.get("contact_id") else "client"
            messages.success(
                request, _("Lead assigned to the %(target)s.") % {"target": TARGET_NAMES[target]}
            )
            return redirect("leads:detail", pk)
    results = []
    if q:
        page, _count = record_list(
            actor=request.user, record_type=kind, params=ListParams(q=q, limit=20), collate=True
        )
        results = list(page)
    return render(
        request,
        "leads/assign.html",
        {
            "lead": lead,
            "kind": kind,
            "q": q,
            "results": results,
            "error": error,
            "kinds": [("contact", _("Contact person")), ("client", _("Client"))],
        },
    )


# Wizard state -------------------------------------------------------------------------------


def initial_state(lead: Lead, *, preset: str | None = None, status_id: int | None = None) -> dict:
    previous = conversion.previous_targets(lead.pk)
    state: dict[str, Any] = {
        "want_client": "1",
        "want_contact": "1",
        "want_deal": "" if preset == "client_contact" else "1",
        "client_mode": "new",
        "contact_mode": "new",
        "deal_mode": "new",
        "create_missing_fields": "1",
        "version": str(lead.version),
        "status_id": str(status_id) if status_id else "",
        "client_overwrite": [],
        "contact_overwrite": [],
        "deal_overwrite": [],
    }
    pipeline = default_pipeline()
    if pipeline is not None:  # preselected: finishing needs no choice (issue 18.11)
        state["deal_pipeline_id"] = str(pipeline.pk)
    for name in ("client", "contact"):
        if name in previous:
            state[f"{name}_mode"], state[f"{name}_id"] = "existing", str(previous[name])
    return state


def state_from_post(post) -> dict:
    state: dict[str, Any] = {}
    for key in SCALARS:
        if key in post:
            state[key] = post.get(key, "").strip()
    for key in LISTS:
        state[key] = [v for v in post.getlist(key) if v]
    for key in post:
        if key.startswith("f.") and key.count(".") >= 2:
            state[key] = post.get(key, "")
    # Checkboxes shown on the submitted page and left unticked send nothing.
    for key in post.getlist("_checkboxes"):
        if key in SCALARS and key not in post:
            state[key] = ""
    return state


def visible_steps(state: dict) -> list[int]:
    return [1] + [STEP_OF[t] for t in TARGETS if state.get(f"want_{t}")]


def step_of_issue(path: str) -> int | None:
    head = (path or "").split(".")[0]
    return STEP_OF.get(head)


def _issue(issue: FieldIssue) -> FieldIssue:
    return FieldIssue(issue.field, issue.message)


def _typed(target: str, name: str, raw: str, defs: dict[str, CustomFieldDefinition]) -> Any:
    """A typed value for the plan from what the form sent."""
    if name.startswith("custom_fields."):
        definition = defs.get(name.split(".", 1)[1])
        if definition is not None and definition.type == "boolean":
            return {"true": True, "false": False}.get(raw)
        return raw if raw != "" else None
    spec = SPECS[target].get(name)
    if spec is None:
        return raw
    if spec.kind in ("emails", "phones", "tags"):
        return split_list(spec.kind, raw)  # as the record's own form reads it
    if spec.kind in ("decimal", "date", "ref") and raw == "":
        return None
    return raw


def plan_data(state: dict, *, for_preview: bool = False) -> dict:
    """The conversion plan (the API's body) from the wizard state.

    For a preview an "existing" part without a chosen record is previewed as new, so the
    step still shows what the lead holds and which records match.
    """
    data: dict[str, Any] = {
        "version": _int(state.get("version")),
        "status_id": _int(state.get("status_id")),
        "create_missing_fields": bool(state.get("create_missing_fields")),
    }
    for target in TARGETS:
        if not state.get(f"want_{target}"):
            data[target] = {"mode": "none"}
            continue
        mode = state.get(f"{target}_mode") or "new"
        if mode not in ("new", "existing", "none"):
            mode = "new"
        if target == "deal" and mode == "none":
            mode = "new"
        picked = _int(state.get(f"{target}_id"))
        if mode == "existing" and picked is None and for_preview:
            mode = "new"
        part: dict[str, Any] = {"mode": mode}
        if mode == "existing":
            part["id"] = picked
            part["overwrite"] = list(state.get(f"{target}_overwrite") or [])
        elif mode == "new":
            part["fields"] = _fields(state, target)
            if target == "deal":
                for key in ("pipeline_id", "stage_id", "owner_id", "team_id"):
                    value = _int(state.get(f"deal_{key}"))
                    if value is not None:
                        part[key] = value
        data[target] = part
    return data


def _fields(state: dict, target: str) -> dict:
    prefix = f"f.{target}."
    defs = {d.key: d for d in CustomFieldDefinition.objects.filter(record_type=target)}
    fields: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for key, raw in state.items():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix) :]
        value = _typed(target, name, raw, defs)
        if name.startswith("custom_fields."):
            custom[name.split(".", 1)[1]] = value
        elif SPECS[target].get(name) is not None:
            fields[name] = value
    if custom:
        fields["custom_fields"] = custom
    return fields


# Rendering ----------------------------------------------------------------------------------


@dataclass
class Input:
    """One input of a step, for the template."""

    name: str
    label: str
    value: Any = ""
    error: str = ""
    type: str = "text"
    choices: list[tuple[str, str]] = field(default_factory=list)
    required: bool = False
    widget_attrs: dict[str, str] = field(default_factory=dict)  # the form layer's, e.g. data-names


class Wizard:
    """The preview of the current state and everything a step shows."""

    def __init__(self, request: HttpRequest, lead: Lead, state: dict):
        self.request, self.lead, self.state = request, lead, state
        self.errors: list[FieldIssue] = []
        self.preview: dict[str, Any] = {}
        try:
            plan = conversion.plan_from_dict(plan_data(state, for_preview=True))
            self.preview = conversion.lead_convert_preview(
                actor=request.user, lead_id=lead.pk, plan=plan
            )
        except Forbidden as exc:
            raise PermissionDenied(exc.detail) from None
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            self.errors = [_issue(e) for e in exc.errors] or [FieldIssue("", exc.detail)]
        else:
            self.errors = [
                FieldIssue(e["field"], e["message"]) for e in self.preview["missing_fields"]
            ]
        for target in TARGETS:
            if (
                state.get(f"want_{target}")
                and state.get(f"{target}_mode") == "existing"
                and not _int(state.get(f"{target}_id"))
            ):
                self.errors = [e for e in self.errors if step_of_issue(e.field) != STEP_OF[target]]
                self.errors.append(FieldIssue(f"{target}.id", _("Choose the existing record.")))


def _errors_by_path(errors: list[FieldIssue]) -> dict[str, str]:
    out: dict[str, str] = {}
    for issue in errors:
        out.setdefault(issue.field, issue.message)
    return out


def _label(target: str, name: str, defs: dict[str, CustomFieldDefinition]) -> str:
    if name.startswith("custom_fields."):
        definition = defs.get(name.split(".", 1)[1])
        return definition.label if definition else name.split(".", 1)[1]
    return str(LABELS.get(name, name.replace("_", " ")))


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _new_inputs(target: str, state: dict, values: dict, errors: dict[str, str]) -> list[Input]:
    """Inputs of a new record: the usual ones and every field a rule asks for."""
    defs = {d.key: d for d in CustomFieldDefinition.objects.filter(record_type=target)}
    names = list(EDITABLE[target])
    prefix = f"{target}."
    for path in errors:
        if not path.startswith(prefix) or path in CONTROLS:
            continue
        name = path[len(prefix) :]
        known = SPECS[target].get(name) is not None or (
            name.startswith("custom_fields.") and name.split(".", 1)[1] in defs
        )
        if known and name not in names:
            names.append(name)
    inputs = []
    custom_values = values.get("custom_fields") or {}
    for name in names:
        key = f"f.{target}.{name}"
        if key in state:
            value = state[key]
        elif name.startswith("custom_fields."):
            value = _shown(custom_values.get(name.split(".", 1)[1]))
        else:
            value = _shown(values.get(name))
        item = Input(
            name=key,
            label=_label(target, name, defs),
            value=value,
            error=errors.get(f"{prefix}{name}", ""),
        )
        spec = SPECS[target].get(name)
        if spec is not None:
            _take_widget(item, field_for(spec))
            if spec.kind in ("emails", "phones", "tags") and key not in state:
                item.value = join_list(spec.kind, values.get(name))
        elif name.startswith("custom_fields."):
            definition = defs[name.split(".", 1)[1]]
            item.required = definition.required
            _take_widget(item, custom_field_for(definition))
        inputs.append(item)
    return inputs


def _take_widget(item: Input, field: forms.Field) -> None:
    """The input's kind and options from the form layer's field for it (`core.forms`), so a
    new record's step offers what the record's own form offers."""
    if isinstance(field, forms.ChoiceField):
        item.type = "select"
        item.choices = [(str(value), str(label)) for value, label in field.choices]
        item.widget_attrs = {k: str(v) for k, v in field.widget.attrs.items()}
        if all(value != "" for value, _name in item.choices):
            item.choices.insert(0, ("", "—"))  # nothing chosen: the plan leaves it to the rules
    elif isinstance(field.widget, forms.Textarea):
        item.type = "textarea"
    elif isinstance(field.widget, forms.DateInput):
        item.type = "date"
    elif isinstance(field, forms.DecimalField):
        item.type = "decimal"
    elif isinstance(field, forms.IntegerField):
        item.type = "number"


def _summary(target: str, values: dict) -> list[tuple[str, str]]:
    rows = []
    for name in SUMMARY[target]:
        value = _shown(values.get(name))
        if name == "kind" and value in Client.Kind.values:
            value = str(Client.Kind(value).label)
        if value:
            rows.append((str(LABELS.get(name, name)), value))
    return rows


def _conflicts(target: str, state: dict, preview: dict) -> list[dict]:
    chosen = set(state.get(f"{target}_overwrite") or [])
    return [
        {
            "field": c["field"],
            "label": str(LABELS.get(c["field"], c["field"])),
            "existing": _shown(c.get("existing")),
            "lead": _shown(c.get("lead")),
            "checked": c["field"] in chosen,
        }
        for c in (preview.get(target) or {}).get("conflicts") or []
    ]


def _visible_ids(request: HttpRequest, record_type: str, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(
        base_queryset(request.user, record_type).filter(pk__in=ids).values_list("pk", flat=True)
    )


def _matches(request: HttpRequest, record_type: str, items: list[dict]) -> list[dict]:
    """Suggested records (exact matches, open deals) the user may see."""
    items = [m for m in items if m.get("record_type") == record_type]
    visible = _visible_ids(request, record_type, [m["id"] for m in items])
    return [m for m in items if m["id"] in visible]


def _picked(request: HttpRequest, record_type: str, pk: int | None) -> Any:
    if not pk:
        return None
    return base_queryset(request.user, record_type).filter(pk=pk).first()


def _search(request: HttpRequest, record_type: str, q: str, **filters: Any) -> list:
    if not q and not filters:
        return []
    try:
        page, _count = record_list(
            actor=request.user,
            record_type=record_type,
            params=ListParams(q=q or None, limit=SEARCH_LIMIT),
            type_filters=filters,
            collate=True,
        )
        return list(page)
    except DomainError:
        return []


def _render(
    request: HttpRequest,
    lead: Lead,
    state: dict,
    *,
    step: int,
    errors: list[FieldIssue] | None = None,
    wizard: Wizard | None = None,
    blocking: bool = False,
) -> HttpResponse:
    wizard = wizard or Wizard(request, lead, state)
    preview = wizard.preview
    shown_errors = errors if errors is not None else wizard.errors
    by_path = _errors_by_path(shown_errors)
    steps = visible_steps(state)
    if step not in steps:
        step = 1
    target = TARGET_OF.get(step)
    shown: set[str] = {"step"}
    checkboxes: list[str] = []
    context: dict[str, Any] = {
        "lead": lead,
        "step": step,
        "target": target,
        "state": state,
        "steps": [{"number": s, "title": STEP_TITLES[s], "current": s == step} for s in steps],
        "is_first": step == steps[0],
        "is_last": step == steps[-1],
        "errors": by_path,
        "general_errors": [
            e.message
            for e in shown_errors
            if step_of_issue(e.field) is None and e.field != "targets"
        ],
        "targets_error": by_path.get("targets", ""),
        "blocking": blocking,
        "preview": preview,
        "previously_converted": lead.is_converted,
        "links": _links(lead) if lead.is_converted else [],
    }
    other_steps_with_errors = sorted(
        {s for s in (step_of_issue(e.field) for e in shown_errors) if s and s != step} & set(steps)
    )
    context["other_steps_with_errors"] = [STEP_TITLES[s] for s in other_steps_with_errors]
    if step == 1:
        shown |= {"want_client", "want_contact", "want_deal"}
        checkboxes += ["want_client", "want_contact", "want_deal"]
        context["wants"] = [
            ("want_client", _("Client (company or natural person)"), state.get("want_client")),
            ("want_contact", _("Contact person"), state.get("want_contact")),
            ("want_deal", _("Deal"), state.get("want_deal")),
        ]
    else:
        assert target is not None
        mode = state.get(f"{target}_mode") or "new"
        part = preview.get(target) or {}
        values = (part.get("values") or {}) if part.get("mode") == "new" else {}
        inputs = _new_inputs(target, state, values, by_path) if mode == "new" else []
        input_names = {i.name for i in inputs}
        shown |= {f"{target}_mode", f"{target}_overwrite"}
        if target == "client" or (target == "contact" and mode != "none"):
            shown.add(f"{target}_q")
        checkboxes.append(f"{target}_overwrite")
        picked_id = _int(state.get(f"{target}_id"))
        context.update(
            {
                "mode": mode,
                "inputs": inputs,
                "summary": _summary(target, values) if mode == "new" else [],
                "conflicts": _conflicts(target, state, preview) if mode == "existing" else [],
                "picked": _picked(request, target, picked_id) if mode == "existing" else None,
                "id_error": by_path.get(f"{target}.id", ""),
                "overwrite_error": by_path.get(f"{target}.overwrite", ""),
                "field_errors": [
                    (path, message)
                    for path, message in by_path.items()
                    if path.startswith(f"{target}.")
                    and path not in CONTROLS
                    and f"f.{path}" not in input_names
                ],
            }
        )
        shown |= input_names
        if target == "client":
            q = state.get("client_q") or ""
            context["q"] = q
            context["results"] = _search(request, "client", q) if q else []
            context["matches"] = _matches(request, "client", preview.get("duplicates") or [])
        elif target == "contact":
            q = state.get("contact_q") or ""
            client_id = (
                _int(state.get("client_id"))
                if state.get("want_client") and state.get("client_mode") == "existing"
                else None
            )
            context["q"] = q
            context["of_client"] = _picked(request, "client", client_id)
            filters = {"client_id": client_id} if client_id else {}
            context["results"] = (
                _search(request, "contact", q, **filters) if (q or client_id) else []
            )
            context["matches"] = _matches(request, "contact", preview.get("duplicates") or [])
        else:
            if mode == "new":
                shown |= {"deal_pipeline_id", "deal_stage_id", "deal_owner_id", "deal_team_id"}
            else:
                shown.add("deal_id")
            context.update(_deal_context(request, state, values, by_path, preview))
    to_create = preview.get("custom_fields_to_create") or []
    if context["is_last"] and to_create:
        shown.add("create_missing_fields")
        checkboxes.append("create_missing_fields")
        context["custom_fields_to_create"] = [
            {
                **item,
                "type_label": _type_label(item.get("type")),
                "target_label": labels.record_type(item["record_type"]),
            }
            for item in to_create
        ]
    context["hidden"] = _hidden(state, shown)
    context["checkboxes"] = checkboxes
    status = 422 if blocking and shown_errors else 200
    return render(request, "leads/wizard.html", context, status=status)


def _type_label(code: Any) -> str:
    """A custom field's type code ('boolean') as the reader's word ('yes / no')."""
    known = dict(CustomFieldDefinition.Type.choices)
    return str(known.get(code, code or ""))


def _deal_context(
    request: HttpRequest, state: dict, values: dict, errors: dict[str, str], preview: dict
) -> dict:
    pipelines = list(Pipeline.objects.order_by("order", "id"))
    chosen = _int(state.get("deal_pipeline_id"))
    if chosen not in {p.pk for p in pipelines}:
        fallback = default_pipeline()
        chosen = fallback.pk if fallback else None
    # Only the chosen pipeline's stages: a stage of another one could not be saved.
    stages = list(
        Stage.objects.filter(kind=Stage.Kind.OPEN, pipeline_id=chosen).order_by("order", "id")
    )
    owner = state["deal_owner_id"] if "deal_owner_id" in state else _shown(values.get("owner_id"))
    team = state["deal_team_id"] if "deal_team_id" in state else _shown(values.get("team_id"))
    return {
        "pipelines": pipelines,
        "several_pipelines": len(pipelines) > 1,
        "pipeline_id": str(chosen or ""),
        "stages": stages,
        "stage_id": state.get("deal_stage_id", ""),
        "owner_id": owner,
        "team_id": team,
        "users": list(assignable_users()),
        "teams": list(Team.objects.all()),
        # A deal without a client or contact step goes to those made before (issue 18.4).
        "deal_client": None
        if state.get("want_client")
        else _picked(request, "client", _int(values.get("client_id"))),
        "deal_contact": None
        if state.get("want_contact")
        else _picked(request, "contact", _int(values.get("contact_id"))),
        "open_deals": _matches(request, "deal", preview.get("open_deals") or []),
        "deal_id": state.get("deal_id", ""),
        "pipeline_error": errors.get("deal.pipeline_id", ""),
        "stage_error": errors.get("deal.stage_id", ""),
        "owner_error": errors.get("deal.owner_id", ""),
        "team_error": errors.get("deal.team_id", ""),
    }


def _hidden(state: dict, shown: set[str]) -> list[tuple[str, str]]:
    hidden = []
    for key, value in state.items():
        if key in shown:
            continue
        if isinstance(value, list):
            hidden += [(key, str(v)) for v in value]
        elif value is not None:
            hidden.append((key, str(value)))
    return hidden
