"""Accessibility of the pages a sales person lives in (marked e2e): axe-core finds no
violation of impact "serious" or "critical" on the leads list, the lead card, the board, the
conversion wizard, the deal card and the public web form — in English and in Czech."""

import pytest

from leadbridge.conftest import axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db):
    from leadbridge.activities.services import activity_create
    from leadbridge.deals.services import deal_create
    from leadbridge.leads.models import LeadStatus
    from leadbridge.leads.services import lead_create
    from leadbridge.people.models import User
    from leadbridge.webforms.services import webform_save

    boss = User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123")
    # A status an administrator coloured light: its badge must stay readable.
    LeadStatus.objects.filter(kind="open").update(color="#fde047")
    lead = lead_create(
        actor=boss,
        data={
            "first_name": "Zdeněk",
            "last_name": "Šťastný",
            "email": "z.stastny@gmail.com",
            "phone": "+420777123456",
            "company_name": "Agro Šumava s.r.o.",
            "city": "Vimperk",
        },
    ).obj
    activity_create(
        actor=boss,
        record_type="lead",
        record_id=lead.pk,
        data={"type": "task", "subject": "První hovor", "due_at": "2026-12-08T09:00:00+01:00"},
    )
    deal = deal_create(
        actor=boss, data={"title": "Traktory 2027", "value": "396000", "currency": "CZK"}
    ).obj
    form = webform_save(
        actor=boss,
        data={
            "name": "Poptávka",
            "language": "cs",
            "fields": ["first_name", "email", "phone"],
            "required_fields": ["email"],
            "consent_text": "Souhlasím se zpracováním údajů.",
        },
    )
    return {"boss": boss, "lead": lead, "deal": deal, "form": form}


@pytest.mark.parametrize("language", ["en", "cs"])
def test_daily_pages_have_no_serious_violations(browser_page, world, language):
    world["boss"].language = language
    world["boss"].save()
    lead, deal = world["lead"], world["deal"]
    page = browser_page
    login(page, "boss")
    found = {}
    for url in (
        "/leads/",
        f"/leads/{lead.pk}/",
        "/leads/board/",
        f"/leads/{lead.pk}/convert/",
        f"/deals/{deal.pk}/",
        f"/f/{world['form'].key}",
    ):
        response = page.goto(url)
        assert response.status == 200, url
        if problems := axe_violations(page):
            found[url] = problems
    assert not found, "\n".join(f"{u}\n  " + "\n  ".join(p) for u, p in found.items())


def test_the_public_form_after_a_failed_submission(browser_page, world):
    """Error messages shown at the fields keep the form accessible."""
    page = browser_page
    page.goto(f"/f/{world['form'].key}")
    page.click("button[type=submit]")
    page.wait_for_selector(".lb-error")
    assert axe_violations(page) == []
