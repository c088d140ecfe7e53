"""Tasks on Redis through RQ (TASKS_URL), for several worker nodes.

The database queue commits a task with the change that made it necessary. RQ has no
transaction, so here a task is pushed to Redis only when that change commits
(`transaction.on_commit`): a rolled-back change sends nothing, and a worker never picks up a
task whose rows it cannot see yet. What a crash between the commit and the push loses (the
process dies, Redis is away for a moment) is found again by the sweeps that run periodically
(`automation.sweep.outbound_sweep` for webhooks, e-mails and imports, the reminders sweep),
which is why every task checks its row first and may run twice.

A worker killed mid-job leaves its job in RQ's started registry; once its heartbeat lapses,
the maintenance of any live worker retries it (`Retry(max=TASKS_RETRIES)`), on any node.
Each job carries the enqueuing request's id, put back into the log context while it runs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import django_rq
from django.conf import settings
from django.db import transaction
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.base import TASK_MAX_PRIORITY, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id
from django_tasks_rq.backend import Job as TaskJob
from django_tasks_rq.backend import RQBackend as BaseRQBackend
from django_tasks_rq.backend import failed_callback, success_callback
from rq import Worker
from rq.job import Callback, JobStatus, Retry
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from . import context

logger = logging.getLogger(__name__)


class Job(TaskJob):
    """A task's job: runs with the request id of the request that enqueued it."""

    def perform(self) -> Any:
        token = context.request_id.set(self.meta.get("request_id") or f"task-{self.id}")
        try:
            return super().perform()
        finally:
            context.request_id.reset(token)


class RQBackend(BaseRQBackend):
    def enqueue(self, task, args, kwargs):  # type: ignore[no-untyped-def]
        self.validate_task(task)
        result: TaskResult = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,  # type: ignore[arg-type]
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        request_id = context.current()

        def push() -> None:
            self.push(task, list(args), dict(kwargs), result.id, request_id)

        # Outside a transaction this pushes at once; inside, when it commits. A push that
        # fails after the commit is logged, not raised: the change stands, and a sweep
        # enqueues its task again.
        transaction.on_commit(push, robust=True)
        task_enqueued.send(type(self), task_result=result)
        return result

    def push(self, task: Any, args: list, kwargs: dict, job_id: str, request_id: str = "-") -> Any:
        """Put the job on Redis now (the part `enqueue` defers to the commit)."""
        queue = django_rq.get_queue(task.queue_name, job_class=Job)
        retries = int(getattr(settings, "TASKS_RETRIES", 3))
        job = queue.create_job(
            task.module_path,
            args=args,
            kwargs=kwargs,
            job_id=job_id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(failed_callback),
            on_success=Callback(success_callback),
            meta={
                "backend_name": self.alias,
                **({"request_id": request_id} if request_id != "-" else {}),
            },
            retry=Retry(max=retries, interval=[10, 60, 300]) if retries > 0 else None,
        )
        if task.run_after is None:
            return queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
        return queue.schedule_job(job, task.run_after)


def is_rq() -> bool:
    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], BaseRQBackend)


def _queued_job_ids(queue: Any) -> Iterable[str]:
    yield from queue.get_job_ids()
    yield from ScheduledJobRegistry(queue=queue).get_job_ids()
    # Running, or abandoned and waiting for a live worker to retry it.
    started = StartedJobRegistry(queue=queue)
    yield from (job_id for job_id, _ in started.get_job_and_execution_ids(cleanup=False))


def live_first_args(task_path: str, queue_names: Iterable[str] = ("default",)) -> set[str]:
    """The first argument of every job of `task_path` that is queued, scheduled or running:
    what needs no new job (the sweep's question)."""
    found: set[str] = set()
    for name in queue_names:
        queue = django_rq.get_queue(name, job_class=Job)
        ids = list(dict.fromkeys(_queued_job_ids(queue)))
        for start in range(0, len(ids), 500):
            jobs = Job.fetch_many(ids[start : start + 500], connection=queue.connection)
            for job in jobs:
                if job is None or job.func_name != task_path or not job.args:
                    continue
                if job.get_status(refresh=False) in (JobStatus.FAILED, JobStatus.FINISHED):
                    continue
                found.add(str(job.args[0]))
    return found


def worker(queue_names: list[str], *, name: str | None = None) -> Any:
    """An RQ worker on the queues, finding abandoned jobs every TASKS_MAINTENANCE_SECONDS."""
    queues = [django_rq.get_queue(q, job_class=Job) for q in queue_names]
    maintenance = max(5, int(getattr(settings, "TASKS_MAINTENANCE_SECONDS", 60)))
    return Worker(
        queues,
        connection=queues[0].connection,
        job_class=Job,
        name=name,
        maintenance_interval=maintenance,
        # An idle worker waits on the queue for worker_ttl - 15 s between its maintenance
        # rounds (RQ's default: 405 s); this keeps the rounds at `maintenance` when idle too.
        worker_ttl=maintenance + 15,
    )


def figures(queue_name: str = "default") -> dict[str, int]:
    """The queue's figures for /metrics, as the database queue's are counted."""
    queue = django_rq.get_queue(queue_name, job_class=Job)
    started_ids = [
        job_id for job_id, _ in StartedJobRegistry(queue=queue).get_job_and_execution_ids()
    ]
    failed_ids = queue.failed_job_registry.get_job_ids()
    started = [j for j in Job.fetch_many(started_ids, connection=queue.connection) if j]
    failed = [j for j in Job.fetch_many(failed_ids[:10_000], connection=queue.connection) if j]
    return {
        "ready": queue.count + ScheduledJobRegistry(queue=queue).count,
        "running": len(started),
        "failed": len(failed_ids),
        "imports_running": sum(".imports." in (j.func_name or "") for j in started),
        "webhook_failures": sum(".webhooks." in (j.func_name or "") for j in failed),
    }


def ping() -> None:
    """Raise unless the queue's Redis answers (readiness)."""
    django_rq.get_connection("default").ping()
