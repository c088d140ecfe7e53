"""Automation settings over the API: webhooks and their delivery log, task templates,
assignment rules; and "New e-mail" on a record. Administrators configure; e-mail needs
the right to change the record."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Header, Router

from leadbridge.api.idempotency import run_idempotent
from leadbridge.api.records import ERRORS
from leadbridge.api.schemas import Id, Strict
from leadbridge.mail.models import Notification
from leadbridge.mail.services import email_send
from leadbridge.people import access

from . import services, webhooks
from .models import AssignmentRule, TaskTemplate, WebhookDelivery, WebhookSubscription

router = Router(tags=["Automation"])
ERR = {**ERRORS}


class WebhookIn(Strict):
    url: str | None = Field(None, max_length=1000)
    events: list[str] | None = None
    secret: str | None = Field(None, min_length=16, max_length=100)
    description: str | None = Field(None, max_length=255)
    active: bool | None = None


def webhook_out(sub: WebhookSubscription) -> dict:
    return {
        "id": sub.pk,
        "url": sub.url,
        "events": sub.events,
        "secret": sub.secret,
        "description": sub.description,
        "active": sub.active,
        "created_at": sub.created_at.isoformat(),
    }


def delivery_out(d: WebhookDelivery, log: bool = False) -> dict:
    out = {
        "id": str(d.pk),
        "subscription_id": d.subscription_id,
        "event": d.event,
        "record_type": d.record_type,
        "record_id": d.record_id,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at.isoformat() if d.next_attempt_at else None,
        "created_at": d.created_at.isoformat(),
        "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
    }
    if log:
        out["body"] = d.body
        out["log"] = [
            {
                "at": a.at.isoformat(),
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
                "response_excerpt": a.response_excerpt,
            }
            for a in d.log.all()
        ]
    return out


@router.get("/webhooks", response={200: list[dict], **ERR}, operation_id="webhooks_list")
def list_webhooks(request: HttpRequest):
    access.require_admin(request.auth)
    return 200, [webhook_out(s) for s in WebhookSubscription.objects.all()]


@router.post("/webhooks", response={201: dict, **ERR}, operation_id="webhooks_create")
def create_webhook(request: HttpRequest, payload: WebhookIn):
    sub = webhooks.webhook_save(actor=request.auth, data=payload.model_dump(exclude_none=True))
    return 201, webhook_out(sub)


@router.patch(
    "/webhooks/{int:webhook_id}", response={200: dict, **ERR}, operation_id="webhooks_update"
)
def update_webhook(request: HttpRequest, webhook_id: int, payload: WebhookIn):
    access.require_admin(request.auth)
    sub = get_object_or_404(WebhookSubscription, pk=webhook_id)
    data = payload.model_dump(exclude_unset=True)
    return 200, webhook_out(webhooks.webhook_save(actor=request.auth, data=data, subscription=sub))


@router.delete(
    "/webhooks/{int:webhook_id}", response={204: None, **ERR}, operation_id="webhooks_delete"
)
def delete_webhook(request: HttpRequest, webhook_id: int):
    access.require_admin(request.auth)
    sub = get_object_or_404(WebhookSubscription, pk=webhook_id)
    webhooks.webhook_delete(actor=request.auth, subscription=sub)
    return 204, None


@router.get(
    "/webhooks/{int:webhook_id}/deliveries",
    response={200: list[dict], **ERR},
    operation_id="webhooks_deliveries",
    summary="The delivery log of a webhook, newest first",
)
def list_deliveries(request: HttpRequest, webhook_id: int, limit: int = 50):
    access.require_admin(request.auth)
    qs = WebhookDelivery.objects.filter(subscription_id=webhook_id)[: max(1, min(limit, 500))]
    return 200, [delivery_out(d) for d in qs]


@router.get(
    "/webhook-deliveries/{uuid:delivery_id}",
    response={200: dict, **ERR},
    operation_id="webhook_deliveries_get",
)
def get_delivery(request: HttpRequest, delivery_id: str):
    access.require_admin(request.auth)
    return 200, delivery_out(get_object_or_404(WebhookDelivery, pk=delivery_id), log=True)


@router.post(
    "/webhook-deliveries/{uuid:delivery_id}/redeliver",
    response={202: dict, **ERR},
    operation_id="webhook_deliveries_redeliver",
    summary="Send a delivery again (same id and body)",
)
def redeliver(request: HttpRequest, delivery_id: str):
    delivery = webhooks.webhook_redeliver(actor=request.auth, delivery_id=delivery_id)
    return 202, delivery_out(delivery)


class TemplateIn(Strict):
    subject: str | None = Field(None, min_length=1, max_length=255)
    body: str | None = Field(None, max_length=100_000)
    due_in_days: int | None = Field(None, ge=0, le=3650)
    assignee: Literal["owner", "user", "round_robin"] | None = None
    user_id: Id | None = None
    team_id: Id | None = None
    status_ids: list[Id] | None = Field(None, max_length=100)
    active: bool | None = None


def template_out(t: TaskTemplate) -> dict:
    return {
        "id": t.pk,
        "subject": t.subject,
        "body": t.body,
        "due_in_days": t.due_in_days,
        "assignee": t.assignee,
        "user_id": t.user_id,
        "team_id": t.team_id,
        "status_ids": sorted(s.pk for s in t.statuses.all()),
        "active": t.active,
    }


@router.get("/task-templates", response={200: list[dict], **ERR}, operation_id="templates_list")
def list_templates(request: HttpRequest):
    access.require_admin(request.auth)
    return 200, [template_out(t) for t in TaskTemplate.objects.prefetch_related("statuses")]


@router.post("/task-templates", response={201: dict, **ERR}, operation_id="templates_create")
def create_template(request: HttpRequest, payload: TemplateIn):
    data = payload.model_dump(exclude_unset=True)
    return 201, template_out(services.task_template_save(actor=request.auth, data=data))


@router.patch(
    "/task-templates/{int:template_id}",
    response={200: dict, **ERR},
    operation_id="templates_update",
)
def update_template(request: HttpRequest, template_id: int, payload: TemplateIn):
    access.require_admin(request.auth)
    template = get_object_or_404(TaskTemplate, pk=template_id)
    data = payload.model_dump(exclude_unset=True)
    saved = services.task_template_save(actor=request.auth, data=data, template=template)
    return 200, template_out(saved)


@router.delete(
    "/task-templates/{int:template_id}",
    response={204: None, **ERR},
    operation_id="templates_delete",
)
def delete_template(request: HttpRequest, template_id: int):
    access.require_admin(request.auth)
    services.task_template_delete(
        actor=request.auth, template=get_object_or_404(TaskTemplate, pk=template_id)
    )
    return 204, None


class RuleIn(Strict):
    name: str | None = Field(None, min_length=1, max_length=150)
    order: int | None = Field(None, ge=0, le=100000)
    channel: Literal["any", "webform", "import"] | None = None
    country: str | None = Field(None, max_length=2)
    source_id: Id | None = None
    user_id: Id | None = None
    team_id: Id | None = None
    active: bool | None = None


def rule_out(r: AssignmentRule) -> dict:
    return {name: getattr(r, name) for name in ("id", *services.RULE_ATTRS)}


@router.get("/assignment-rules", response={200: list[dict], **ERR}, operation_id="rules_list")
def list_rules(request: HttpRequest):
    access.require_admin(request.auth)
    return 200, [rule_out(r) for r in AssignmentRule.objects.all()]


@router.post("/assignment-rules", response={201: dict, **ERR}, operation_id="rules_create")
def create_rule(request: HttpRequest, payload: RuleIn):
    data = payload.model_dump(exclude_unset=True)
    return 201, rule_out(services.assignment_rule_save(actor=request.auth, data=data))


@router.delete(
    "/assignment-rules/{int:rule_id}", response={204: None, **ERR}, operation_id="rules_delete"
)
def delete_rule(request: HttpRequest, rule_id: int):
    access.require_admin(request.auth)
    rule = get_object_or_404(AssignmentRule, pk=rule_id)
    services.assignment_rule_delete(actor=request.auth, rule=rule)
    return 204, None


class EmailIn(Strict):
    record_type: Literal["lead", "client", "contact", "deal"]
    record_id: int
    to: str = Field(..., max_length=320)
    subject: str = Field(..., max_length=255)
    body: str = Field("", max_length=100_000)


@router.post(
    "/emails",
    response={202: dict, **ERR},
    operation_id="emails_send",
    summary="Send an e-mail from a record (an e-mail activity; the worker sends it)",
)
def send_email(
    request: HttpRequest,
    payload: EmailIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):

    def write():
        outgoing = email_send(actor=request.auth, **payload.model_dump())
        return 202, {
            "id": str(outgoing.pk),
            "activity_id": outgoing.activity_id,
            "status": outgoing.status,
        }

    return run_idempotent(
        request, actor=request.auth, key=idempotency_key, endpoint="POST /emails", write=write
    )


@router.get(
    "/notifications",
    response={200: list[dict], **ERR},
    operation_id="notifications_list",
    summary="The caller's in-app notifications (reminders that fell due), newest first",
)
def list_notifications(request: HttpRequest, unread: bool = False, limit: int = 50):

    qs = Notification.objects.filter(user=request.auth)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return 200, [
        {
            "id": n.pk,
            "text": n.text,
            "record_type": n.record_type,
            "record_id": n.record_id,
            "activity_id": n.activity_id,
            "created_at": n.created_at.isoformat(),
            "read": n.read_at is not None,
        }
        for n in qs[: max(1, min(limit, 500))]
    ]


@router.post(
    "/notifications/{int:notification_id}/read",
    response={204: None, **ERR},
    operation_id="notifications_read",
)
def read_notification(request: HttpRequest, notification_id: int):
    notification = get_object_or_404(Notification, pk=notification_id, user=request.auth)
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return 204, None
