"""The import's background task: the job row carries everything, the task only its id."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from leadbridge.core.errors import DomainError
from leadbridge.ops import context
from leadbridge.ops.tasks import live_first_args

from .engine import STALE_AFTER, lease_free, run_job
from .models import ImportJob
from .readers import ReadError

logger = logging.getLogger(__name__)


@task()
def run_import(job_id: int) -> None:
    try:
        run_job(job_id, wait_for_stale=True)
    except Exception as exc:  # the job reports any failure rather than vanish
        # Unless another run holds the job (this one failed before or without its lease):
        # that run goes on, and its job is not failed by this one.
        ImportJob.objects.filter(pk=job_id, runner="").update(
            status=ImportJob.Status.FAILED,
            error=failure_message(job_id, exc)[:2000],
            finished_at=timezone.now(),
        )
        raise


def failure_message(job_id: int, exc: BaseException) -> str:
    """What the job's owner reads about a failed import, in their language.

    A file that turns out unreadable half-way (`ReadError`) or a refused operation says why
    in words meant for users. Anything else (a database error, a bug) is logged whole with
    the request id, and the user reads a plain message with that id to quote: raw database
    text says nothing to them and may show values and table names."""
    owner = ImportJob.objects.filter(pk=job_id).select_related("created_by").first()
    language = (owner.created_by.language if owner else "") or settings.LANGUAGE_CODE
    with translation.override(language):
        if isinstance(exc, ReadError):
            return str(exc)
        if isinstance(exc, DomainError):
            return exc.detail
        reference = context.current()
        if reference == "-":  # run outside a task (the CLI, a test)
            reference = f"import-{job_id}"
        logger.error(
            "import %s failed (reference %s)",
            job_id,
            reference,
            exc_info=exc,
            extra={"import_job": job_id},
        )
        return _(
            "The import stopped because of an error on the server. Start it again to resume "
            "where it stopped; if it fails again, give the administrator this reference: "
            "%(reference)s."
        ) % {"reference": reference}


def imports_sweep(*, now=None) -> int:
    """Enqueue `run_import` again for each import left QUEUED or RUNNING without progress and
    without a live task: its push to RQ was lost between the commit and the push, or its
    worker died and RQ's retries ran out. Only a job whose run lease is free or stale
    (`engine.claim`): a run that is merely slow still refreshes its heartbeat. Should a
    second run start anyway, it gets no lease and does nothing; `run_job` resumes from the
    last committed batch and does nothing for a job that finished.
    Answers how many were enqueued."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=STALE_AFTER)
    waiting = ImportJob.objects.filter(
        Q(status=ImportJob.Status.QUEUED) | Q(status=ImportJob.Status.RUNNING),
        lease_free(now),
        updated_at__lt=stale,
    )
    live = live_first_args(run_import.module_path, timedelta(seconds=STALE_AFTER))
    ids = [pk for pk in waiting.values_list("pk", flat=True) if str(pk) not in live]
    for pk in ids:
        run_import.enqueue(pk)
    return len(ids)


@task()
def imports_sweep_task() -> int:
    """The imports sweep as a periodic task (ops/periodic.py)."""
    return imports_sweep()
