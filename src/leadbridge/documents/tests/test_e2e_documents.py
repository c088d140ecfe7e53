"""Browser test of quotes: made on a lead's card with a product and a free-text line at two VAT
rates, added up live as typed, saved and read back, sent through a real local SMTP server
(aiosmtpd) with the PDF attached, and found on the deal the lead's conversion makes."""

from __future__ import annotations

import email
import socket
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller

from leadbridge.conftest import axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class Inbox:
    def __init__(self):
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_TIMEOUT = 5
    settings.OUTBOUND_RETRY_BASE_SECONDS = 0
    yield inbox
    controller.stop()


@pytest.fixture
def boss(baseline_data):
    from leadbridge.documents.company import company_set
    from leadbridge.people.models import User

    boss = User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123")
    company_set(
        actor=boss,
        data={
            "name": "Dodavatel s.r.o.",
            "vat_id": "CZ12345678",
            "country": "CZ",
            "street": "Hlavní 1",
            "city": "Brno",
            "postcode": "602 00",
            "iban": "CZ65 0800 0000 1920 0014 5399",
        },  # fmt: skip
    )
    return boss


def _amounts(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.amount)")


def test_quote_on_a_lead_live_totals_send_and_convert(browser_page, boss, smtp, settings):
    from leadbridge.automation.tests.helpers import run_worker
    from leadbridge.documents.models import Document
    from leadbridge.documents.services import product_create
    from leadbridge.leads.services import lead_create
    from leadbridge.ops.middleware import DEFAULT_CSP

    # The production policy: the editor's script is a file, nothing inline (console errors
    # would tell a violation; checked at the end).
    settings.CONTENT_SECURITY_POLICY = DEFAULT_CSP
    product_create(
        actor=boss,
        data={
            "name": "Příručka",
            "code": "BOOK",
            "unit": "ks",
            "unit_price": "349.00",
            "currency": "CZK",
            "vat_rate": "12",
        },  # fmt: skip
    )
    lead = lead_create(
        actor=boss,
        data={
            "first_name": "Eva",
            "last_name": "Nováková",
            "company_name": "Porost s.r.o.",
            "email": "eva@porost.cz",
            "currency": "CZK",
        },  # fmt: skip
    ).obj
    page = browser_page
    login(page, "boss")
    page.goto(f"/leads/{lead.pk}/")
    page.click("#related-tabs >> text=Quotes & invoices")
    page.wait_for_selector("[data-testid=documents-empty]")
    with page.expect_navigation():
        page.click("#related-tabs >> text=New quote")
    assert page.input_value("#id_customer_name") == "Porost s.r.o."

    # Line 1, free text at 21 %; line 2 from the price list (12 %), its quantity typed.
    first = page.locator("[data-line-list] tr[data-line]").nth(0)
    first.locator("[name=line_description]").fill("Konzultace")
    first.locator("[name=line_quantity]").fill("3")
    first.locator("[name=line_unit]").fill("h")
    first.locator("[name=line_unit_price]").fill("1,250.50")
    first.locator("[name=line_discount_percent]").fill("10")
    first.locator("[name=line_vat_rate]").fill("21")
    assert first.locator("[data-line-net]").get_attribute("data-amount") == "3376.35"
    page.click("[data-add-line]")
    second = page.locator("[data-line-list] tr[data-line]").nth(1)
    second.locator("[name=line_product_id]").select_option(label="BOOK · Příručka")
    assert second.locator("[name=line_unit_price]").input_value() == "349.00"
    assert second.locator("[name=line_vat_rate]").input_value() == "12"
    second.locator("[name=line_quantity]").fill("2")

    # The live totals: VAT per rate on the rate's sum, rounded once; in the user's locale.
    live = "[data-testid=live-totals]"
    rows = page.eval_on_selector_all(f"{live} tbody tr", "els => els.map(e => e.dataset.rate)")
    assert rows == ["21.00", "12.00"]
    assert _amounts(page, f"{live} tbody tr[data-rate='21.00'] td") == [
        "3376.35",
        "709.03",
        "4085.38",
    ]  # noqa: E501
    assert _amounts(page, f"{live} tbody tr[data-rate='12.00'] td") == ["698.00", "83.76", "781.76"]
    assert _amounts(page, f"{live} tfoot td") == ["4074.35", "792.79", "4867.14"]
    assert "4,867.14" in page.inner_text("[data-testid=live-gross]")
    # A third line typed and removed again leaves the totals as they were.
    page.click("[data-add-line]")
    third = page.locator("[data-line-list] tr[data-line]").nth(2)
    third.locator("[name=line_quantity]").fill("1")
    third.locator("[name=line_unit_price]").fill("1000")
    assert _amounts(page, f"{live} tfoot td")[0] == "5074.35"
    third.locator("[data-remove-line]").click()
    assert _amounts(page, f"{live} tfoot td") == ["4074.35", "792.79", "4867.14"]

    with page.expect_navigation():
        page.click("[data-testid=save]")
    document = Document.objects.get()
    assert page.url.endswith(f"/documents/{document.pk}/")
    page.reload()
    rows_back = page.locator("[data-line-list] tr[data-line]")
    assert rows_back.count() == 2
    assert [
        rows_back.nth(i).locator(f"[name=line_{name}]").input_value()
        for i in range(2)
        for name in ("description", "quantity", "unit_price", "discount_percent", "vat_rate")
    ] == ["Konzultace", "3", "1250.50", "10", "21", "Příručka", "2", "349.00", "0", "12"]
    assert _amounts(page, "[data-testid=saved-totals] tfoot td") == ["4074.35", "792.79", "4867.14"]  # noqa: E501
    assert _amounts(page, f"{live} tfoot td") == ["4074.35", "792.79", "4867.14"]
    assert document.total_gross == Decimal("4867.14")
    assert axe_violations(page) == []

    # Send: the recipient comes from the lead; the worker sends the e-mail with the PDF.
    assert page.input_value("#send-to") == "eva@porost.cz"
    page.fill("#send-message", "Dobrý den, posíláme nabídku.")
    with page.expect_navigation():
        page.click("[data-testid=send]")
    run_worker()
    [message] = smtp.messages
    assert message["To"] == "eva@porost.cz"
    attachments = [p for p in message.walk() if p.get_content_disposition() == "attachment"]
    assert [p.get_filename() for p in attachments] == [f"{document.number}.pdf"]
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_payload(decode=True).startswith(b"%PDF")
    page.reload()
    assert page.inner_text("[data-testid=document-status]") == "sent"
    document.refresh_from_db()
    assert document.status == "sent"
    # The lead's timeline tells the quote's story.
    page.goto(f"/leads/{lead.pk}/")
    timeline = page.locator("[data-testid=timeline]")
    timeline.locator(f"text=Quote {document.number} sent").wait_for()
    assert f"Quote {document.number} created" in timeline.inner_text()

    # Convert the lead through the wizard; the quote is on the new deal's card.
    page.goto(f"/leads/{lead.pk}/convert/")
    page.wait_for_selector("[data-testid=wizard-step-1]")
    for name in ("want_client", "want_contact", "want_deal"):
        page.check(f"input[name={name}]")
    for step in (2, 3, 4):
        with page.expect_navigation():
            page.locator("button[name=action][value=next]:not(.default-submit):visible").click()
        page.wait_for_selector(f"[data-testid=wizard-step-{step}]")
    with page.expect_navigation():
        page.locator("button[name=action][value=finish_open]:visible").first.click()
    from leadbridge.deals.models import Deal

    deal = Deal.objects.get()
    assert page.url.endswith(f"/deals/{deal.pk}/")
    page.click("#related-tabs >> text=Quotes & invoices")
    row = page.locator(f"#related-tabs tr[data-document='{document.number}']")
    row.wait_for()
    assert "4,867.14" in row.inner_text() and "sent" in row.inner_text()
    # ... and the deal's timeline, with a link to the quote.
    page.locator(f"[data-testid=timeline] >> text=Quote {document.number} sent").wait_for()
    with page.expect_navigation():
        page.click(f"[data-testid=timeline] a:text-is('{document.number}')")
    assert page.url.endswith(f"/documents/{document.pk}/")
    page.goto(f"/deals/{deal.pk}/")
    # The lead keeps showing it.
    page.goto(f"/leads/{lead.pk}/")
    page.click("#related-tabs >> text=Quotes & invoices")
    page.locator(f"#related-tabs tr[data-document='{document.number}']").wait_for()
    assert page.console_errors == []


def test_czech_user_types_and_reads_numbers_in_czech(browser_page, boss):
    from leadbridge.documents.models import Document
    from leadbridge.leads.services import lead_create

    lead = lead_create(
        actor=boss, data={"last_name": "Svoboda", "company_name": "Kámen a.s.", "currency": "CZK"}
    ).obj
    page = browser_page
    login(page, "boss")
    page.select_option("[data-testid=language-switch] select", "cs")
    with page.expect_navigation():
        page.click("[data-testid=language-switch] button")
    page.goto(f"/documents/new/lead/{lead.pk}/quote/")
    row = page.locator("[data-line-list] tr[data-line]").first
    row.locator("[name=line_description]").fill("Kámen")
    row.locator("[name=line_quantity]").fill("1,5")
    row.locator("[name=line_unit_price]").fill("1 000,10")
    row.locator("[name=line_vat_rate]").fill("21")
    # 1.5 × 1000.10 = 1500.15; VAT 21 % = 315.0315 → 315.03; shown the Czech way.
    assert _amounts(page, "[data-testid=live-totals] tfoot td") == ["1500.15", "315.03", "1815.18"]
    shown = page.inner_text("[data-testid=live-gross]").replace("\xa0", " ").replace("\u202f", " ")
    assert shown == "1 815,18 Kč"
    with page.expect_navigation():
        page.click("[data-testid=save]")
    document = Document.objects.get()
    line = document.lines.get()
    assert (line.quantity, line.unit_price) == (Decimal("1.500"), Decimal("1000.1000"))
    page.reload()
    assert row.locator("[name=line_quantity]").input_value() == "1,5"
    assert row.locator("[name=line_unit_price]").input_value() == "1000,10"
    saved = page.inner_text("[data-testid=saved-gross]").replace("\xa0", " ")
    assert saved == "1 815,18 Kč"
