"""Activities and attachments, each linked to any number of records without copies."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    class Type(models.TextChoices):
        TASK = "task", _("task")
        CALL = "call", _("call")
        EMAIL = "email", _("e-mail")
        MEETING = "meeting", _("meeting")
        NOTE = "note", _("note")
        REMINDER = "reminder", _("reminder")

    type = models.CharField(max_length=20, choices=Type.choices)
    subject = models.CharField(_("subject"), max_length=255, blank=True, default="")
    body = models.TextField(_("text"), blank=True, default="")
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.subject or self.get_type_display()


class ActivityLink(models.Model):
    """One activity, several records: after a conversion it shows on the lead and the targets."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="links")
    record_type = models.CharField(max_length=20)
    record_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "record_type", "record_id"], name="activitylink_unique"
            )
        ]
        indexes = [models.Index(fields=["record_type", "record_id"])]


class Attachment(models.Model):
    file = models.FileField(upload_to="attachments/%Y/%m/")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True, default="")
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class AttachmentLink(models.Model):
    attachment = models.ForeignKey(Attachment, on_delete=models.CASCADE, related_name="links")
    record_type = models.CharField(max_length=20)
    record_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attachment", "record_type", "record_id"], name="attachmentlink_unique"
            )
        ]
        indexes = [models.Index(fields=["record_type", "record_id"])]
