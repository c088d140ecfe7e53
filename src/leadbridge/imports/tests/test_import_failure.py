"""A failed import tells its owner what happened in words, in their language (issue 19): raw
database text never reaches the job's `error`; it goes to the log with the reference the user
is given."""

import logging

import pytest
from django.db import DataError

from leadbridge.imports import jobs, readers, tasks
from leadbridge.imports.models import ImportJob

from .files import csv_bytes
from .test_import_services import upload

RAW = (
    "string too long to represent as jsonb string\nDETAIL: Due to an implementation "
    'restriction, jsonb strings cannot exceed 268435455 bytes.\nLINE 1: INSERT INTO "imports_'
)


def failing_job(actor, monkeypatch, exc: Exception) -> ImportJob:
    job = upload(actor, csv_bytes([["E-mail", "Příjmení"], ["a@firma.cz", "Alfa"]]))
    jobs.import_start(actor=actor, job_id=job.pk)

    def fail(job_id, **kwargs):
        raise exc

    monkeypatch.setattr(tasks, "run_job", fail)
    with pytest.raises(type(exc)):
        tasks.run_import.call(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    return job


def test_a_database_error_is_logged_and_the_user_reads_a_message_with_its_reference(
    users, monkeypatch, caplog
):
    manager = users["manager_north"]
    manager.language = "cs"
    manager.save(update_fields=["language"])
    with caplog.at_level(logging.ERROR, logger="leadbridge.imports.tasks"):
        job = failing_job(manager, monkeypatch, DataError(RAW))
    assert "jsonb" not in job.error and "LINE" not in job.error and "INSERT" not in job.error
    assert job.error.startswith("Import se zastavil kvůli chybě na serveru.")
    reference = f"import-{job.pk}"
    assert reference in job.error
    (record,) = [r for r in caplog.records if r.name == "leadbridge.imports.tasks"]
    assert reference in record.getMessage() and record.exc_info[1].args == (RAW,)
    assert record.import_job == job.pk


def test_a_file_unreadable_half_way_says_why(admin_user, monkeypatch):
    message = "Line 70001 is not valid utf-8 text; choose the encoding."
    job = failing_job(admin_user, monkeypatch, readers.ReadError(message))
    assert job.error == message
