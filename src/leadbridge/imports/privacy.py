"""The imports' personal-data place (GDPR export and erasure): undo data, failed rows and the
uploaded files of finished imports."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy

from leadbridge.privacy.places import Scrubber, Subject, register

from .models import ImportBatch, ImportJob, ImportRowError

FINISHED = ("done", "cancelled", "failed", "undone")


def _batches(subject: Subject):
    ids = set(subject.ids("lead"))
    for batch in ImportBatch.objects.exclude(updated=[]).iterator():
        if any(entry.get("id") in ids for entry in batch.updated or []):
            yield batch


def export(subject: Subject) -> list[dict]:
    ids = set(subject.ids("lead"))
    return [
        {"import_batch": b.pk, "before": [e for e in b.updated if e.get("id") in ids]}
        for b in _batches(subject)
    ]


def erase(subject: Subject, scrub: Scrubber) -> int:
    changed = 0
    for batch in _batches(subject):
        updated = scrub.value(batch.updated)
        if updated != batch.updated:
            batch.updated = updated
            batch.save(update_fields=["updated"])
            changed += 1
    for row in ImportRowError.objects.iterator():
        if scrub.found(row.cells) or scrub.found(row.message):
            row.cells, row.message = scrub.value(row.cells), scrub.text(row.message)
            row.save(update_fields=["cells", "message"])
            changed += 1
    # A finished import's file is needed no more (undo and the error report keep their own
    # data): the one that holds the person goes.
    for job in ImportJob.objects.filter(status__in=FINISHED).exclude(file=""):
        if not default_storage.exists(job.file):
            continue
        with default_storage.open(job.file, "rb") as fh:
            raw = fh.read()
        texts = (raw.decode("utf-8", errors="ignore"), raw.decode("cp1250", errors="ignore"))
        if any(scrub.found(text) for text in texts):
            default_storage.delete(job.file)
            changed += 1
    return changed


def register_place() -> None:
    register(
        "imports",
        description=gettext_lazy(
            "Undo data of imports, rows that failed, uploaded files of finished imports"
        ),
        export=export,
        erase=erase,
    )
