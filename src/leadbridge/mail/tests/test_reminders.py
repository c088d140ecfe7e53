"""Reminders notify their owner at their time, in the app and by e-mail, once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leadbridge.activities.services import activity_create, activity_update
from leadbridge.automation.tests.helpers import run_worker
from leadbridge.conftest import api_for, make_user
from leadbridge.mail.models import Notification, OutgoingEmail

from .conftest import subject_of

pytestmark = pytest.mark.django_db


def test_due_reminder_notifies_in_app_and_by_email(admin_user, make_lead, smtp, teams):
    owner = make_user("marketing", [teams[0]], email="owner@example.com")
    lead = make_lead(last_name="A", owner_id=owner.pk)
    activity_create(
        actor=admin_user,
        record_type="lead",
        record_id=lead.pk,
        data={
            "type": "reminder",
            "subject": "Call Eva",
            "due_at": timezone.now() - timedelta(seconds=1),
            "owner_id": owner.pk,
        },
    )
    run_worker()
    run_worker()
    [note] = Notification.objects.filter(user=owner)
    assert note.text == "Reminder: Call Eva" and note.record_id == lead.pk
    assert [subject_of(m) for m in smtp.messages] == ["Reminder: Call Eva"]
    assert smtp.messages[0]["To"] == "owner@example.com"
    items = api_for(owner).get("/api/notifications", unread=True).json()
    assert [i["text"] for i in items] == ["Reminder: Call Eva"]


def test_future_reminder_waits_and_a_moved_one_notifies_once(admin_user, make_lead, teams):
    owner = make_user("marketing", [teams[0]])
    lead = make_lead(last_name="A")
    reminder = activity_create(
        actor=admin_user,
        record_type="lead",
        record_id=lead.pk,
        data={
            "type": "reminder",
            "subject": "Later",
            "due_at": timezone.now() + timedelta(days=1),
            "owner_id": owner.pk,
        },
    ).obj
    run_worker()
    assert not Notification.objects.exists()
    activity_update(
        actor=admin_user,
        pk=reminder.pk,
        data={"due_at": timezone.now() - timedelta(seconds=1)},
    )
    run_worker()
    assert Notification.objects.filter(user=owner).count() == 1
    # The first task falls due too: it finds nothing to do.
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.update(run_after=timezone.now())
    run_worker()
    assert Notification.objects.count() == 1
    assert not OutgoingEmail.objects.exists()  # the owner has no e-mail address


def test_notifications_page(admin_user, make_lead):
    from django.test import Client

    lead = make_lead(last_name="A")
    Notification.objects.create(
        user=admin_user, text="Reminder: Call", record_type="lead", record_id=lead.pk
    )
    web = Client()
    web.force_login(admin_user)
    page = web.get("/notifications/")
    assert page.status_code == 200 and f'href="/leads/{lead.pk}/"'.encode() in page.content
    assert web.post("/notifications/").status_code == 302
    assert Notification.objects.get().read_at is not None
