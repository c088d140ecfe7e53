"""Sending a quote / pro-forma: the local SMTP server (aiosmtpd) receives the e-mail with the
PDF attached (its text read back), an e-mail activity is on the record, the status is sent,
`document.sent` is queued for the webhook; refusals leave nothing sent and nothing written."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal

import pytest

from leadbridge.activities.models import Activity
from leadbridge.automation.models import WebhookDelivery, WebhookSubscription
from leadbridge.automation.tests.helpers import run_worker
from leadbridge.core.errors import DomainError
from leadbridge.documents.company import company_set
from leadbridge.documents.models import Document
from leadbridge.documents.sending import MESSAGE_MAX_CHARS, document_send
from leadbridge.documents.services import document_change_status, document_create
from leadbridge.mail.models import OutgoingEmail
from leadbridge.mail.tests import conftest as mail_fixtures
from leadbridge.mail.tests.conftest import subject_of

from .pdf_samples import SUPPLIER

pytestmark = pytest.mark.django_db

# The mail tests' fixtures: the SMTP backend (autouse) and a real local SMTP server (aiosmtpd).
real_smtp_backend = mail_fixtures.real_smtp
inbox = mail_fixtures.smtp


@pytest.fixture
def company(admin_user):
    return company_set(actor=admin_user, data=dict(SUPPLIER))


@pytest.fixture
def hook(db):
    return WebhookSubscription.objects.create(
        url="http://127.0.0.1:9/hook", events=["document.sent"]
    )


def issue(actor, lead, *, kind="proforma", language="cs", **data):
    return document_create(
        actor=actor,
        data={
            "kind": kind,
            "record_type": "lead",
            "record_id": lead.pk,
            "currency": "CZK",
            "language": language,
            "lines": [
                {"description": "Licence", "quantity": "2", "unit_price": "1000", "vat_rate": "21"},
                {"description": "Kniha", "quantity": "1", "unit_price": "250", "vat_rate": "12"},
            ],
            **data,
        },
    ).obj


def attachment_bytes_text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True).stdout
    return out.decode().replace("\xa0", " ")


def attachment_text(part) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=part.get_payload(decode=True), capture_output=True
    ).stdout.decode()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")
def test_send_delivers_the_pdf_records_the_activity_and_marks_sent(
    admin_user, make_lead, company, hook, inbox
):
    lead = make_lead(last_name="Procházková", company_name="Květiny Jaro s.r.o.", email="jaro@x.cz")
    document = issue(admin_user, lead)
    assert document.status == "draft" and document.total_gross == Decimal("2700.00")

    sent = document_send(actor=admin_user, pk=document.pk, version=document.version)
    assert sent.status == "sent" and sent.sent_at and sent.version > document.version
    assert inbox.messages == []  # the worker sends it, after the commit
    run_worker()

    [message] = inbox.messages
    assert message["To"] == "jaro@x.cz"
    # The cs document is mailed in Czech.
    assert subject_of(message) == f"Zálohová faktura {document.number} – Lumen Software s.r.o."
    [pdf] = [p for p in message.walk() if p.get_filename()]
    assert pdf.get_filename() == f"{document.number}.pdf"
    assert pdf.get_content_type() == "application/pdf"
    text = attachment_text(pdf)
    assert document.number in text and "Květiny Jaro s.r.o." in text
    assert "2 700,00 Kč" in text.replace("\xa0", " ")  # the cs document's total
    body_part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    body = body_part.get_payload(decode=True).decode(body_part.get_content_charset())
    assert document.number in body and document.variable_symbol in body

    activity = Activity.objects.get(type="email")
    assert activity.subject == subject_of(message)
    assert activity.links.filter(record_type="lead", record_id=lead.pk).exists()
    assert OutgoingEmail.objects.get().status == "sent"
    delivery = WebhookDelivery.objects.get(subscription=hook)
    assert (delivery.event, delivery.record_type, delivery.record_id) == (
        "document.sent",
        "document",
        document.pk,
    )


def test_to_and_message_given_and_sending_again(admin_user, make_lead, company, inbox, lock_calls):
    lead = make_lead(last_name="Bez E-mailu")
    document = issue(admin_user, lead, kind="quote", language="en")
    with pytest.raises(DomainError) as caught:
        document_send(actor=admin_user, pk=document.pk, version=document.version)
    assert caught.value.status == 422 and caught.value.errors[0].field == "to"

    first = document_send(
        actor=admin_user,
        pk=document.pk,
        version=document.version,
        to="buyer@example.org",
        message="Dear Ms Smith,\nhere is our offer.",
    )
    lock_calls.clear()
    again = document_send(
        actor=admin_user, pk=document.pk, version=first.version, to="boss@example.org"
    )
    assert again.status == "sent" and again.version > first.version
    assert lock_calls.count(Document) == 1  # marked sent on the row the sending locked
    run_worker()
    assert [m["To"] for m in inbox.messages] == ["buyer@example.org", "boss@example.org"]
    body_part = next(p for p in inbox.messages[0].walk() if p.get_content_type() == "text/plain")
    body = body_part.get_payload(decode=True).decode(body_part.get_content_charset())
    body = body.replace("\r\n", "\n").replace("\xa0", " ")  # SMTP's line ends
    assert body.startswith("Dear Ms Smith,\nhere is our offer.\n")
    assert "Valid until: " in body and "Total: CZK 2,700.00" in body
    assert Activity.objects.filter(type="email").count() == 2


def test_refusals_send_nothing_and_write_nothing(admin_user, make_lead, company, inbox):
    lead = make_lead(last_name="Odmítnutí", email="o@x.cz")
    document = issue(admin_user, lead)

    def refused(**kwargs):
        with pytest.raises(DomainError) as caught:
            document_send(actor=admin_user, pk=document.pk, **kwargs)
        return caught.value

    stale = refused(version=document.version - 1 if document.version > 1 else 99)
    assert stale.status == 409 and stale.code == "stale_version"
    assert refused(version=None).errors[0].field == "version"
    bad_to = refused(version=document.version, to="not an address")
    assert bad_to.status == 422 and bad_to.errors[0].field == "to"
    long = refused(version=document.version, message="x" * (MESSAGE_MAX_CHARS + 1))
    assert long.errors[0].field == "message"

    cancelled = document_change_status(
        actor=admin_user, pk=document.pk, status="cancelled", version=document.version
    ).obj
    closed = refused(version=cancelled.version)
    assert closed.status == 409 and closed.code == "not_sendable"

    run_worker()
    assert inbox.messages == []
    assert not OutgoingEmail.objects.exists() and not Activity.objects.filter(type="email").exists()
    assert Document.objects.get(pk=document.pk).sent_at is None


def test_another_teams_document_is_not_found(users, teams, make_lead, company, inbox):
    from leadbridge.leads.models import Lead

    lead = make_lead(last_name="Sever", email="s@x.cz")
    Lead.objects.filter(pk=lead.pk).update(team=teams[0], owner=users["sales_north"])
    document = issue(users["sales_north"], lead)
    with pytest.raises(DomainError) as caught:
        document_send(actor=users["sales_south"], pk=document.pk, version=document.version)
    assert caught.value.status == 404
    with pytest.raises(DomainError) as missing:
        document_send(actor=users["sales_north"], pk=document.pk + 1000, version=1)
    assert missing.value.status == 404
    # The owner's team may send it.
    sent = document_send(actor=users["sales_north"], pk=document.pk, version=document.version)
    assert sent.status == "sent"
    run_worker()
    assert [m["To"] for m in inbox.messages] == ["s@x.cz"]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")
def test_through_the_api_pdf_and_send(users, teams, make_lead, company, inbox):
    from leadbridge.conftest import api_for
    from leadbridge.leads.models import Lead

    lead = make_lead(last_name="Api", email="api@x.cz")
    Lead.objects.filter(pk=lead.pk).update(team=teams[0], owner=users["sales_north"])
    north, south = api_for(users["sales_north"]), api_for(users["sales_south"])
    document = issue(users["sales_north"], lead, language="pl")

    r = north.get(f"/api/documents/{document.pk}/pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = attachment_bytes_text(r.content)
    assert document.number in text and "2 700,00 CZK" in text  # Polish, the document's
    english = attachment_bytes_text(
        north.get(f"/api/documents/{document.pk}/pdf", lang="en").content
    )
    assert "CZK 2,700.00" in english  # `lang` chose English
    assert south.get(f"/api/documents/{document.pk}/pdf").status_code == 404
    assert north.get(f"/api/documents/{document.pk + 999}/pdf").status_code == 404

    assert south.post(f"/api/documents/{document.pk}/send", {"version": 1}).status_code == 404
    stale = north.post(f"/api/documents/{document.pk}/send", {"version": document.version + 5})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    bad = north.post(
        f"/api/documents/{document.pk}/send", {"version": document.version, "to": "nope"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "to"
    ok = north.post(f"/api/documents/{document.pk}/send", {"version": document.version})
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "sent" and ok.json()["version"] > document.version
    run_worker()
    [message] = inbox.messages
    assert message["To"] == "api@x.cz"
    assert [p.get_filename() for p in message.walk() if p.get_filename()] == [
        f"{document.number}.pdf"
    ]
