"""Structured logs carry the request id, and so do the background tasks a request enqueues."""

import json
import logging

import pytest
from django_tasks import task

from leadbridge.ops import context
from leadbridge.ops.logs import JsonFormatter, RequestIdFilter

SEEN: list[str] = []


@task()
def remember_request_id() -> None:
    SEEN.append(context.current())


def test_json_lines_with_request_id_and_extras():
    token = context.request_id.set("req-12345678")
    try:
        record = logging.LogRecord(
            "leadbridge.x", logging.WARNING, __file__, 1, "hi %s", ("you",), None
        )
        record.status = 503
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        context.request_id.reset(token)
    assert line["message"] == "hi you"
    assert line["request_id"] == "req-12345678"
    assert line["level"] == "WARNING" and line["status"] == 503


@pytest.mark.django_db
def test_a_task_runs_under_the_id_of_the_request_that_enqueued_it():
    from django_tasks_db.models import DBTaskResult

    from leadbridge.ops.tasks import _finished, _started

    token = context.request_id.set("req-abcdef12")
    try:
        result = remember_request_id.enqueue()
    finally:
        context.request_id.reset(token)
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.args_kwargs["request_id"] == "req-abcdef12"
    # What the worker does around the call (its task_started / task_finished signals).
    task_result = row.task_result
    _started(None, task_result)
    try:
        row.task.call(*task_result.args, **task_result.kwargs)
    finally:
        _finished(None, task_result)
    assert SEEN[-1] == "req-abcdef12"
    assert context.current() == "-"
