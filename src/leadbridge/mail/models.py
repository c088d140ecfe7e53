"""Outgoing e-mail: each message is an e-mail activity on its record; this row is its
envelope and sending state, so the task carries only this row's id."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutgoingEmail(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")  # gave up after the last retry

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    activity = models.ForeignKey(
        "activities.Activity", on_delete=models.CASCADE, related_name="outgoing"
    )
    record_type = models.CharField(max_length=20)
    record_id = models.BigIntegerField()
    to = models.CharField(max_length=320)
    from_email = models.CharField(max_length=320, blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices, default="queued")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["record_type", "record_id"])]


class OutgoingAttachment(models.Model):
    """A file sent with an outgoing e-mail (a quote's PDF), kept as sent: the worker sends
    these bytes, and a retry sends the same ones even if the source changed meanwhile."""

    outgoing = models.ForeignKey(
        OutgoingEmail, on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    content = models.BinaryField()
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]


class Notification(models.Model):
    """An in-app message to one user (a reminder falling due). One per reminder and due
    time, so a reminder moved and moved back does not notify twice."""

    user = models.ForeignKey("people.User", on_delete=models.CASCADE, related_name="notifications")
    activity = models.ForeignKey(
        "activities.Activity", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    text = models.CharField(max_length=500)
    record_type = models.CharField(max_length=20, blank=True, default="")
    record_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "activity", "due_at"], name="notification_once_per_due"
            )
        ]
