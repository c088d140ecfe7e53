"""Custom-field definitions per record type; values live in each record's JSON column."""

from django.db import models
from django.utils.translation import gettext_lazy as _

RECORD_TYPE_CHOICES = [
    ("lead", _("lead")),
    ("client", _("client")),
    ("contact", _("contact")),
    ("deal", _("deal")),
]


class CustomFieldDefinition(models.Model):
    class Type(models.TextChoices):
        TEXT = "text", _("text")
        NUMBER = "number", _("number")
        DATE = "date", _("date")
        CHOICE = "choice", _("choice")
        BOOLEAN = "boolean", _("yes / no")

    record_type = models.CharField(max_length=20, choices=RECORD_TYPE_CHOICES)
    key = models.SlugField(max_length=64)
    label = models.CharField(max_length=150)
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.TEXT)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record_type", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record_type", "key"], name="customfield_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.record_type}.{self.key}"


class RequiredField(models.Model):
    """A built-in field an administrator made required (e.g. the Lithuanian seed's source)."""

    record_type = models.CharField(max_length=20, choices=RECORD_TYPE_CHOICES)
    field = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record_type", "field"], name="requiredfield_unique")
        ]

    def __str__(self) -> str:
        return f"{self.record_type}.{self.field}"
