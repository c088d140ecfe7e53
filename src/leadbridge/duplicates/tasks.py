"""Background runs of the finder and of the weights training: the job row carries the
request, the task only its id. Starting a training (by a user, or on its own when the
records have grown) is here too, beside the task it queues."""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from leadbridge.core.errors import Forbidden
from leadbridge.people import access
from leadbridge.people.models import User

from . import (
    finder,
    training,
    weights,  # its limits are read at call time: one place to set (and patch) them
)
from .models import FinderJob, MatchProfile, WeightsJob


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
    """Learn the match weights (`training.weights_train`), reporting progress on the job."""

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
        row = training.weights_train(actor=job.created_by, progress=progress)
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


# Training the match weights -----------------------------------------------------------------


def _may_train(actor: Any) -> bool:
    return bool(actor and actor.is_active and access.grant(actor, "lead")[0] == "all")


def weights_train_start(*, actor: Any) -> WeightsJob:
    """Queue a training (a user who sees every lead); a queued or running one is returned
    instead of starting a second."""
    if not _may_train(actor):
        raise Forbidden(_("Only a user who sees every lead may train the match weights."))
    return _enqueue(actor)


def _enqueue(actor: Any) -> WeightsJob:
    with transaction.atomic():
        busy = (
            WeightsJob.objects.select_for_update()
            .filter(status__in=(WeightsJob.Status.QUEUED, WeightsJob.Status.RUNNING))
            .order_by("-created_at")
            .first()
        )
        if busy:
            return busy
        job = WeightsJob.objects.create(created_by=actor)
        run_weights_training.enqueue(str(job.pk))
    return job


def maybe_refresh(record_type: str = "lead") -> WeightsJob | None:
    """Queue a training when the records have grown by `weights.REFRESH_GROWTH` since the current
    version (or reached `weights.MIN_RECORDS` without one). Called after each finder run
    (`finder.after_run`, registered in `apps.ready`), not from each save."""
    if record_type != "lead":
        return None
    count = MatchProfile.objects.filter(record_type="lead").count()
    base = weights.current().record_count
    if count < weights.MIN_RECORDS or (base and count < base * weights.REFRESH_GROWTH):
        return None
    return _enqueue(None)
