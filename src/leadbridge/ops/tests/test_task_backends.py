"""Background tasks on both queues: the database (the default) and RQ on Redis (TASKS_URL).

The same work runs through each: webhooks, e-mail, imports, reminders. On RQ a task is pushed
when its transaction commits; a crash between the commit and the push loses nothing (the
sweeps find the row and enqueue again), and a worker killed mid-job has the job retried.
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from leadbridge.automation.models import WebhookDelivery
from leadbridge.automation.sweep import outbound_sweep
from leadbridge.automation.tests.helpers import Receiver
from leadbridge.automation.webhooks import webhook_save
from leadbridge.leads.models import Lead
from leadbridge.leads.services import lead_create
from leadbridge.ops.testing import run_rq_burst, run_tasks, task_backend

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["database", "rq"])
def backend(request, baseline_data):
    with task_backend(request.param) as kind:
        yield kind


@pytest.fixture
def rq_backend(baseline_data):
    with task_backend("rq") as kind:
        yield kind


def _rq_queue():
    import django_rq

    from leadbridge.ops.rq import Job

    return django_rq.get_queue("default", job_class=Job)


def _delivery_ids(receiver: Receiver) -> list[str]:
    return [r["headers"]["Leadbridge-Delivery"] for r in receiver.requests]


def test_a_webhook_is_delivered_once_with_its_delivery_id(backend, admin_user):
    with Receiver() as receiver:
        webhook_save(actor=admin_user, data={"url": receiver.url, "events": ["lead.created"]})
        lead = lead_create(actor=admin_user, data={"last_name": f"Queue {backend}"}).obj
        run_tasks(backend)
        run_tasks(backend)  # nothing left: a second run sends nothing more
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered" and delivery.record_id == lead.pk
    assert _delivery_ids(receiver) == [str(delivery.id)]
    assert f"Queue {backend}" in receiver.requests[0]["body"]


def test_a_failed_attempt_is_retried_with_the_same_delivery_id(backend, admin_user, settings):
    settings.OUTBOUND_RETRY_BASE_SECONDS = 0  # the retry is due at once
    with Receiver(answers=[500]) as receiver:
        webhook_save(actor=admin_user, data={"url": receiver.url, "events": ["lead.created"]})
        lead_create(actor=admin_user, data={"last_name": "Retry"})
        run_tasks(backend)
        if backend == "rq":
            run_rq_burst(move_scheduled=True)  # the worker's scheduler moves the retry
        else:
            run_tasks(backend)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered" and delivery.attempts == 2
    assert _delivery_ids(receiver) == [str(delivery.id)] * 2


def test_rq_pushes_only_when_the_transaction_commits(rq_backend, admin_user):
    with Receiver() as receiver:
        webhook_save(actor=admin_user, data={"url": receiver.url, "events": ["lead.created"]})
        queue = _rq_queue()
        with transaction.atomic():
            lead_create(actor=admin_user, data={"last_name": "Committed"})
            assert queue.count == 0  # a worker must not look for rows it cannot see yet
        assert queue.count == 1
        with pytest.raises(RuntimeError), transaction.atomic():
            lead_create(actor=admin_user, data={"last_name": "Rolled back"})
            raise RuntimeError
        assert queue.count == 1  # the rolled-back lead sent nothing
        run_rq_burst()
    assert len(receiver.requests) == 1 and "Committed" in receiver.requests[0]["body"]
    assert not Lead.objects.filter(last_name="Rolled back").exists()


def test_a_crash_between_commit_and_push_loses_nothing(rq_backend, admin_user):
    from leadbridge.ops.rq import RQBackend

    with Receiver() as receiver:
        webhook_save(actor=admin_user, data={"url": receiver.url, "events": ["lead.created"]})

        def crash(*args, **kwargs):  # the process dies, or Redis is away, after the commit
            raise ConnectionError("Redis is gone")

        with mock.patch.object(RQBackend, "push", crash):
            lead = lead_create(actor=admin_user, data={"last_name": "Lost push"}).obj
        assert Lead.objects.filter(pk=lead.pk).exists()  # the change stands
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == "pending" and _rq_queue().count == 0
        run_rq_burst()
        assert receiver.requests == []
        # A sweep right away leaves it alone (its push may still be on its way) ...
        assert outbound_sweep()["webhooks"] == 0
        # ... and picks it up once it is older than that.
        WebhookDelivery.objects.update(created_at=timezone.now() - timedelta(minutes=1))
        assert outbound_sweep()["webhooks"] == 1
        assert outbound_sweep()["webhooks"] == 0  # queued now: live, not enqueued twice
        run_rq_burst()
        assert outbound_sweep()["webhooks"] == 0  # delivered
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert _delivery_ids(receiver) == [str(delivery.id)]


def test_a_job_whose_worker_was_killed_is_retried(rq_backend, admin_user):
    """The worker took the job and died before it finished: its heartbeat lapses, and the
    maintenance of any live worker puts the job back on the queue."""
    from rq.registry import StartedJobRegistry
    from rq.worker import Worker

    from leadbridge.ops.rq import Job

    with Receiver() as receiver:
        webhook_save(actor=admin_user, data={"url": receiver.url, "events": ["lead.created"]})
        lead_create(actor=admin_user, data={"last_name": "Killed"})
        queue = _rq_queue()
        [job_id] = queue.get_job_ids()
        dead = Worker([queue], connection=queue.connection, job_class=Job)
        dead.register_birth()
        job, _queue = queue.dequeue_any([queue], None, connection=queue.connection, job_class=Job)
        # What a worker and its work-horse record before running a job; then both die.
        dead.prepare_execution(job)
        dead.prepare_job_execution(job)
        assert job.get_status() == "started"
        started = StartedJobRegistry(queue=queue)
        assert job.id == job_id and job_id in started.get_job_ids(cleanup=False)
        # Outbound sweep: the job is running, not lost.
        WebhookDelivery.objects.update(created_at=timezone.now() - timedelta(minutes=1))
        assert outbound_sweep()["webhooks"] == 0
        started.cleanup(timestamp=timezone.now().timestamp() + 3600)  # heartbeat lapsed
        job = Job.fetch(job_id, connection=queue.connection)
        assert job.retries_left is not None and job.retries_left < 3
        # Retried after its first interval (10 s): waiting in the scheduled registry, which
        # RQ's scheduler moves to the queue when it is due; here moved at once.
        from rq.registry import ScheduledJobRegistry

        scheduled = ScheduledJobRegistry(queue=queue)
        assert job_id in scheduled.get_job_ids() and receiver.requests == []
        queue.enqueue_job(Job.fetch(job_id, connection=queue.connection))
        scheduled.remove(job_id)
        run_rq_burst()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered"
    assert _delivery_ids(receiver) == [str(delivery.id)]


class Crash(Exception):
    """A worker dying in the middle of a batch, raised from `run_job`'s `on_batch` hook."""


def test_an_import_whose_worker_died_resumes_from_its_last_batch(backend, admin_user):
    from leadbridge.imports import engine, jobs
    from leadbridge.imports.tasks import imports_sweep
    from leadbridge.imports.tests.files import csv_bytes
    from leadbridge.imports.tests.test_import_services import upload

    rows = [["E-mail", "Příjmení"]] + [[f"w{i}@firma.cz", f"W{i}"] for i in range(9)]
    job = upload(admin_user, csv_bytes(rows))
    jobs.import_start(actor=admin_user, job_id=job.pk)

    def crash(job):  # the worker dies while the second batch is written
        if job.rows_done >= 6:
            raise Crash

    with pytest.raises(Crash):
        engine.run_job(job.pk, batch_size=3, on_batch=crash)
    job.refresh_from_db()
    assert (job.status, job.rows_done) == ("running", 3)
    # Its task is gone (taken by the dead worker); the import made no progress since.
    _drop_queued_tasks(backend)
    from leadbridge.imports.models import ImportJob

    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert imports_sweep() == 1
    assert imports_sweep() == 0  # its task is live now
    run_tasks(backend)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_created) == ("done", 9, 9)
    assert Lead.objects.filter(email__startswith="w").values("email").distinct().count() == 9
    assert Lead.objects.filter(email__startswith="w").count() == 9


def _drop_queued_tasks(kind: str) -> None:
    if kind == "database":
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.all().delete()
    else:
        _rq_queue().empty()


def test_a_lost_reminder_is_sent_once(backend, admin_user):
    from leadbridge.activities.models import Activity
    from leadbridge.mail.models import Notification
    from leadbridge.mail.reminders import reminders_sweep

    lead = lead_create(actor=admin_user, data={"last_name": "Remind"}).obj
    due = timezone.now() - timedelta(minutes=5)
    activity = Activity.objects.create(
        type="reminder", subject="Call back", owner=admin_user, due_at=due
    )
    activity.links.create(record_type="lead", record_id=lead.pk)
    _drop_queued_tasks(backend)
    assert reminders_sweep() == 1
    run_tasks(backend)
    assert reminders_sweep() == 0  # notified: nothing more to send
    assert Notification.objects.filter(activity=activity).count() == 1


def test_periodic_work_is_scheduled_once_however_many_nodes_start(rq_backend):
    from leadbridge.ops.periodic import JOB_PREFIX, schedule_on_redis, scheduler

    first = schedule_on_redis()
    second = schedule_on_redis()  # a second worker node starting
    assert first == second
    assert {
        "leadbridge-periodic-outbound-sweep",
        "leadbridge-periodic-reminders-sweep",
        "leadbridge-periodic-imports-sweep",
    } <= set(first)
    jobs = [j for j in scheduler().get_jobs() if j.id.startswith(JOB_PREFIX)]
    assert sorted(j.id for j in jobs) == first
    # Two schedulers: only the lock holder enqueues the due runs.
    sched = scheduler()
    conn = sched.connection
    for job in jobs:
        conn.zadd(sched.scheduled_jobs_key, {job.id: 0})  # all due now
    one, two = scheduler(), scheduler()
    assert one.acquire_lock() and not two.acquire_lock()
    one.enqueue_jobs()
    one.remove_lock()
    assert _rq_queue().count == len(jobs)
    run_rq_burst()
    assert _rq_queue().count == 0
    failed = _rq_queue().failed_job_registry.get_job_ids()
    assert failed == []
    # Each entry is back in the schedule once, for its next run.
    assert sorted(j.id for j in scheduler().get_jobs() if j.id.startswith(JOB_PREFIX)) == first


def test_readiness_and_metrics_read_the_rq_queue(rq_backend, admin_user, client, settings):
    import re

    settings.METRICS_TOKEN = "m-token"
    with Receiver() as receiver:
        webhook_save(actor=admin_user, data={"url": receiver.url, "events": ["lead.created"]})
        lead_create(actor=admin_user, data={"last_name": "Counted"})
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["queue"] == "ok"
        text = client.get("/metrics", headers={"Authorization": "Bearer m-token"}).content
        assert re.search(rb"^leadbridge_task_queue_depth 1\.0$", text, re.M)
        run_rq_burst()
        text = client.get("/metrics", headers={"Authorization": "Bearer m-token"}).content
        assert re.search(rb"^leadbridge_task_queue_depth 0\.0$", text, re.M)
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}  # Redis away
    away = client.get("/readyz")
    assert away.status_code == 503 and away.json()["queue"] == "unreachable"


def test_a_failure_beside_a_delivery_on_another_node_does_not_undo_it(backend, admin_user):
    """Two workers send one delivery at once: the other one delivered while this one's
    attempt failed. The delivery stays delivered, both attempts count, nothing is retried."""
    from leadbridge.automation import webhooks

    with Receiver() as receiver:
        webhook_save(actor=admin_user, data={"url": receiver.url, "events": ["lead.created"]})
        lead_create(actor=admin_user, data={"last_name": "Twice"})
        delivery = WebhookDelivery.objects.get()

        def failing_post_while_the_other_node_delivers(row):
            WebhookDelivery.objects.filter(pk=row.pk).update(
                status="delivered", delivered_at=timezone.now(), attempts=1
            )
            return 500, "HTTP 500", ""

        with mock.patch.object(webhooks, "_post", failing_post_while_the_other_node_delivers):
            webhooks.deliver_webhook.call(str(delivery.pk))
        _drop_queued_tasks(backend)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("delivered", 2, None)
    assert delivery.log.count() == 1  # this node's failed attempt, recorded


def test_a_failed_send_beside_a_sent_e_mail_on_another_node_does_not_requeue_it(
    backend, admin_user
):
    import smtplib

    from leadbridge.mail import services as mail
    from leadbridge.mail.models import OutgoingEmail

    lead = lead_create(actor=admin_user, data={"last_name": "Mailed"}).obj
    mail.email_send(
        actor=admin_user,
        record_type="lead",
        record_id=lead.pk,
        to="eva@firma.cz",
        subject="Offer",
        body="Hello",
    )
    _drop_queued_tasks(backend)  # this test runs the task by hand
    outgoing = OutgoingEmail.objects.get()

    def fail_while_the_other_node_sends(self, *args, **kwargs):
        OutgoingEmail.objects.filter(pk=outgoing.pk).update(status="sent", attempts=1)
        raise smtplib.SMTPServerDisconnected("gone")

    with mock.patch("django.core.mail.EmailMessage.send", fail_while_the_other_node_sends):
        mail.send_email.call(str(outgoing.pk))
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts, outgoing.next_attempt_at) == ("sent", 1, None)
