"""The timeline: one event model for creations, changes, deletions, conversions and merges.

Events are keyed by record type and id with no foreign key, so they outlive the record.
"""

from django.db import models


class HistoryEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        DELETED = "deleted"
        RESTORED = "restored"
        STATUS_CHANGED = "status_changed"
        CONVERTED = "converted"
        CONVERTED_FROM = "converted_from"
        MERGED = "merged"
        MERGE_UNDONE = "merge_undone"
        ACTIVITY = "activity"
        ATTACHMENT = "attachment"

    record_type = models.CharField(max_length=20)
    record_id = models.BigIntegerField()
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=255, blank=True, default="")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    field = models.CharField(max_length=100, blank=True, default="")
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["record_type", "record_id", "at"])]
