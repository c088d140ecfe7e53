"""Attachments on outgoing e-mail (a quote's PDF): stored with the envelope, bounded before
anything is written, received by a real SMTP server as sent, and erased with the recipient."""

import pytest

from leadbridge.activities.models import Activity
from leadbridge.automation.tests.helpers import run_worker
from leadbridge.core.errors import DomainError
from leadbridge.mail import services
from leadbridge.mail.models import OutgoingAttachment, OutgoingEmail
from leadbridge.mail.services import email_send

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def test_an_attachment_arrives_as_sent(admin_user, make_lead, smtp):
    lead = make_lead(last_name="Dvořák", email="d@x.cz")
    outgoing = email_send(
        actor=admin_user,
        record_type="lead",
        record_id=lead.pk,
        to="d@x.cz",
        subject="Nabídka NAB-2026-0001",
        body="V příloze.",
        attachments=[("NAB-2026-0001.pdf", PDF, "application/pdf")],
    )
    stored = OutgoingAttachment.objects.get(outgoing=outgoing)
    assert (stored.filename, stored.size) == ("NAB-2026-0001.pdf", len(PDF))
    run_worker()
    [message] = smtp.messages
    parts = [p for p in message.walk() if p.get_filename()]
    assert [(p.get_filename(), p.get_content_type()) for p in parts] == [
        ("NAB-2026-0001.pdf", "application/pdf")
    ]
    assert parts[0].get_payload(decode=True) == PDF
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    assert "V příloze." in text.get_payload(decode=True).decode(text.get_content_charset())
    assert OutgoingEmail.objects.get().status == "sent"


def test_too_large_attachments_are_refused_before_anything_is_written(
    admin_user, make_lead, monkeypatch
):
    monkeypatch.setattr(services, "ATTACHMENTS_MAX_BYTES", 1000)
    lead = make_lead(last_name="A")
    with pytest.raises(DomainError) as caught:
        email_send(
            actor=admin_user,
            record_type="lead",
            record_id=lead.pk,
            to="a@x.cz",
            subject="S",
            body="B",
            attachments=[("a.pdf", b"x" * 600, "application/pdf"), ("b.pdf", b"y" * 600, "")],
        )
    assert [e.field for e in caught.value.errors] == ["attachments"]
    assert not OutgoingEmail.objects.exists() and not Activity.objects.exists()


def test_erasing_the_recipient_drops_the_kept_copy(admin_user, make_lead):
    from leadbridge.mail.privacy import erase, export
    from leadbridge.privacy.places import Scrubber, Subject

    lead = make_lead(last_name="Erased", email="e@x.cz")
    other = make_lead(last_name="Kept", email="k@x.cz")
    for record, name in ((lead, "e.pdf"), (other, "k.pdf")):
        email_send(
            actor=admin_user,
            record_type="lead",
            record_id=record.pk,
            to=record.email,
            subject="S",
            body="B",
            attachments=[(name, PDF, "application/pdf")],
        )
    subject = Subject(records=[("lead", lead.pk)], identifiers=["Erased", "e@x.cz"])
    assert export(subject)[0]["attachments"] == ["e.pdf"]
    erase(subject, Scrubber(subject.identifiers))
    assert list(OutgoingAttachment.objects.values_list("filename", flat=True)) == ["k.pdf"]
