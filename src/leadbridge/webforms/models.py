"""Web forms (F23): a public form per key whose submissions become leads."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from leadbridge.duplicates import policy


def _key() -> str:
    return secrets.token_urlsafe(12)


class WebForm(models.Model):
    name = models.CharField(_("name"), max_length=150)
    key = models.CharField(max_length=40, unique=True, default=_key)
    language = models.CharField(_("language"), max_length=10, default="en")
    fields = models.JSONField(default=list)  # lead field names shown, in order
    required_fields = models.JSONField(default=list)
    consent_text = models.TextField(_("consent text"), blank=True, default="")
    source = models.ForeignKey(
        "leads.LeadSource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.ForeignKey(
        "leads.LeadStatus", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # With no owner: the team's members take turns (round-robin); with neither, the rules.
    team = models.ForeignKey(
        "people.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # With "Use leads" off a submission makes a deal here (its first stage); none: the
    # default pipeline (leads/intake.py).
    pipeline = models.ForeignKey(
        "deals.Pipeline", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    allowed_origins = models.JSONField(default=list)  # "https://example.com"
    thank_you_message = models.TextField(blank=True, default="")
    redirect_url = models.URLField(max_length=1000, blank=True, default="")
    autoresponder_subject = models.CharField(max_length=255, blank=True, default="")
    autoresponder_body = models.TextField(blank=True, default="")
    # What a submission matching an existing record does (duplicates/policy.py: the values
    # a public form may use).
    on_duplicate = models.CharField(
        max_length=10, choices=policy.choices(policy.WEBFORM), default=policy.OnDuplicate.LINK
    )
    min_fill_seconds = models.PositiveIntegerField(default=3)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class WebFormSubmission(models.Model):
    """What each accepted submission did (no personal data: the lead holds that)."""

    form = models.ForeignKey(WebForm, on_delete=models.CASCADE, related_name="submissions")
    lead_id = models.BigIntegerField(null=True, blank=True)
    # With "Use leads" off: the deal made (none when the submission was skipped).
    deal_id = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20)  # created, skipped, updated, linked
    created_at = models.DateTimeField(auto_now_add=True)


class RateCounter(models.Model):
    """Fixed-window hit counters of the public endpoint, shared by every server process.

    One row per key (a form, or a form and a hashed client address), reused window after
    window; one atomic upsert per hit (webforms/spam.py)."""

    key = models.CharField(max_length=100, unique=True)
    window_start = models.BigIntegerField()  # seconds since the epoch
    hits = models.PositiveIntegerField(default=0)
