"""The import's background task: the job row carries everything, the task only its id."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from .models import ImportJob


@task()
def run_import(job_id: int) -> None:
    from .services import run_job

    try:
        run_job(job_id)
    except Exception as exc:  # the job reports any failure rather than vanish
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
