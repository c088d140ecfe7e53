"""Settings pages for capture and automation (administrators): web forms with their embed
snippets, webhooks with the delivery log, task templates and assignment rules. Every change
goes through a service; a refused change shows its messages at the fields."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from leadbridge.core.errors import DomainError
from leadbridge.core.events import EVENTS
from leadbridge.deals.models import Pipeline
from leadbridge.leads.models import LeadSource, LeadStatus
from leadbridge.people.access import is_admin
from leadbridge.people.models import Team, User
from leadbridge.webforms import embed
from leadbridge.webforms.models import WebForm
from leadbridge.webforms.services import available_fields, webform_save

from . import services, webhooks
from .models import AssignmentRule, TaskTemplate, WebhookDelivery, WebhookSubscription


def _admin(request: HttpRequest) -> None:
    if not is_admin(request.user):
        raise PermissionDenied


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _lines(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").replace(",", "\n").splitlines() if v.strip()]


def webform_data(post) -> dict:
    return {
        "name": post.get("name", "").strip(),
        "language": post.get("language") or "en",
        "fields": post.getlist("fields"),
        "required_fields": post.getlist("required_fields"),
        "consent_text": post.get("consent_text", ""),
        "source_id": _int(post.get("source_id")),
        "status_id": _int(post.get("status_id")),
        "pipeline_id": _int(post.get("pipeline_id")),
        "owner_id": _int(post.get("owner_id")),
        "team_id": _int(post.get("team_id")),
        "allowed_origins": _lines(post.get("allowed_origins")),
        "thank_you_message": post.get("thank_you_message", ""),
        "redirect_url": post.get("redirect_url", "").strip(),
        "autoresponder_subject": post.get("autoresponder_subject", ""),
        "autoresponder_body": post.get("autoresponder_body", ""),
        "on_duplicate": post.get("on_duplicate") or "link",
        "min_fill_seconds": _int(post.get("min_fill_seconds")) or 0,
        "active": post.get("active") == "on",
    }


def _act(request: HttpRequest) -> None:
    post, actor, action = request.POST, request.user, request.POST.get("action")
    if action == "webform":
        form = webform_save(actor=actor, data=webform_data(post))
        messages.success(request, _("Web form %(name)s created.") % {"name": form.name})
    elif action == "webhook":
        webhooks.webhook_save(
            actor=actor,
            data={
                "url": post.get("url", ""),
                "events": post.getlist("events"),
                "description": post.get("description", ""),
            },
        )
    elif action == "webhook_toggle":
        sub = get_object_or_404(WebhookSubscription, pk=_int(post.get("id")))
        webhooks.webhook_save(actor=actor, subscription=sub, data={"active": not sub.active})
    elif action == "webhook_delete":
        sub = get_object_or_404(WebhookSubscription, pk=_int(post.get("id")))
        webhooks.webhook_delete(actor=actor, subscription=sub)
    elif action == "redeliver":
        webhooks.webhook_redeliver(actor=actor, delivery_id=post.get("id"))
    elif action == "template":
        services.task_template_save(
            actor=actor,
            data={
                "subject": post.get("subject", "").strip(),
                "body": post.get("body", ""),
                "due_in_days": _int(post.get("due_in_days")) or 0,
                "assignee": post.get("assignee") or "owner",
                "user_id": _int(post.get("user_id")),
                "team_id": _int(post.get("team_id")),
                "status_ids": [int(i) for i in post.getlist("status_ids") if i.isdigit()],
            },
        )
    elif action == "template_delete":
        template = get_object_or_404(TaskTemplate, pk=_int(post.get("id")))
        services.task_template_delete(actor=actor, template=template)
    elif action == "rule":
        services.assignment_rule_save(
            actor=actor,
            data={
                "name": post.get("name", "").strip(),
                "order": _int(post.get("order")) or 0,
                "channel": post.get("channel") or "any",
                "country": post.get("country", ""),
                "source_id": _int(post.get("source_id")),
                "user_id": _int(post.get("user_id")),
                "team_id": _int(post.get("team_id")),
            },
        )
    elif action == "rule_delete":
        rule = get_object_or_404(AssignmentRule, pk=_int(post.get("id")))
        services.assignment_rule_delete(actor=actor, rule=rule)


def _choices() -> dict:
    return {
        "statuses": LeadStatus.objects.all(),
        "sources": LeadSource.objects.all(),
        "pipelines": Pipeline.objects.all(),
        "teams": Team.objects.all(),
        "people": User.objects.filter(is_active=True, is_system=False),
        "public_fields": available_fields(),
        "languages": ("en", "cs", "sk", "pl", "lt", "vi"),
        "on_duplicate": WebForm.OnDuplicate.choices,
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
