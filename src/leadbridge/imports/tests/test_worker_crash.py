"""A worker killed in the middle of an import (SIGKILL, PostgreSQL): the batch it was writing
vanishes, and the resumed import (here with the forked reader) imports every row once."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from leadbridge.imports import engine, jobs
from leadbridge.imports.models import ImportJob
from leadbridge.leads.models import Lead

from .files import csv_bytes
from .test_import_services import upload


def _worker_env() -> dict:
    """The environment of a worker process on the test database and media folder."""
    db = connection.settings_dict
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="leadbridge.settings_test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
    )


@pytest.mark.django_db(transaction=True)
def test_killed_worker_resumes_without_importing_a_row_twice(baseline_data, admin_user):
    if connection.vendor != "postgresql":
        pytest.skip("a second process needs a database file or server both can reach")
    rows = [["E-mail", "Příjmení"]] + [[f"u{i}@firma.cz", f"N{i}"] for i in range(25)]
    job = upload(admin_user, csv_bytes(rows, encoding="cp1250", delimiter=";"))
    jobs.import_start(actor=admin_user, job_id=job.pk)
    script = textwrap.dedent(
        f"""
        import os, signal, django
        django.setup()
        from leadbridge.imports import engine

        def die(job):
            if job.rows_done >= 10:  # the second batch is written, not committed
                os.kill(os.getpid(), signal.SIGKILL)

        engine.run_job({job.pk}, batch_size=5, on_batch=die)
        """
    )
    env = _worker_env()
    done = subprocess.run([sys.executable, "-c", script], env=env, timeout=120)
    assert done.returncode == -signal.SIGKILL
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_created) == ("running", 5, 5)
    assert Lead.objects.count() == 5
    # The dead worker's run lease holds until its heartbeat is stale: a run now does nothing.
    assert job.runner and engine.run_job(job.pk, batch_size=5).rows_done == 5
    assert Lead.objects.count() == 5
    past = timezone.now() - timedelta(seconds=engine.STALE_AFTER + 5)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=past)
    job = engine.run_job(job.pk, batch_size=5, parallel=True)
    assert (job.status, job.rows_done, job.rows_created, job.rows_failed) == ("done", 25, 25, 0)
    assert Lead.objects.count() == 25
    assert Lead.objects.values("email").distinct().count() == 25


@pytest.mark.django_db(transaction=True)
def test_a_checking_process_that_dies_fails_the_job_instead_of_hanging(
    baseline_data, admin_user, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("the forked checker runs on PostgreSQL")
    rows = [["E-mail", "Příjmení"]] + [[f"u{i}@firma.cz", f"N{i}"] for i in range(12)]
    job = upload(admin_user, csv_bytes(rows, encoding="cp1250", delimiter=";"))
    jobs.import_start(actor=admin_user, job_id=job.pk)

    def die(checker, line, cells):  # runs in the forked child: gone without a word
        os._exit(3)

    monkeypatch.setattr(engine, "check_row", die)
    with pytest.raises(RuntimeError, match="exit code 3"):
        engine.run_job(job.pk, batch_size=5, parallel=True)
    job.refresh_from_db()
    assert (job.rows_done, Lead.objects.count()) == (0, 0)


def _gone(pid: int) -> bool:
    """Ended: no such process, or a zombie left for whoever reaps it (it holds nothing)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _wait_gone(pid: int, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.1)
    return _gone(pid)


@pytest.mark.django_db(transaction=True)
def test_checking_processes_end_on_sigterm_and_with_a_killed_worker(
    baseline_data, admin_user, tmp_path
):
    if connection.vendor != "postgresql" or not sys.platform.startswith("linux"):
        pytest.skip("the forked checker runs on PostgreSQL; the process table read is Linux's")
    rows = [["E-mail", "Příjmení"]] + [[f"u{i}@firma.cz", f"N{i}"] for i in range(60)]
    job = upload(admin_user, csv_bytes(rows))
    jobs.import_start(actor=admin_user, job_id=job.pk)
    pidfile = tmp_path / "children"
    # The worker's own signal handling (`leadbridge worker` is db_worker): while a task runs,
    # a first SIGTERM only asks for a graceful stop. The checking processes inherit it.
    script = textwrap.dedent(
        f"""
        import multiprocessing, time, django
        django.setup()
        from django_tasks_db.management.commands.db_worker import Worker
        from leadbridge.imports import engine

        worker = Worker(
            queue_names=["default"], interval=1, batch=False, backend_name="default",
            startup_delay=False, max_tasks=None, worker_id="t", excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.running_task = True

        def hold(job):  # the first batch is written: the children wait on their full queues
            pids = [str(p.pid) for p in multiprocessing.active_children()]
            with open({str(pidfile)!r} + ".tmp", "w") as out:
                out.write(" ".join(pids))
            __import__("os").rename({str(pidfile)!r} + ".tmp", {str(pidfile)!r})
            time.sleep(600)

        engine.run_job({job.pk}, batch_size=5, on_batch=hold, parallel=True, processes=2)
        """
    )
    env = _worker_env()
    worker = subprocess.Popen([sys.executable, "-c", script], env=env)
    children: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while not pidfile.exists() and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pidfile.exists(), f"the worker ended ({worker.returncode}) before its first batch"
        children = [int(pid) for pid in pidfile.read_text().split()]
        assert len(children) == 2 and not any(_gone(pid) for pid in children)
        # SIGTERM ends a checking process, whatever handler it inherited.
        os.kill(children[0], signal.SIGTERM)
        assert _wait_gone(children[0]), "a checking process ignored SIGTERM"
        # The worker killed outright: its other checking process follows it.
        worker.kill()
        worker.wait(timeout=30)
        assert _wait_gone(children[1]), "a checking process outlived its killed worker"
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)
        for pid in children:
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
