"""Settings pages for capture and automation (administrators): web forms with their embed
snippets, webhooks with the delivery log, task templates and assignment rules. Every change
goes through a service; a refused change shows its messages at the fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from leadbridge.core.errors import DomainError
from leadbridge.core.events import EVENTS
from leadbridge.deals.models import Pipeline
from leadbridge.duplicates import policy
from leadbridge.leads.models import LeadSource, LeadStatus
from leadbridge.people.access import is_admin
from leadbridge.people.models import Team
from leadbridge.people.selectors import assignable_users
from leadbridge.webforms import embed
from leadbridge.webforms.models import WebForm
from leadbridge.webforms.services import available_fields, webform_save

from . import services, webhooks
from .forms import (
    AssignmentRuleForm,
    DeliveryForm,
    PickForm,
    ServiceForm,
    TaskTemplateForm,
    WebFormForm,
    WebhookForm,
)
from .models import AssignmentRule, TaskTemplate, WebhookDelivery, WebhookSubscription


def _admin(request: HttpRequest) -> None:
    if not is_admin(request.user):
        raise PermissionDenied


def webform_data(post) -> dict:
    return WebFormForm(post).service_data()


@dataclass(frozen=True)
class Action:
    """One POST action of the settings page: the form that reads it into its service's data
    and the service call (which answers a message to show, if any)."""

    form: type[ServiceForm]
    run: Callable[[Any, dict], str | None]


def _webform_create(actor: Any, data: dict) -> str:
    form = webform_save(actor=actor, data=data)
    return _("Web form %(name)s created.") % {"name": form.name}


def _webhook_create(actor: Any, data: dict) -> None:
    webhooks.webhook_save(actor=actor, data=data)


def _webhook_toggle(actor: Any, data: dict) -> None:
    sub = get_object_or_404(WebhookSubscription, pk=data["id"])
    webhooks.webhook_save(actor=actor, subscription=sub, data={"active": not sub.active})


def _webhook_delete(actor: Any, data: dict) -> None:
    sub = get_object_or_404(WebhookSubscription, pk=data["id"])
    webhooks.webhook_delete(actor=actor, subscription=sub)


def _redeliver(actor: Any, data: dict) -> None:
    webhooks.webhook_redeliver(actor=actor, delivery_id=data["id"])


def _template_create(actor: Any, data: dict) -> None:
    services.task_template_save(actor=actor, data=data)


def _template_delete(actor: Any, data: dict) -> None:
    template = get_object_or_404(TaskTemplate, pk=data["id"])
    services.task_template_delete(actor=actor, template=template)


def _rule_create(actor: Any, data: dict) -> None:
    services.assignment_rule_save(actor=actor, data=data)


def _rule_delete(actor: Any, data: dict) -> None:
    rule = get_object_or_404(AssignmentRule, pk=data["id"])
    services.assignment_rule_delete(actor=actor, rule=rule)


ACTIONS: dict[str, Action] = {
    "webform": Action(WebFormForm, _webform_create),
    "webhook": Action(WebhookForm, _webhook_create),
    "webhook_toggle": Action(PickForm, _webhook_toggle),
    "webhook_delete": Action(PickForm, _webhook_delete),
    "redeliver": Action(DeliveryForm, _redeliver),
    "template": Action(TaskTemplateForm, _template_create),
    "template_delete": Action(PickForm, _template_delete),
    "rule": Action(AssignmentRuleForm, _rule_create),
    "rule_delete": Action(PickForm, _rule_delete),
}


def _act(request: HttpRequest) -> None:
    """Run the POST's action; an unknown one changes nothing (the page shows again)."""
    action = ACTIONS.get(request.POST.get("action") or "")
    if action is None:
        return
    message = action.run(request.user, action.form(request.POST).service_data())
    if message:
        messages.success(request, message)


def _choices() -> dict:
    return {
        "statuses": LeadStatus.objects.all(),
        "sources": LeadSource.objects.all(),
        "pipelines": Pipeline.objects.all(),
        "teams": Team.objects.all(),
        "people": assignable_users(),
        "public_fields": available_fields(),
        "languages": ("en", "cs", "sk", "pl", "lt", "vi"),
        "on_duplicate": policy.choices(policy.WEBFORM),
    }


def index(request: HttpRequest) -> HttpResponse:
    _admin(request)
    errors: dict[str, str] = {}
    failed = None
    if request.method == "POST":
        try:
            _act(request)
        except DomainError as exc:
            failed = request.POST.get("action")
            errors = {e.field: e.message for e in exc.errors}
            messages.error(request, exc.detail)
        else:
            return redirect(request.path + "#" + request.POST.get("action", ""))
    return render(
        request,
        "automation/index.html",
        {
            "webforms": WebForm.objects.select_related("source", "owner", "team"),
            "webhooks": WebhookSubscription.objects.all(),
            "deliveries": WebhookDelivery.objects.select_related("subscription")[:30],
            "templates": TaskTemplate.objects.prefetch_related("statuses"),
            "rules": AssignmentRule.objects.select_related("source", "user", "team"),
            "events": EVENTS,
            "assignees": TaskTemplate.Assignee.choices,
            "channels": AssignmentRule.Channel.choices,
            "errors": errors,
            "failed": failed,
            # A new form's leads go to whoever makes it unless they choose a team or the rules:
            # a lead with no owner is a lead nobody calls.
            "posted": request.POST if failed else {"owner_id": request.user.pk},
            **_choices(),
        },
        status=422 if failed else 200,
    )


def webform_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    form = get_object_or_404(WebForm, pk=pk)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            webform_save(actor=request.user, form=form, data=webform_data(request.POST))
        except DomainError as exc:
            errors = {e.field: e.message for e in exc.errors}
            form.refresh_from_db()
        else:
            messages.success(request, _("Saved."))
            return redirect(request.path)
    base = request.build_absolute_uri("/").rstrip("/")
    return render(
        request,
        "automation/webform.html",
        {
            "form": form,
            "errors": errors,
            "endpoint": f"{base}/f/{form.key}",
            "snippet": embed.snippet(form, base),
            "fallback": embed.fallback(form, base),
            "submissions": form.submissions.count(),
            **_choices(),
        },
        status=422 if errors else 200,
    )


def delivery_detail(request: HttpRequest, pk: str) -> HttpResponse:
    _admin(request)
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("subscription"), pk=pk)
    return render(request, "automation/delivery.html", {"delivery": delivery})
