"""The timeline: one event model for creations, changes, deletions, conversions and merges.

Events are keyed by record type and id with no foreign key, so they outlive the record.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HistoryEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        DELETED = "deleted", _("Deleted")
        RESTORED = "restored", _("Restored")
        STATUS_CHANGED = "status_changed", _("Status Changed")
        CONVERTED = "converted", _("Converted")
        CONVERTED_FROM = "converted_from", _("Converted From")
        MERGED = "merged", _("Merged")
        MERGE_UNDONE = "merge_undone", _("Merge Undone")
        ACTIVITY = "activity", _("Activity")
        ATTACHMENT = "attachment", _("Attachment")

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
