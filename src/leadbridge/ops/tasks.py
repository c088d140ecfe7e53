"""The database task backend, carrying the enqueuing request's id into the worker.

The id rides in the task row's `args_kwargs` beside the arguments (the worker reads only
"args" and "kwargs"), and the worker's task_started signal puts it back into the log context,
so one id follows a change from the request to every background effect of it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend as BaseDatabaseBackend
from django_tasks_db.compat import task_finished, task_started

from . import context, rq

_tokens: dict[str, Any] = {}


class DatabaseBackend(BaseDatabaseBackend):
    def _task_to_db_task(self, task, args, kwargs):
        db_task = super()._task_to_db_task(task, args, kwargs)
        rid = context.current()
        if rid != "-":
            db_task.args_kwargs = {**db_task.args_kwargs, "request_id": rid}
            type(db_task).objects.filter(pk=db_task.pk).update(args_kwargs=db_task.args_kwargs)
        return db_task


def _started(sender, task_result, **kwargs) -> None:
    db_result = getattr(task_result, "db_result", None)
    rid = (getattr(db_result, "args_kwargs", None) or {}).get("request_id")
    _tokens[str(task_result.id)] = context.request_id.set(rid or f"task-{task_result.id}")


def _finished(sender, task_result, **kwargs) -> None:
    token = _tokens.pop(str(task_result.id), None)
    if token is not None:
        context.request_id.reset(token)


def connect_worker_signals() -> None:
    task_started.connect(_started, dispatch_uid="leadbridge.ops.task_started")
    task_finished.connect(_finished, dispatch_uid="leadbridge.ops.task_finished")


def live_first_args(task_path: str, stale: timedelta) -> set[str]:
    """The first argument of each live task of `task_path` (queued, scheduled or running), on
    whichever queue is in use: what the sweeps need not enqueue again. On the database queue
    a task RUNNING for longer than `stale` counts as dead (its worker was killed); RQ finds
    an abandoned job itself."""
    from django_tasks_db.models import DBTaskResult  # model: the backend may load before the apps

    if rq.is_rq():
        return rq.live_first_args(task_path)
    cutoff = timezone.now() - stale
    rows = DBTaskResult.objects.filter(task_path=task_path).filter(
        Q(status=TaskResultStatus.READY)
        | Q(status=TaskResultStatus.RUNNING, started_at__gte=cutoff)
    )
    return {str(args["args"][0]) for args in rows.values_list("args_kwargs", flat=True)}
