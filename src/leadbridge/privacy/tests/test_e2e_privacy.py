"""The GDPR buttons in the browser: the readable export, then the erasure (confirmed)."""

import pytest

from leadbridge.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_export_then_erase_from_the_lead_card(browser_page):
    from leadbridge.leads.services import lead_create
    from leadbridge.people.models import User

    admin = User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123")
    lead = lead_create(
        actor=admin,
        data={"first_name": "Radka", "last_name": "Qwertyová", "email": "radka@example.com"},
    ).obj
    page = browser_page
    login(page, "boss")
    page.goto(f"/leads/{lead.pk}/")
    page.click("text=Personal data")
    page.wait_for_selector("#place-records >> text=radka@example.com")
    assert "Qwertyová" in page.inner_text("#place-history")
    page.go_back()
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("text=Erase (GDPR)")
    page.wait_for_selector("text=The person's data was erased everywhere.")
    assert "[erased]" in page.inner_text("h1")
    assert "Qwertyová" not in page.content()
    assert page.console_errors == []
