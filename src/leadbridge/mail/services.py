"""Sending e-mail from a record (the card's "New e-mail", web form autoresponders,
reminders): an e-mail activity plus an envelope row, and a task enqueued in the same
transaction that sends it through SMTP, with retries and backoff."""

from __future__ import annotations

import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from leadbridge.activities.services import activity_create
from leadbridge.automation.retry import retry_later
from leadbridge.core.errors import field_error
from leadbridge.core.normalize import InvalidValue, normalize_email
from leadbridge.history.models import HistoryEvent
from leadbridge.history.services import history_event

from .models import OutgoingAttachment, OutgoingEmail

# What one message may carry in attachments, in all: far below what mail servers refuse
# (commonly 20–25 MB after base64's third more), and bounded before anything is stored.
ATTACHMENTS_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_MAX_COUNT = 10


def _clean_attachments(attachments: Any) -> list[tuple[str, bytes, str]]:
    items = list(attachments or ())
    if len(items) > ATTACHMENTS_MAX_COUNT:
        raise field_error("attachments", _("Too many attachments."))
    cleaned, total = [], 0
    for item in items:
        filename, content, mimetype = item
        if not isinstance(content, bytes | bytearray) or not str(filename or "").strip():
            raise field_error("attachments", _("An attachment needs a name and content."))
        total += len(content)
        cleaned.append(
            (str(filename).strip()[:255], bytes(content), mimetype or "application/octet-stream")
        )
    if total > ATTACHMENTS_MAX_BYTES:
        raise field_error("attachments", _("The attachments are too large."))
    return cleaned


def email_send(
    *,
    actor: Any,
    record_type: str,
    record_id: int,
    to: str,
    subject: str,
    body: str,
    from_email: str = "",
    attachments: Any = None,
) -> OutgoingEmail:
    """Queue an e-mail to `to` about a record; it is sent when this transaction commits.

    `attachments`: `(filename, bytes, mimetype)` triples, stored with the envelope so the
    worker (and each retry) sends exactly these bytes."""
    try:
        address = normalize_email(to)
    except InvalidValue:
        address = ""
    if not address:
        raise field_error("to", _("Enter a valid e-mail address."))
    if not (subject or "").strip():
        raise field_error("subject", _("This field is required."))
    files = _clean_attachments(attachments)
    with transaction.atomic():
        activity = activity_create(
            actor=actor,
            record_type=record_type,
            record_id=record_id,
            data={"type": "email", "subject": subject, "body": body},
        ).obj
        outgoing = OutgoingEmail.objects.create(
            activity=activity,
            record_type=record_type,
            record_id=int(record_id),
            to=to.strip(),
            from_email=from_email,
        )
        for filename, content, mimetype in files:
            OutgoingAttachment.objects.create(
                outgoing=outgoing,
                filename=filename,
                content_type=mimetype,
                content=content,
                size=len(content),
            )
        send_email.enqueue(str(outgoing.pk))
    return outgoing


def _timeline(outgoing: OutgoingEmail, action: str, error: str = "") -> None:
    history_event(
        actor=None,
        record_type=outgoing.record_type,
        record_id=outgoing.record_id,
        kind=HistoryEvent.Kind.ACTIVITY,
        data={
            "activity_id": outgoing.activity_id,
            "type": "email",
            "subject": outgoing.activity.subject,
            "action": action,
            **({"error": error} if error else {}),
        },
    )


@task()
def send_email(outgoing_id: str) -> None:
    outgoing = OutgoingEmail.objects.select_related("activity").filter(pk=outgoing_id).first()
    if outgoing is None or outgoing.status == OutgoingEmail.Status.SENT:
        return
    activity = outgoing.activity
    message = EmailMessage(
        subject=activity.subject,
        body=activity.body,
        from_email=outgoing.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[outgoing.to],
        headers={"X-Leadbridge-Message": str(outgoing.pk)},
    )
    for attachment in outgoing.attachments.all():
        message.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        with transaction.atomic():
            # Another worker node may have sent it meanwhile (a sweep's task beside a
            # retry): a failure here must not put a sent e-mail back in the queue.
            current = (
                OutgoingEmail.objects.select_for_update()
                .filter(pk=outgoing.pk)
                .values_list("status", flat=True)
                .first()
            )
            if current in (None, OutgoingEmail.Status.SENT):
                return
            outgoing.attempts += 1
            outgoing.last_error = error
            when = retry_later(send_email, str(outgoing.pk), outgoing.attempts)
            outgoing.next_attempt_at = when
            if when is None:
                outgoing.status = OutgoingEmail.Status.FAILED
            outgoing.save(update_fields=["attempts", "last_error", "next_attempt_at", "status"])
            # Visible on the record's timeline: each failed attempt, and the giving up.
            _timeline(outgoing, "email_failed" if when else "email_gave_up", error)
        return
    with transaction.atomic():
        outgoing.attempts += 1
        outgoing.status = OutgoingEmail.Status.SENT
        outgoing.sent_at = timezone.now()
        outgoing.last_error = ""
        outgoing.next_attempt_at = None
        outgoing.save(
            update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"]
        )
        type(activity).objects.filter(pk=activity.pk).update(done=True, done_at=timezone.now())
        _timeline(outgoing, "email_sent")
