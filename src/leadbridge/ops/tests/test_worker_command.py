"""`leadbridge worker`: the database queue's worker by default, an RQ worker node (the RQ
worker and the periodic scheduler) with TASKS_URL."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import override_settings

from leadbridge import cli
from leadbridge.ops.testing import require_redis, rq_settings


def _run(argv: list[str]) -> tuple[list, list]:
    ran: list = []
    managed: list = []
    with (
        mock.patch.object(cli, "_run_children", side_effect=lambda c: ran.extend(c) or 0),
        mock.patch.object(
            cli, "execute_from_command_line", side_effect=lambda a: managed.append(a)
        ),
    ):
        assert cli.main(argv) == 0
    return ran, managed


def test_without_tasks_url_it_is_the_database_worker():
    ran, managed = _run(["worker", "--queues", "default", "--batch"])
    assert ran == []
    assert managed == [["leadbridge worker", "db_worker", "--queue-name", "default", "--batch"]]


@pytest.mark.django_db
def test_with_tasks_url_it_runs_the_rq_worker_and_the_scheduler():
    client = require_redis()
    with override_settings(**rq_settings()):
        ran, managed = _run(["worker", "--queues", "default", "--name", "w1"])
        assert managed == []
        assert [c[3:] for c in ran] == [
            ["manage", "rq_work", "default", "--name", "w1"],
            ["manage", "rq_periodic"],
        ]
        # The schedule is on Redis before the processes start.
        assert client.zcard("rq:scheduler:scheduled_jobs") >= 3
        ran, _ = _run(["worker", "--no-periodic"])
        assert [c[3:] for c in ran] == [["manage", "rq_work", "default"]]
    client.flushdb()


def test_rq_work_refuses_without_tasks_url():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="TASKS_URL"):
        call_command("rq_work")
