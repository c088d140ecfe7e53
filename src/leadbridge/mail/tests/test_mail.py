"""E-mail out: autoresponders and "New e-mail" through a real local SMTP server (aiosmtpd),
sent by the worker, retried with backoff, visible on the timeline, each an activity."""

import json
import time

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.test import Client

from leadbridge.activities.models import Activity
from leadbridge.automation.tests.helpers import run_worker
from leadbridge.history.models import HistoryEvent
from leadbridge.leads.models import Lead
from leadbridge.mail.models import OutgoingEmail
from leadbridge.mail.services import email_send
from leadbridge.webforms import spam
from leadbridge.webforms.services import webform_save

from .conftest import Inbox, free_port, subject_of

pytestmark = pytest.mark.django_db


def test_autoresponder_in_the_forms_language_received_by_smtp(admin_user, smtp):
    cache.clear()
    form = webform_save(
        actor=admin_user,
        data={
            "name": "Kontaktný formulár",
            "language": "sk",
            "fields": ["first_name", "last_name", "email"],
            "min_fill_seconds": 0,
            "autoresponder_subject": "Ďakujeme, {{ first_name }}",
            "autoresponder_body": "Dobrý deň {{ first_name }} {{ last_name }},\nozveme sa.",
        },
    )
    r = Client().post(
        f"/f/{form.key}",
        json.dumps({"first_name": "Ján", "last_name": "Kováč", "email": "jan@firma.sk"}),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert smtp.messages == []  # sent by the worker, not the request
    run_worker()
    [message] = smtp.messages
    assert message["To"] == "jan@firma.sk"
    assert subject_of(message) == "Ďakujeme, Ján"
    body = message.get_payload(decode=True).decode(message.get_content_charset())
    assert "Dobrý deň Ján Kováč" in body
    lead = Lead.objects.get()
    activity = Activity.objects.get(type="email")
    assert activity.links.get().record_id == lead.pk and activity.done
    assert OutgoingEmail.objects.get().status == "sent"


def test_autoresponder_plain_text_is_not_html_escaped(admin_user, smtp):
    """Issue 19 item 9: the autoresponder is a plain-text e-mail; what the visitor typed
    arrives as typed ("O&#x27;Brien &amp; Co" before), and the mail has no HTML part."""
    cache.clear()
    form = webform_save(
        actor=admin_user,
        data={
            "name": "Contact",
            "fields": ["first_name", "last_name", "company_name", "email"],
            "min_fill_seconds": 0,
            "autoresponder_subject": "Thanks, {{ last_name }} of {{ company_name }}",
            "autoresponder_body": "Dear {{ first_name }} {{ last_name }},\n{{ company_name }}",
        },
    )
    typed = {
        "first_name": 'Seán "Jr"',
        "last_name": "O'Brien",
        "company_name": "O'Brien & Co <Ltd>",
        "email": "sean@obrien.ie",
    }
    r = Client().post(f"/f/{form.key}", json.dumps(typed), content_type="application/json")
    assert r.status_code == 201, r.content
    run_worker()
    [message] = smtp.messages
    assert not message.is_multipart() and message.get_content_type() == "text/plain"
    assert subject_of(message) == "Thanks, O'Brien of O'Brien & Co <Ltd>"
    body = message.get_payload(decode=True).decode(message.get_content_charset())
    expected = "Dear Seán \"Jr\" O'Brien,\nO'Brien & Co <Ltd>"
    assert body.replace("\r\n", "\n").rstrip("\n") == expected  # SMTP ends lines with CRLF
    assert Activity.objects.get(type="email").body == expected


def test_new_email_from_a_card_and_the_task_carries_only_an_id(admin_user, make_lead, smtp):
    from django_tasks_db.models import DBTaskResult

    lead = make_lead(last_name="Nováková", email="eva@x.cz")
    outgoing = email_send(
        actor=admin_user,
        record_type="lead",
        record_id=lead.pk,
        to="eva@x.cz",
        subject="Nabídka",
        body="Posílám nabídku.",
    )
    task = DBTaskResult.objects.get(task_path__endswith="send_email")
    assert task.args_kwargs == {"args": [str(outgoing.pk)], "kwargs": {}}
    run_worker()
    assert [subject_of(m) for m in smtp.messages] == ["Nabídka"]


def test_smtp_down_is_retried_and_shown_on_the_timeline(admin_user, make_lead, settings):
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    settings.EMAIL_TIMEOUT = 2
    settings.OUTBOUND_RETRY_BASE_SECONDS = 3600
    lead = make_lead(last_name="A")
    outgoing = email_send(
        actor=admin_user, record_type="lead", record_id=lead.pk, to="a@x.cz", subject="S", body="B"
    )
    run_worker()
    outgoing.refresh_from_db()
    assert outgoing.status == "queued" and outgoing.attempts == 1 and outgoing.last_error
    failed = HistoryEvent.objects.filter(
        record_type="lead", record_id=lead.pk, data__action="email_failed"
    )
    assert failed.count() == 1
    web = Client()
    web.force_login(admin_user)
    timeline = web.get(f"/history/lead/{lead.pk}/").content.decode()
    assert "e-mail not sent" in timeline and outgoing.last_error[:20] in timeline
    # The server comes up and the retry falls due.
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    try:
        from django.utils import timezone
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.update(run_after=timezone.now())
        time.sleep(0.1)
        run_worker()
    finally:
        controller.stop()
    outgoing.refresh_from_db()
    assert outgoing.status == "sent" and outgoing.attempts == 2
    assert len(inbox.messages) == 1


def test_gives_up_after_the_last_attempt(admin_user, make_lead, settings):
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_TIMEOUT = 2
    settings.OUTBOUND_RETRY_BASE_SECONDS = 0
    settings.OUTBOUND_MAX_ATTEMPTS = 2
    lead = make_lead(last_name="A")
    email_send(
        actor=admin_user, record_type="lead", record_id=lead.pk, to="a@x.cz", subject="S", body="B"
    )
    run_worker()
    run_worker()
    outgoing = OutgoingEmail.objects.get()
    assert outgoing.status == "failed" and outgoing.attempts == 2
    actions = HistoryEvent.objects.filter(record_id=lead.pk, kind="activity").values_list(
        "data__action", flat=True
    )
    assert list(actions).count("email_gave_up") == 1


def test_email_needs_a_valid_address(admin_user, make_lead):
    from leadbridge.core.errors import ValidationFailed

    lead = make_lead(last_name="A")
    with pytest.raises(ValidationFailed) as exc:
        email_send(
            actor=admin_user, record_type="lead", record_id=lead.pk, to="x", subject="S", body=""
        )
    assert exc.value.errors[0].field == "to"
    assert not Activity.objects.filter(type="email").exists()


def test_autoresponder_skipped_without_email(admin_user, smtp):
    cache.clear()
    form = webform_save(
        actor=admin_user,
        data={
            "name": "F",
            "fields": ["last_name", "phone"],
            "autoresponder_subject": "Hi",
            "autoresponder_body": "x",
        },
    )
    token = spam._signer(form.key).sign(str(int(time.time()) - 10))
    r = Client().post(
        f"/f/{form.key}", {"last_name": "A", "phone": "+420603123456", "_lb_t": token}
    )
    assert r.status_code == 200
    assert not OutgoingEmail.objects.exists()


def test_new_email_on_the_card(admin_user, make_lead, smtp):
    web = Client()
    web.force_login(admin_user)
    lead = make_lead(last_name="Nováková", email="eva@example.com")
    page = web.get(f"/related/lead/{lead.pk}/?tab=email")
    assert b'value="eva@example.com"' in page.content
    r = web.post(
        f"/related/lead/{lead.pk}/new/email/",
        {"type": "email", "to": "eva@example.com", "subject": "Offer", "body": "Hello"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and b"Offer" in r.content
    r = web.post(
        f"/related/lead/{lead.pk}/new/email/",
        {"type": "email", "to": "nope", "subject": "Offer"},
        headers={"HX-Request": "true"},
    )
    assert b"Enter a valid e-mail address." in r.content
    run_worker()
    assert [subject_of(m) for m in smtp.messages] == ["Offer"]
