"""The import's run lease (`engine.claim`): however many runs of one job are started (an RQ
retry of a slow worker, the imports sweep, the owner's Start), one writes; a run whose lease
was taken over stops at its next batch without writing; a killed run's lease goes stale and
is taken over, the import resuming from its last committed batch with every row once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from leadbridge.core.errors import Conflict
from leadbridge.imports import engine, jobs
from leadbridge.imports.models import ImportBatch, ImportJob
from leadbridge.imports.tasks import imports_sweep
from leadbridge.leads.models import Lead

from .files import csv_bytes
from .test_import_services import upload


class Crash(Exception):
    """A worker dying in the middle of a batch, raised from `on_batch`."""


def _queued_job(actor, count: int, prefix: str) -> ImportJob:
    rows = [["E-mail", "Příjmení"]] + [[f"{prefix}{i}@firma.cz", f"N{i}"] for i in range(count)]
    job = upload(actor, csv_bytes(rows))
    jobs.import_start(actor=actor, job_id=job.pk)
    return job


def _assert_every_row_once(prefix: str, count: int) -> None:
    leads = Lead.objects.filter(email__startswith=prefix)
    assert leads.count() == count
    assert leads.values("email").distinct().count() == count


def _back_date(job: ImportJob) -> None:
    """Stand in for `STALE_AFTER` of silence: the worker holding the lease died."""
    past = timezone.now() - timedelta(seconds=engine.STALE_AFTER + 5)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=past, updated_at=past)


def test_a_second_run_started_while_one_runs_writes_nothing(admin_user):
    job = _queued_job(admin_user, 9, "twice")
    seconds: list[ImportJob] = []

    def start_another(current):  # a retry, the sweep or a Start fires mid-import
        if current.rows_done == 3:
            seconds.append(engine.run_job(job.pk, batch_size=3))

    job = engine.run_job(job.pk, batch_size=3, on_batch=start_another)
    assert len(seconds) == 1
    assert (seconds[0].status, seconds[0].rows_done) == ("running", 3)  # it stopped at once
    assert (job.status, job.rows_done, job.rows_created) == ("done", 9, 9)
    assert (job.runner, job.heartbeat_at) == ("", None)  # the lease is given back
    _assert_every_row_once("twice", 9)
    assert list(ImportBatch.objects.filter(job=job).values_list("first_row", flat=True)) == [
        0,
        3,
        6,
    ]


def test_a_run_whose_lease_was_taken_over_stops_without_writing(admin_user):
    job = _queued_job(admin_user, 9, "taken")
    taken: list[str | None] = []

    def take_over(current):  # the lease looks stale to another run, which claims it
        if current.rows_done == 3:
            _back_date(current)
            taken.append(engine.claim(job.pk))

    first = engine.run_job(job.pk, batch_size=3, on_batch=take_over)
    assert taken[0] is not None
    assert (first.status, first.rows_done, first.rows_created) == ("running", 3, 3)
    assert first.runner == taken[0]  # the new holder's lease is left alone
    _assert_every_row_once("taken", 3)
    # The new holder is live: a run, the sweep and the owner's Start all leave it be.
    assert engine.run_job(job.pk, batch_size=3).rows_done == 3
    ImportJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - timedelta(seconds=engine.STALE_AFTER + 5)
    )
    DBTaskResult.objects.all().delete()  # no task queued: the lease alone keeps it
    assert imports_sweep() == 0
    with pytest.raises(Conflict):
        jobs.import_start(actor=admin_user, job_id=job.pk)
    # Its worker dies in turn: once stale, the next run finishes the import.
    _back_date(first)
    job = engine.run_job(job.pk, batch_size=3)
    assert (job.status, job.rows_done, job.rows_created) == ("done", 9, 9)
    _assert_every_row_once("taken", 9)


def test_a_killed_runs_stale_lease_is_taken_over_and_the_import_completes(admin_user):
    job = _queued_job(admin_user, 9, "stale")
    token = engine.claim(job.pk)
    assert token is not None
    assert engine.claim(job.pk) is None  # one holder at a time

    def die(current):  # killed while the second batch is written: no `finally` runs
        if current.rows_done == 6:
            raise Crash

    with pytest.raises(Crash):  # `_run` without `run_job`'s release: as a killed worker
        engine._run(ImportJob.objects.get(pk=job.pk), token, 3, die, False, None)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.runner) == ("running", 3, token)
    # Not stale yet: a retry does nothing and neither the sweep nor a Start takes it.
    assert engine.run_job(job.pk, batch_size=3).rows_done == 3
    ImportJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - timedelta(seconds=engine.STALE_AFTER + 5)
    )
    DBTaskResult.objects.all().delete()  # its task was taken by the dead worker
    assert imports_sweep() == 0
    _back_date(job)
    assert imports_sweep() == 1
    job = engine.run_job(job.pk, batch_size=3)
    assert (job.status, job.rows_done, job.rows_created, job.runner) == ("done", 9, 9, "")
    _assert_every_row_once("stale", 9)


def test_the_task_waits_for_a_dead_runs_lease_to_go_stale(admin_user, monkeypatch):
    """RQ retries a killed worker's job before the import's heartbeat is stale: the retry
    waits out the rest of `STALE_AFTER` once and then takes the job over."""
    job = _queued_job(admin_user, 4, "waits")
    engine.claim(job.pk)  # then the worker was killed
    slept: list[float] = []

    def sleep(seconds):
        slept.append(seconds)
        _back_date(job)

    monkeypatch.setattr(engine.time, "sleep", sleep)
    job = engine.run_job(job.pk, batch_size=3, wait_for_stale=True)
    assert len(slept) == 1 and engine.STALE_AFTER - 5 < slept[0] <= engine.STALE_AFTER + 1
    assert (job.status, job.rows_done, job.rows_created) == ("done", 4, 4)
    _assert_every_row_once("waits", 4)


def test_a_finished_run_leaves_no_lease_for_a_task_to_wait_on(admin_user, monkeypatch):
    job = _queued_job(admin_user, 2, "done")
    assert engine.run_job(job.pk).status == "done"
    monkeypatch.setattr(engine.time, "sleep", lambda s: pytest.fail("waited for nothing"))
    assert engine.run_job(job.pk, wait_for_stale=True).status == "done"
    _assert_every_row_once("done", 2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("runs", [2, 4])
def test_runs_started_at_once_on_postgresql_write_every_row_once(baseline_data, admin_user, runs):
    """Real threads, each on its own connection, start the same job at the same moment."""
    if connection.vendor != "postgresql":
        pytest.skip("threads on one SQLite test database take turns, they do not race")
    count = 60
    job = _queued_job(admin_user, count, f"race{runs}-")
    barrier = threading.Barrier(runs)
    results: list[ImportJob] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(engine.run_job(job.pk, batch_size=7, parallel=False))
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(results) == runs
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_created, job.runner) == ("done", count, count, "")
    _assert_every_row_once(f"race{runs}-", count)
    firsts = list(ImportBatch.objects.filter(job=job).values_list("first_row", flat=True))
    assert firsts == list(range(0, count, 7))


@pytest.mark.django_db(transaction=True)
def test_a_claim_on_postgresql_waits_for_the_batch_being_written(
    baseline_data, admin_user, monkeypatch
):
    """Another process claims while a batch is written: its claim waits on the job row's
    lock, the batch commits whole, and the run that lost its lease writes nothing more."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections: PostgreSQL")
    count = 21
    job = _queued_job(admin_user, count, "locked")
    monkeypatch.setattr(engine, "STALE_AFTER", 0)  # any heartbeat before `now` is stale
    claims: list[str | None] = []

    def claim() -> None:
        try:
            claims.append(engine.claim(job.pk))
        finally:
            connections.close_all()

    other = threading.Thread(target=claim)

    def mid_batch(current):  # the second batch is written, not committed
        if current.rows_done == 14:
            other.start()
            other.join(timeout=2)
            assert other.is_alive(), "the claim did not wait for the batch's lock"

    first = engine.run_job(job.pk, batch_size=7, parallel=False, on_batch=mid_batch)
    other.join(timeout=30)
    assert claims and claims[0] is not None
    assert (first.status, first.rows_done, first.runner) == ("running", 14, claims[0])
    _assert_every_row_once("locked", 14)
    job = engine.run_job(job.pk, batch_size=7, parallel=False)
    assert (job.status, job.rows_done, job.rows_created) == ("done", count, count)
    _assert_every_row_once("locked", count)
