"""Periodic work, run once per cluster however many worker nodes there are.

Apps register their periodic tasks here from `apps.ready` (the outbound sweep, the reminders
sweep, retention; a future weight refresh registers the same way), as a cron line and a
django-tasks task that is safe to run twice.

On the database queue nothing here runs by itself: the operator's cron calls the commands
(`leadbridge manage outbound_sweep`, `leadbridge retention --apply`), as before. With
TASKS_URL every `leadbridge worker` writes the schedule to Redis under fixed job ids (so a
second node rewrites the same entries instead of adding its own) and runs rq-scheduler's loop;
that loop moves due jobs to the queue only while it holds rq-scheduler's Redis lock, so each
run is enqueued once in the cluster, and then one worker takes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

JOB_PREFIX = "leadbridge-periodic-"


@dataclass(frozen=True)
class Periodic:
    name: str
    cron: str  # minute hour day month weekday, in UTC
    task: Any  # a django-tasks Task without arguments
    enabled: Any = None  # a callable: False skips the run (read when scheduling)


_registry: dict[str, Periodic] = {}


def register_periodic(name: str, cron: str, task: Any, *, enabled: Any = None) -> None:
    """Run `task` on the `cron` schedule (once per cluster with RQ)."""
    _registry[name] = Periodic(name, cron, task, enabled)


def registered() -> list[Periodic]:
    return sorted(_registry.values(), key=lambda p: p.name)


def scheduler(connection: Any = None) -> Any:
    import django_rq  # reads settings on import; the CLI imports this module before setup
    from rq_scheduler import Scheduler  # RQ only (TASKS_URL); 0.1 s to import

    queue = django_rq.get_queue("default")
    return Scheduler(queue=queue, connection=connection or queue.connection, interval=10)


def schedule_on_redis(connection: Any = None) -> list[str]:
    """Write the registered schedule to Redis (idempotent; entries no longer registered or
    now disabled are removed). Answers the job ids scheduled."""
    sched = scheduler(connection)
    wanted: dict[str, Periodic] = {}
    for item in registered():
        if item.enabled is not None and not item.enabled():
            continue
        wanted[JOB_PREFIX + item.name] = item
    for job in sched.get_jobs():
        if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
            sched.cancel(job)
            job.delete()
    current = {job.id: job for job in sched.get_jobs() if job.id.startswith(JOB_PREFIX)}
    for job_id, item in wanted.items():
        existing = current.get(job_id)
        if existing is not None and existing.meta.get("cron_string") == item.cron:
            continue  # keep its next run time (re-adding would move it)
        sched.cron(
            item.cron,
            func=item.task.module_path,
            id=job_id,
            queue_name=item.task.queue_name,
            meta={"backend_name": "default"},
            timeout=int(settings.RQ_QUEUES["default"].get("DEFAULT_TIMEOUT") or 3600),
        )
    return sorted(wanted)
