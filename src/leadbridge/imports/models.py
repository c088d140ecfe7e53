"""Import jobs: the uploaded file, the mapping, progress, row errors and what to undo."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from leadbridge.duplicates.policy import OnDuplicate


class ImportJob(models.Model):
    """One import of one file. The worker runs it in batches; each batch commits its rows,
    its errors, its undo data and the job's progress together, so a crashed worker resumes
    after the last committed batch and no row is imported twice."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")  # waiting for the mapping and a start
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        UNDONE = "undone", _("Undone")

    record_type = models.CharField(max_length=10, default="lead")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The file as uploaded (in the default storage) and how it is read.
    file = models.CharField(max_length=500)
    filename = models.CharField(max_length=255)
    size = models.BigIntegerField(default=0)
    format = models.CharField(max_length=10)
    sheet = models.CharField(max_length=255, blank=True, default="")
    sheets = models.JSONField(default=list, blank=True)
    encoding = models.CharField(max_length=40, blank=True, default="")
    delimiter = models.CharField(max_length=2, blank=True, default="")
    headers = models.JSONField(default=list)
    # What the user chose (see mapping.Mapping) and how duplicates are treated.
    mapping = models.JSONField(default=dict, blank=True)
    on_duplicate = models.CharField(
        max_length=10, choices=OnDuplicate.choices, default=OnDuplicate.SKIP
    )
    match_on = models.CharField(max_length=30, default="email")
    run_automations = models.BooleanField(default=False)
    create_missing = models.BooleanField(default=False)
    # Progress. `rows_done` counts data rows consumed from the file: the resume point.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    rows_failed = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    run_seconds = models.FloatField(default=0.0)  # time spent running, over every resume
    # The run lease (engine.claim): the token of the run that holds the job and when it last
    # showed it is alive; one run writes at a time however many were started.
    runner = models.CharField(max_length=32, blank=True, default="")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class ImportBatch(models.Model):
    """A committed batch: the checkpoint and the undo data (ids created, rows before update).

    One row per batch, not per record, so keeping the undo data costs little. Holds personal
    data (snapshots of updated records) until the job is deleted.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="batches")
    first_row = models.PositiveIntegerField()
    rows = models.PositiveIntegerField()
    created_ids = models.JSONField(default=list)
    updated = models.JSONField(default=list)  # [{"id", "before": {field: value}}]
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["first_row"]


class ImportRowError(models.Model):
    """A row that was not imported: its line, the column, the reason and its original cells
    (so the error report can be fixed and re-imported). Holds personal data."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField()
    column = models.CharField(max_length=255, blank=True, default="")
    field = models.CharField(max_length=100, blank=True, default="")
    message = models.TextField()
    cells = models.JSONField(default=list)

    class Meta:
        ordering = ["line", "id"]
        indexes = [models.Index(fields=["job", "line"])]


class MappingTemplate(models.Model):
    """A saved mapping, offered again for a file with the same set of headers."""

    record_type = models.CharField(max_length=10, default="lead")
    signature = models.CharField(max_length=40)
    name = models.CharField(max_length=100, blank=True, default="")
    mapping = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "signature"], name="mappingtemplate_unique_signature"
            )
        ]
