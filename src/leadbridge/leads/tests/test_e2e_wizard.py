"""Browser tests of the conversion: the wizard, one-click conversions, contact persons."""

import re

import pytest

from leadbridge.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def boss(baseline_data):
    from leadbridge.people.models import User

    return User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123")


def _lead_with_call(boss, **data):
    from leadbridge.activities.services import activity_create
    from leadbridge.leads.services import lead_create

    lead = lead_create(actor=boss, data=data).obj
    activity_create(
        actor=boss,
        record_type="lead",
        record_id=lead.pk,
        data={"type": "call", "subject": "Discovery call"},
    )
    return lead


def _press(page, name, value=None):
    selector = f"button[name={name}]" + (f"[value='{value}']" if value else "")
    with page.expect_navigation():
        page.locator(f"{selector}:not(.default-submit)").first.click()


def test_whole_wizard_to_a_deal_in_the_second_pipeline(browser_page, boss):
    from leadbridge.deals.models import Deal, Pipeline
    from leadbridge.deals.services import pipeline_create

    pipeline_create(actor=boss, name="Partnerships", stages=["Talk", "Contract"])
    second = Pipeline.objects.get(name="Partnerships")
    lead = _lead_with_call(
        boss,
        first_name="Jan",
        last_name="Novák",
        company_name="Porost s.r.o.",
        email="jan@porost.cz",
        expected_value="1200",
    )
    page = browser_page
    login(page, "boss")
    page.goto(f"/leads/{lead.pk}/")
    page.click("text=Convert…")
    page.wait_for_selector("[data-testid=wizard-step-1]")
    page.check("input[name=want_client]")
    page.check("input[name=want_contact]")
    page.check("input[name=want_deal]")
    _press(page, "action", "next")
    page.wait_for_selector("[data-testid=wizard-step-2]")
    _press(page, "action", "next")
    page.wait_for_selector("[data-testid=wizard-step-3]")
    _press(page, "action", "next")
    page.wait_for_selector("[data-testid=wizard-step-4]")
    page.select_option("#id_deal_pipeline_id", str(second.pk))
    _press(page, "action", "finish_open")
    deal = Deal.objects.get()
    assert deal.pipeline_id == second.pk and deal.client.name == "Porost s.r.o."
    assert re.search(rf"/deals/{deal.pk}/$", page.url)
    page.wait_for_selector("aside .timeline")
    timeline = page.inner_text("aside")
    # The lead's own history, its activity included, is in the deal's timeline.
    assert f"from lead {lead.display_name}" in timeline and "Discovery call" in timeline
    page.click("#related-tabs >> text=Calls and meetings")
    page.wait_for_selector("#related-tabs >> text=Discovery call")


def test_wizard_with_existing_client_and_contact(browser_page, boss):
    from leadbridge.clients.services import client_create, contact_create
    from leadbridge.leads.models import ConversionLink

    acme = client_create(actor=boss, data={"name": "Acme a.s."}).obj
    petra = contact_create(
        actor=boss, data={"first_name": "Petra", "last_name": "Malá", "client_id": acme.pk}
    ).obj
    lead = _lead_with_call(boss, first_name="Petra", last_name="Malá", company_name="ACME")
    page = browser_page
    login(page, "boss")
    page.goto(f"/leads/{lead.pk}/convert/")
    page.uncheck("input[name=want_deal]") if page.is_checked("input[name=want_deal]") else None
    page.check("input[name=want_client]")
    page.check("input[name=want_contact]")
    _press(page, "action", "next")
    page.check("input[name=client_mode][value=existing]")
    page.fill("#id_client_q", "acme")
    _press(page, "action", "stay")
    _press(page, "pick_client", str(acme.pk))
    page.wait_for_selector("[data-testid=picked-client]")
    _press(page, "action", "next")
    page.check("input[name=contact_mode][value=existing]")
    _press(page, "action", "stay")
    _press(page, "pick_contact", str(petra.pk))
    page.wait_for_selector("[data-testid=picked-contact]")
    _press(page, "action", "finish_open")
    assert page.url.endswith(f"/contacts/{petra.pk}/")
    links = set(
        ConversionLink.objects.filter(lead_id=lead.pk).values_list("target_type", "target_id")
    )
    assert links == {("client", acme.pk), ("contact", petra.pk)}


def test_one_click_client_and_contact_then_deal_later(browser_page, boss):
    from leadbridge.clients.models import Client, Contact
    from leadbridge.deals.models import Deal

    lead = _lead_with_call(boss, first_name="Eva", last_name="Malá", company_name="Gram s.r.o.")
    page = browser_page
    login(page, "boss")
    page.goto(f"/leads/{lead.pk}/")
    with page.expect_navigation():
        page.click("text=Create client and contact")
    assert Client.objects.count() == 1 and Contact.objects.count() == 1
    page.goto(f"/leads/{lead.pk}/")
    assert page.locator("[data-testid=generated] li").count() == 2
    with page.expect_navigation():
        page.click("text=Create deal")
    deal = Deal.objects.get()
    assert deal.client_id == Client.objects.get().pk  # the client made before, reused
    assert Client.objects.count() == 1 and Contact.objects.count() == 1
    page.goto(f"/leads/{lead.pk}/")
    assert page.locator("[data-testid=generated] li").count() == 3


def test_contact_person_on_the_lead_moves_to_the_client(browser_page, boss):
    from leadbridge.clients.models import Client, Contact

    lead = _lead_with_call(boss, last_name="Kovář", company_name="Kovárna s.r.o.")
    page = browser_page
    login(page, "boss")
    page.goto(f"/leads/{lead.pk}/")
    page.click("#related-tabs >> text=Contact persons")
    page.wait_for_selector("#related-tabs input[name=last_name]")
    page.fill("#related-tabs input[name=first_name]", "Alena")
    page.fill("#related-tabs input[name=last_name]", "Skladová")
    page.click("#related-tabs button[type=submit]")
    page.wait_for_selector("#related-tabs >> text=Alena Skladová")
    with page.expect_navigation():
        page.click("text=Create client and contact")
    client = Client.objects.get()
    assert Contact.objects.get(last_name="Skladová").client_id == client.pk
    page.goto(f"/clients/{client.pk}/")
    page.click("#related-tabs >> text=Contact persons")
    page.wait_for_selector("#related-tabs >> text=Alena Skladová")
