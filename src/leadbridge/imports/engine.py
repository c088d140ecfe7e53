"""The import engine the worker runs (`tasks.run_import`): the file read from the job's
resume point in batches, checked (here or by forked checking processes) and written one
committed batch at a time by `writer.BatchWriter`."""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import queue as queues
import signal
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import IO, Any

from django.core.files.storage import default_storage
from django.db import connection, connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from leadbridge.automation.models import AssignmentRule
from leadbridge.duplicates.policy import OnDuplicate
from leadbridge.leads.bulk import NewLead
from leadbridge.people import access

from . import readers
from .checking import Checked, RowChecker, RowOutcome, check_row, open_table
from .models import ImportJob
from .writer import BatchWriter

# Rows per batch, each written and committed in one transaction: large enough that the
# statements per batch (one COPY per table, one key lookup) cost little per row, small
# enough that a cancel or a crash loses little and memory stays bounded.
# The modes under which the writer may refuse a row (a duplicate rejected, a fill, an
# overwrite or a note the user may not write): the row's cells go along for its report.
ROW_ERRORS = (OnDuplicate.REJECT, OnDuplicate.FILL, OnDuplicate.OVERWRITE, OnDuplicate.LINK)
BATCH_SIZE = 5_000
STALE_AFTER = 120  # seconds without progress after which a running job counts as crashed
# An import allocates millions of short-lived objects that hold no cycles; with the default
# thresholds the cyclic collector ran so often that it cost about a tenth of the checking
# time. Collections still happen, a hundred times less often.
GC_THRESHOLDS = (50_000, 20, 100)
PARALLEL_ABOVE = 20_000  # rows; below, starting a process costs more than it saves
# Checking processes beside the writer, one per core: checking costs about twice what the
# writer and PostgreSQL spend on a row, so with one fewer the writer's core sat partly idle
# (measured on two cores: 3,267 rows/s with one checker, 3,609 with two).
CHECK_PROCESSES = max(1, os.cpu_count() or 1)


def _batches(rows: Iterator[tuple[int, list]], size: int) -> Iterator[list[tuple[int, list]]]:
    batch: list[tuple[int, list]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def count_rows(job: ImportJob) -> int:
    with default_storage.open(job.file, "rb") as stream:
        return sum(1 for _row in open_table(job, stream).rows)


class LeaseLost(Exception):
    """This run no longer holds the job's run lease: another run took it over."""


def lease_free(now=None) -> Q:
    """Jobs no live run holds: no runner, or a runner whose heartbeat is older than
    `STALE_AFTER` (its worker died, or hangs). See `claim`."""
    stale = (now or timezone.now()) - timedelta(seconds=STALE_AFTER)
    return Q(runner="") | Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale)


def claim(job_id: int) -> str | None:
    """Take the job's run lease: a token for this run, or None when another live run holds
    it (or the job is not queued or running any more).

    Why a lease: a run is started by more than one thing. RQ retries a job whose worker
    stopped answering (it may only be slow: a long batch, a stalled disk), the imports sweep
    re-enqueues a job without progress every 2 minutes, and the owner's Start resumes a job
    that looks crashed. The resume point (`rows_done`) alone cannot keep two runs apart: both
    read the same point and both write the same batches, every row twice. So a run first
    claims the job with one conditional UPDATE (`runner` = its token, `heartbeat_at` = now),
    which succeeds only when no live run holds it; the database's row lock makes two claims
    at once take turns, and the second sees the first's runner and gets nothing.

    Each batch then checks the lease under the job row's lock it takes anyway
    (`_hold_lease`), and refreshes the heartbeat; a run whose lease was taken over stops
    there without writing. A run whose worker was killed holds the lease until its heartbeat
    is `STALE_AFTER` old; then a new run takes it over and resumes after the last committed
    batch. The heartbeat is the app node's clock: nodes keep their clocks in step (NTP), a
    skew of seconds against a limit of minutes does no harm."""
    token = uuid.uuid4().hex
    now = timezone.now()
    claimed = ImportJob.objects.filter(
        lease_free(now),
        pk=job_id,
        status__in=(ImportJob.Status.QUEUED, ImportJob.Status.RUNNING),
    ).update(
        runner=token,
        heartbeat_at=now,
        status=ImportJob.Status.RUNNING,
        started_at=Coalesce(F("started_at"), now),
        updated_at=now,
    )
    return token if claimed else None


def lease_wait(job: ImportJob) -> float | None:
    """Seconds until another run's lease on this unfinished job goes stale, or None when no
    other run holds it. RQ retries the job of a killed worker once its worker heartbeat
    lapses, which may be before the import's own heartbeat is `STALE_AFTER` old: the retry
    waits that long and claims again rather than leave the job to the next sweep."""
    if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING) or not job.runner:
        return None
    if job.heartbeat_at is None:
        return 0.0
    stale_at = job.heartbeat_at + timedelta(seconds=STALE_AFTER)
    return max(0.0, (stale_at - timezone.now()).total_seconds()) + 1.0


def _hold_lease(job: ImportJob, token: str) -> None:
    """Inside a batch's transaction, before it writes: check this run still holds the lease
    and refresh its heartbeat. The UPDATE takes the job row's lock, which the batch's
    progress UPDATE takes anyway (the one lock, taken first rather than last), so a claim
    waits for the batch to commit and then sees a fresh heartbeat. Raises `LeaseLost`."""
    held = ImportJob.objects.filter(pk=job.pk, runner=token).update(heartbeat_at=timezone.now())
    if not held:
        raise LeaseLost


def _release(job_id: int, token: str, **fields: Any) -> None:
    """Give the lease back (with the job's end state), only when this run still holds it."""
    ImportJob.objects.filter(pk=job_id, runner=token).update(runner="", heartbeat_at=None, **fields)


def run_job(
    job_id: int,
    *,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[ImportJob], None] | None = None,
    parallel: bool | None = None,
    processes: int | None = None,
    wait_for_stale: bool = False,
) -> ImportJob:
    """Import the job's file from its resume point, one committed batch at a time.

    The run first claims the job's run lease (`claim`); a job another live run holds, or
    one that has finished, is returned as it is. With `wait_for_stale` (the task) it first
    waits for the other run's lease to go stale once and claims again (`lease_wait`). A run
    that loses its lease stops at its next batch, writing nothing more.

    With `parallel` (by default for large files on PostgreSQL) `processes` forked processes
    read and check the rows and derive the stored values while this one writes the batches
    before, so every core works; only plain values cross between them.

    `on_batch` is called inside each batch's transaction after its rows are written (the
    CLI's progress bar; a test raises there to prove a half-written batch vanishes).
    """
    token = claim(job_id)
    job = ImportJob.objects.get(pk=job_id)  # after the claim: the resume point is final
    wait = lease_wait(job) if token is None and wait_for_stale else None
    if wait is not None:  # another run holds it: alive, or killed and not stale yet
        time.sleep(wait)
        token = claim(job_id)  # takes over a dead run's lease; nothing beside a live one
        job = ImportJob.objects.get(pk=job_id)
    if token is None:
        return job
    try:
        return _run(job, token, batch_size, on_batch, parallel, processes)
    except LeaseLost:
        job.refresh_from_db()
        return job
    except BaseException:
        # Failed: the lease goes back so the job can be started again (the task marks it
        # failed). A run killed outright never gets here: its lease goes stale instead.
        _release(job_id, token)
        raise


def _run(
    job: ImportJob,
    token: str,
    batch_size: int,
    on_batch: Callable[[ImportJob], None] | None,
    parallel: bool | None,
    processes: int | None,
) -> ImportJob:
    actor = job.created_by
    if job.rows_total is None:
        job.rows_total = count_rows(job)
        ImportJob.objects.filter(pk=job.pk, runner=token).update(
            rows_total=job.rows_total, heartbeat_at=timezone.now()
        )
    writer = BatchWriter(job, actor)
    use_fork = parallel if parallel is not None else _parallel_pays(job)
    thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    if use_fork:
        checked = checked_batches_forked(
            job, writer.checker, batch_size, processes=processes or _check_processes(job)
        )
    else:
        checked = checked_batches(job, writer.checker, batch_size)
    last = time.monotonic()
    try:
        for batch in checked:
            job.refresh_from_db(fields=["cancel_requested"])
            if job.cancel_requested:
                _release(
                    job.pk,
                    token,
                    status=ImportJob.Status.CANCELLED,
                    finished_at=timezone.now(),
                )
                job.refresh_from_db()
                return job
            with transaction.atomic():
                _hold_lease(job, token)
                counts = writer.write(batch)
                now = time.monotonic()
                elapsed, last = now - last, now
                ImportJob.objects.filter(pk=job.pk).update(
                    rows_done=F("rows_done") + len(batch),
                    rows_created=F("rows_created") + counts["created"],
                    rows_updated=F("rows_updated") + counts["updated"],
                    rows_skipped=F("rows_skipped") + counts["skipped"],
                    rows_failed=F("rows_failed") + counts["failed"],
                    rows_duplicate=F("rows_duplicate") + counts["duplicate"],
                    run_seconds=F("run_seconds") + elapsed,
                    updated_at=timezone.now(),
                )
                if on_batch is not None:
                    job.refresh_from_db()
                    on_batch(job)
    finally:
        gc.set_threshold(*thresholds)
        close = getattr(checked, "close", None)
        if close is not None:
            close()  # stops the checking processes still reading
    _release(job.pk, token, status=ImportJob.Status.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    return job


def _check_processes(job: ImportJob) -> int:
    """Every checking process reads the file itself; a sheet calamine holds whole (XLS, an
    XLSX unpacking to at most `XLSX_STREAM_ABOVE`) would be held once per process, so it
    gets one."""
    if job.format == "csv":
        return CHECK_PROCESSES
    with default_storage.open(job.file, "rb") as stream:
        whole = readers.holds_whole_sheet(stream, job.filename)
    return 1 if whole else CHECK_PROCESSES


def _rows_from_resume(job: ImportJob, stream: IO[bytes]) -> Iterator[tuple[int, list]]:
    skip = job.rows_done
    return (row for i, row in enumerate(open_table(job, stream).rows) if i >= skip)


def checked_batches(
    job: ImportJob, checker: RowChecker, size: int, *, part: tuple[int, int] = (0, 1)
) -> Iterator[list[Checked]]:
    """The file's batches from the resume point, checked. `part` (k, n): only every n-th
    batch from the k-th is checked and yielded (one of n checking processes)."""
    k, n = part
    with default_storage.open(job.file, "rb") as stream:
        for i, batch in enumerate(_batches(_rows_from_resume(job, stream), size)):
            if i % n == k:
                yield [check_row(checker, line, cells) for line, cells in batch]


def _parallel_pays(job: ImportJob) -> bool:

    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and not job.create_missing  # creating statuses needs the database: one process
        and (job.rows_total or 0) - job.rows_done > PARALLEL_ABOVE
        and (os.cpu_count() or 1) > 1
        # Assignment rules (round-robin turns) need the database while checking.
        and not (
            job.run_automations
            and AssignmentRule.objects.filter(active=True, channel__in=("any", "import")).exists()
        )
    )


def checked_batches_forked(
    job: ImportJob, checker: RowChecker, size: int, *, processes: int = 1
) -> Iterator[list[Checked]]:
    """As `checked_batches`, but checked by `processes` forked processes, each taking every
    n-th batch and up to two batches ahead; yielded in the file's order.

    The checker's lookups are loaded before the fork, so the children never need the
    database; the parent's connections are closed first so the children do not share their
    sockets (the parent reconnects on its next query).
    """

    access.in_scope(checker.actor, "lead", "create", owner_id=None, team_id=None)  # warm caches
    connections.close_all()
    context = multiprocessing.get_context("fork")
    queues = [context.Queue(maxsize=2) for _ in range(processes)]  # memory: few in flight

    parent = os.getpid()

    def produce(k: int) -> None:
        bind_to_parent(parent)
        queue = queues[k]
        gc.set_threshold(*GC_THRESHOLDS)
        try:
            for batch in checked_batches(job, checker, size, part=(k, processes)):
                queue.put(("batch", _pack(batch, cells=job.on_duplicate in ROW_ERRORS)))
            queue.put(("done", None))
        except readers.ReadError as exc:  # the file, not the program: the user reads why
            queue.put(("unreadable", str(exc)))
        except BaseException as exc:  # the parent re-raises it
            queue.put(("error", f"{type(exc).__name__}: {exc}"))

    children = [context.Process(target=produce, args=(k,), daemon=True) for k in range(processes)]
    # The children share the parent's objects copy-on-write; a collection in a child would
    # touch (and so copy) every one of them. Frozen objects are never collected.
    gc.freeze()
    try:
        for child in children:
            child.start()
    finally:
        gc.unfreeze()
    try:
        for i in itertools.count():
            kind, payload = _receive(queues[i % processes], children[i % processes])
            if kind == "done":
                break
            if kind == "unreadable":
                raise readers.ReadError(payload)
            if kind == "error":
                raise RuntimeError(f"Reading the file failed: {payload}")
            yield _unpack(payload)
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join(timeout=5)


def bind_to_parent(parent: int) -> None:
    """Make a forked checking process end with the process that forked it.

    Its parent (the worker) may be killed outright (SIGKILL, the out-of-memory killer): no
    `finally` of the parent runs then, and a child blocked on its full queue would wait for
    ever, holding its memory and any database connection. On Linux the kernel sends the child
    SIGTERM when the parent dies (PR_SET_PDEATHSIG); elsewhere a thread watches the parent id.
    The child inherits the worker's SIGTERM handler (a graceful shutdown that lets the running
    task go on), so SIGTERM gets its own: close the connections and exit at once."""

    def stop(signum: int, _frame: Any) -> None:

        try:
            connections.close_all()
        finally:
            os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if sys.platform.startswith("linux"):
        import ctypes  # Linux only

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    else:
        import threading  # elsewhere only

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch, daemon=True).start()
    # The parent may have died before the death signal was asked for: then nobody sends it.
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


def _receive(queue: Any, child: Any) -> tuple[str, Any]:
    """The child's next message; a child that died without one (killed) is an error rather
    than a worker waiting for ever."""

    while True:
        try:
            return queue.get(timeout=5)
        except queues.Empty:
            if not child.is_alive():
                try:  # its last message may have arrived as it ended
                    return queue.get(timeout=1)
                except queues.Empty:
                    return "error", f"the checking process ended (exit code {child.exitcode})"


def _pack(batch: list[Checked], *, cells: bool) -> list[tuple]:
    """A checked batch as plain tuples with the keys as one text (blocking keys hold no
    newline): pickled several times faster than the dataclasses. A good row's cells only
    travel when a duplicate may become a row error (`cells`)."""
    return [
        (o.line, o.cells, o.data, o.errors)
        if n is None
        else (
            (o.line, o.cells if cells else [], o.data, o.errors),
            (n.values, n.copy, n.created, "\n".join(n.keys), n.profile, n.prepared)
            + (n.owner_id, n.team_id, n.by_rule),
        )
        for o, n in batch
    ]


def _unpack(batch: list[tuple]) -> list[Checked]:
    out: list[Checked] = []
    for row in batch:
        if len(row) == 4:
            out.append((RowOutcome(*row), None))
            continue
        o, n = row
        keys = n[3].split("\n") if n[3] else []
        values, copy, created, _keys, profile, prepared, owner_id, team_id, by_rule = n
        new = NewLead(values, copy, created, keys, profile, prepared, owner_id, team_id, by_rule)
        out.append((RowOutcome(*o), new))
    return out
