"""Consent given on a web form: the text shown and the time, kept with the lead."""

from django.db import models


class Consent(models.Model):
    """One consent: which record it belongs to, what the person was shown, and when.

    Keyed by record type and id without a foreign key, like history, so it outlives the
    record. The web form that captures a lead calls `consent_record` in its transaction.
    """

    record_type = models.CharField(max_length=20)
    record_id = models.BigIntegerField()
    text = models.TextField()
    given_at = models.DateTimeField()
    source = models.CharField(max_length=100, blank=True, default="")  # "webform:contact-us"
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["given_at", "id"]
        indexes = [models.Index(fields=["record_type", "record_id"])]
