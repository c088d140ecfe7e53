"""Duplicate detection and merge: match keys, "not a duplicate" marks, merges, finder runs."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MatchKey(models.Model):
    """One blocking key of a lead, client or contact (see `matching.blocking_keys`).

    Kept in step with the record on every save, so a check looks up a handful of keys
    through the index instead of scanning the tables. Holds personal data (normalized
    e-mails, phones, names): GDPR erasure removes a record's keys.
    """

    # A key's records are found by the primary key's index, a record's keys by
    # `matchkey_record`: two indexes a row (an import files about ten keys a lead). The key
    # leads the primary key: led by the record type, which every row shares, the index
    # looked like a match for key lookups, and the planner scanned all of it.
    pk = models.CompositePrimaryKey("key", "record_type", "record_id")
    record_type = models.CharField(max_length=10)
    record_id = models.BigIntegerField()
    key = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["record_type", "record_id"], name="matchkey_record")]


class MatchProfile(models.Model):
    """A record's values as the matcher compares them (`matching.encode`), with its display
    name: the finder reads these instead of normalizing every record again. Kept with the
    keys; personal data like them."""

    pk = models.CompositePrimaryKey("record_type", "record_id")
    record_type = models.CharField(max_length=10)
    record_id = models.BigIntegerField()
    data = models.TextField()


class NotDuplicate(models.Model):
    """A pair a user said is not one: never proposed again. Ordered so (a, b) is unique."""

    a_type = models.CharField(max_length=10)
    a_id = models.BigIntegerField()
    b_type = models.CharField(max_length=10)
    b_id = models.BigIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["a_type", "a_id", "b_type", "b_id"], name="notduplicate_unique_pair"
            )
        ]


class MergeRecord(models.Model):
    """A merge and everything needed to undo it: a snapshot of every row it changed."""

    record_type = models.CharField(max_length=10)
    survivor_id = models.BigIntegerField(db_index=True)
    merged_ids = models.JSONField(default=list)
    choices = models.JSONField(default=dict)
    snapshot = models.JSONField(default=dict)
    survivor_version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]


class FinderJob(models.Model):
    """A finder run too large for one request, done by the background worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)


class MatchWeights(models.Model):
    """One learned version of the match weights (`fellegi_sunter.Weights.to_json`): m and u
    per field and level, the prior and the term frequencies. The newest is the current one;
    none means the built-in defaults (version 0)."""

    version = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    record_type = models.CharField(max_length=10, default="lead")
    record_count = models.PositiveIntegerField(default=0)
    pair_count = models.PositiveBigIntegerField(default=0)
    seconds = models.FloatField(default=0.0)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["-version"]


class WeightsJob(models.Model):
    """A training of the match weights, done by the background worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    weights = models.ForeignKey(
        MatchWeights, null=True, on_delete=models.SET_NULL, related_name="+"
    )
