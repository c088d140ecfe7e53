"""Background finder runs: the job row carries the request, the task only its id."""

from __future__ import annotations

import time
from typing import Any

from django.utils import timezone
from django_tasks import task

from leadbridge.people.models import User

from . import finder, weights
from .models import FinderJob, WeightsJob


def start_finder(*, actor: Any, params: dict) -> FinderJob:
    job = FinderJob.objects.create(created_by=actor, params=params)
    run_finder.enqueue(str(job.pk))
    return job


@task()
def run_finder(job_id: str) -> None:
    job = FinderJob.objects.get(pk=job_id)
    if job.status != FinderJob.Status.QUEUED:
        return
    FinderJob.objects.filter(pk=job.pk).update(status=FinderJob.Status.RUNNING)
    actor = User.objects.get(pk=job.created_by_id)
    last = [0.0]

    def progress(value: float) -> None:
        # Written at most twice a second: progress is for the user, not a hot path.
        if time.monotonic() - last[0] > 0.5:
            last[0] = time.monotonic()
            FinderJob.objects.filter(pk=job.pk).update(progress=min(value, 0.99))

    params = job.params
    try:
        groups = finder.find_groups(
            actor=actor,
            record_type=params["record_type"],
            rules=params.get("fields"),
            threshold=params.get("threshold"),
            filters=params.get("filters"),
            progress=progress,
        )
    except Exception as exc:  # the job reports any failure rather than vanish
        FinderJob.objects.filter(pk=job.pk).update(
            status=FinderJob.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    FinderJob.objects.filter(pk=job.pk).update(
        status=FinderJob.Status.DONE, progress=1.0, result=groups, finished_at=timezone.now()
    )


@task()
def run_weights_training(job_id: str) -> None:
    """Learn the match weights (`weights.weights_train`), reporting progress on the job."""

    job = WeightsJob.objects.get(pk=job_id)
    if job.status != WeightsJob.Status.QUEUED:
        return
    WeightsJob.objects.filter(pk=job.pk).update(status=WeightsJob.Status.RUNNING)
    last = [0.0]

    def progress(value: float) -> None:
        if time.monotonic() - last[0] > 0.5:
            last[0] = time.monotonic()
            WeightsJob.objects.filter(pk=job.pk).update(progress=min(value, 0.99))

    try:
        row = weights.weights_train(actor=job.created_by, progress=progress)
    except Exception as exc:  # the job reports any failure rather than vanish
        WeightsJob.objects.filter(pk=job.pk).update(
            status=WeightsJob.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    WeightsJob.objects.filter(pk=job.pk).update(
        status=WeightsJob.Status.DONE,
        progress=1.0,
        weights=row,
        finished_at=timezone.now(),
    )
