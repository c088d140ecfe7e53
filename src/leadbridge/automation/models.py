"""Automations: task templates on lead statuses, assignment rules, webhook subscriptions
and their delivery log."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The events a webhook can subscribe to: <record type>.<what happened>.
RECORD_TYPES = ("lead", "client", "contact", "deal")
ACTIONS = ("created", "updated", "status_changed", "converted", "merged", "deleted")
# Quotes and pro-forma invoices (documents app): issued, sent to the customer, paid.
DOCUMENT_EVENTS = ("document.created", "document.sent", "document.paid")
EVENTS = tuple(f"{t}.{a}" for t in RECORD_TYPES for a in ACTIONS) + DOCUMENT_EVENTS


class TaskTemplate(models.Model):
    """A task made on a lead each time it arrives in one of `statuses` (F10)."""

    class Assignee(models.TextChoices):
        OWNER = "owner", _("lead owner")
        USER = "user", _("a user")
        ROUND_ROBIN = "round_robin", _("team round-robin")

    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"), blank=True, default="")
    due_in_days = models.PositiveIntegerField(_("due in days"), default=0)
    assignee = models.CharField(max_length=20, choices=Assignee.choices, default="owner")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "people.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    statuses = models.ManyToManyField("leads.LeadStatus", blank=True, related_name="+")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.subject


class RoundRobinCursor(models.Model):
    """Where a round-robin among a team's members stands; the row is locked while it moves,
    so concurrent web form posts in several processes take turns."""

    key = models.CharField(max_length=100, unique=True)
    last_user_id = models.BigIntegerField(null=True, blank=True)


class AssignmentRule(models.Model):
    """Assign new leads from a web form or an import: the first active matching rule wins."""

    class Channel(models.TextChoices):
        ANY = "any", _("any")
        WEBFORM = "webform", _("web form")
        IMPORT = "import", _("import")

    order = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=150)
    channel = models.CharField(max_length=20, choices=Channel.choices, default="any")
    country = models.CharField(max_length=2, blank=True, default="")
    source = models.ForeignKey(
        "leads.LeadSource", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "people.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


def _secret() -> str:
    return secrets.token_hex(24)


class WebhookSubscription(models.Model):
    url = models.URLField(max_length=1000)
    events = models.JSONField(default=list)  # names from EVENTS
    secret = models.CharField(max_length=100, default=_secret)
    active = models.BooleanField(default=True)
    description = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one subscription. The body is fixed when the change commits (the record
    as it was then) and re-sent unchanged by retries and manual redelivery; it holds personal
    data, so it is one of the places a GDPR erasure must reach (docs/automation.md)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")  # gave up after the last retry

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=50)
    record_type = models.CharField(max_length=20)
    record_id = models.BigIntegerField()
    body = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default="pending")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["record_type", "record_id"])]


class WebhookAttempt(models.Model):
    """The delivery log: one row per HTTP attempt with its response code or error."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.IntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    duration_ms = models.IntegerField(default=0)
    response_excerpt = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]


class ConfigGeneration(models.Model):
    """One row whose `value` changes whenever a settings table read on every capture changes
    (statuses, sources, custom fields, rules, templates, webhooks, system actors).

    Database triggers change it (migration 0002), so every way of writing those tables counts
    (services, admin, bulk updates, raw SQL), and a rolled-back change rolls it back too.
    The value is random, never a counter: a generation seen inside a transaction that rolled
    back must never come back for different rows. `core/confcache.py` reads it."""

    value = models.BigIntegerField(default=0)
