"""The Settings page (administrators): statuses, sources, pipelines, custom fields, required
fields, conversion behaviour, teams and users. Every change goes through a service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from leadbridge.customfields import services as cf_services
from leadbridge.customfields.models import CustomFieldDefinition, RequiredField
from leadbridge.deals import services as deal_services
from leadbridge.deals.models import Pipeline
from leadbridge.leads import services as lead_services
from leadbridge.leads.models import LeadSource, LeadStatus, LostReason
from leadbridge.people.access import is_admin
from leadbridge.people.models import Role, Team, User
from leadbridge.people.services import team_create

from .errors import DomainError
from .runtime_settings import all_settings, set_setting, setting_history
from .specs import SPECS


def _actions(request: HttpRequest) -> None:
    post = request.POST
    action = post.get("action")
    actor = request.user
    if action == "status":
        status = LeadStatus.objects.filter(pk=post.get("id")).first() if post.get("id") else None
        lead_services.status_save(
            actor=actor,
            status=status,
            data={
                "name": post.get("name", "").strip(),
                "color": post.get("color") or "#6b7280",
                "kind": post.get("kind") or "open",
                "on_board": post.get("on_board") == "on",
                "order": int(post.get("order") or 0),
            },
        )
    elif action == "status_order":
        ids = [int(i) for i in post.get("ids", "").split(",") if i.strip().isdigit()]
        lead_services.statuses_reorder(actor=actor, ordered_ids=ids)
    elif action in ("source", "lost_reason"):
        # Named lists (leads.models.ListItem): the same form, each through its service.
        lists: dict[str, tuple[Any, Any, str]] = {
            "source": (LeadSource, lead_services.source_save, "source"),
            "lost_reason": (LostReason, lead_services.lost_reason_save, "reason"),
        }
        model, save, key = lists[action]
        item = model.objects.filter(pk=post.get("id")).first() if post.get("id") else None
        save(
            actor=actor,
            data={
                "name": post.get("name", ""),
                "active": post.get("active", "on") == "on",
                "order": int(post.get("order") or (item.order if item else 0)),
            },
            **{key: item},
        )
    elif action == "conversion":
        set_setting(actor=actor, key="conversion.reconvert", value=post.get("reconvert") == "on")
        set_setting(actor=actor, key="conversion.on_status", value=post.get("on_status"))
    elif action == "modules":
        set_setting(actor=actor, key="leads.enabled", value=post.get("leads_enabled") == "on")
    elif action == "custom_field":
        choices = [c.strip() for c in post.get("choices", "").split(",") if c.strip()]
        cf_services.custom_field_create(
            actor=actor,
            record_type=post.get("record_type", ""),
            key=post.get("key", "").strip(),
            label=post.get("label", "").strip(),
            type=post.get("type", "text"),
            choices=choices,
            required=post.get("required") == "on",
        )
    elif action == "custom_field_label":
        cf_services.custom_field_update(
            actor=actor, pk=int(post.get("id", "")), label=post.get("label", "")
        )
    elif action == "custom_field_delete":
        cf_services.custom_field_delete(actor=actor, pk=int(post.get("id", "")))
    elif action == "required":
        record_type = post.get("record_type", "")
        cf_services.required_fields_set(
            actor=actor, record_type=record_type, fields=post.getlist("fields")
        )
    elif action == "pipeline":
        stages = [s.strip() for s in post.get("stages", "").split(",") if s.strip()]
        deal_services.pipeline_create(actor=actor, name=post.get("name", "").strip(), stages=stages)
    elif action == "team":
        team_create(actor=actor, name=post.get("name", "").strip())
    else:
        raise DomainError(_("Unknown action."))


def index(request: HttpRequest) -> HttpResponse:
    if not is_admin(request.user):
        raise PermissionDenied
    if request.method == "POST":
        try:
            _actions(request)
        except DomainError as exc:
            details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.detail
            messages.error(request, details)
        except ValueError:
            messages.error(request, _("Some values are not valid."))
        else:
            if request.htmx:
                return HttpResponse(status=204)
            messages.success(request, _("Saved."))
        anchor = request.POST.get("action", "")
        if anchor.startswith("custom_field"):
            anchor = "custom_field"
        return redirect(request.path + "#" + anchor)
    required = {}
    for record_type, spec in SPECS.items():
        chosen = set(
            RequiredField.objects.filter(record_type=record_type).values_list("field", flat=True)
        )
        required[record_type] = [(name, name in chosen) for name in spec.names if name != "tags"]
    runtime = all_settings()
    return render(
        request,
        "core/settings.html",
        {
            "statuses": LeadStatus.objects.all(),
            "sources": LeadSource.objects.all(),
            "lost_reasons": LostReason.objects.all(),
            "pipelines": Pipeline.objects.prefetch_related("stages"),
            "custom_fields": [
                (field, cf_services.custom_field_usage(actor=request.user, pk=field.pk))
                for field in CustomFieldDefinition.objects.all()
            ],
            "required": required,
            "reconvert": runtime["conversion.reconvert"],
            "on_status": runtime["conversion.on_status"],
            "leads_enabled": runtime["leads.enabled"],
            "leads_history": setting_history("leads.enabled")[:5],
            "teams": Team.objects.all(),
            "users": User.objects.filter(is_system=False)
            .select_related("role")
            .prefetch_related("teams"),
            "roles": Role.objects.all(),
            "kinds": LeadStatus.Kind.choices,
            "field_types": CustomFieldDefinition.Type.choices,
        },
    )
