"""Browser tests of the conversion: the wizard, one-click conversions, contact persons."""

import re

import pytest

from leadbridge.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


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


def _on_card(page, lead, button):
    """Press a one-click conversion button of the lead card."""
    page.goto(f"/leads/{lead.pk}/")
    with page.expect_navigation():
        page.click(f"text={button}")


def _press(page, name, value=None):
    selector = f"button[name={name}]" + (f"[value='{value}']" if value else "")
    with page.expect_navigation():
        page.locator(f"{selector}:not(.default-submit):visible").first.click()


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
    page.wait_for_selector("#id_deal_stage_id option:has-text('Contract')", state="attached")
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
    page.wait_for_selector("fieldset[data-mode=existing]")
    page.fill("#id_client_q", "acme")
    _press(page, "action", "stay")
    _press(page, "pick_client", str(acme.pk))
    page.wait_for_selector("[data-testid=picked-client]")
    _press(page, "action", "next")
    page.check("input[name=contact_mode][value=existing]")
    page.wait_for_selector("fieldset[data-mode=existing]")
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
    _on_card(page, lead, "Create client and contact")
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


def _second_pipeline(boss):
    from leadbridge.deals.models import Pipeline
    from leadbridge.deals.services import default_pipeline, pipeline_create

    pipeline_create(actor=boss, name="Partnerships", stages=["Talk", "Contract"])
    return default_pipeline(), Pipeline.objects.get(name="Partnerships")


def test_one_click_deal_with_several_pipelines_lands_in_the_default_one(browser_page, boss):
    from leadbridge.deals.models import Deal

    default, second = _second_pipeline(boss)
    lead = _lead_with_call(boss, first_name="Iva", last_name="Horká", company_name="Horká a.s.")
    page = browser_page
    login(page, "boss")
    _on_card(page, lead, "Create deal")
    assert page.url.endswith(f"/leads/{lead.pk}/")  # not bounced to the wizard
    assert "Lead converted" in page.locator(".messages").inner_text()
    deal = Deal.objects.get(source_lead_id=lead.pk)
    assert deal.pipeline_id == default.pk != second.pk and deal.client.name == "Horká a.s."


def test_wizard_switches_without_apply_and_shows_the_chosen_pipelines_stages(browser_page, boss):
    from leadbridge.clients.services import client_create
    from leadbridge.deals.models import Deal, Stage
    from leadbridge.leads.models import Lead

    default, second = _second_pipeline(boss)
    acme = client_create(actor=boss, data={"name": "Acme Brno a.s."}).obj
    lead = _lead_with_call(boss, first_name="Petr", last_name="Dvořák", company_name="ACME")
    page = browser_page
    login(page, "boss")
    page.goto(f"/leads/{lead.pk}/convert/")
    for name in ("want_client", "want_contact", "want_deal"):
        page.check(f"input[name={name}]")
    _press(page, "action", "next")
    page.wait_for_selector("[data-testid=wizard-step-2] fieldset[data-mode=new]")
    assert not page.locator("button:has-text('Apply')").is_visible()
    page.check("input[name=client_mode][value=existing]")  # no Apply: htmx re-renders
    page.wait_for_selector("fieldset[data-mode=existing]")
    # The keyboard stays where it was: the re-rendered radio has the focus.
    assert page.evaluate("document.activeElement.id") == "id_client_mode_existing"
    page.fill("#id_client_q", "acme brno")
    _press(page, "action", "stay")
    _press(page, "pick_client", str(acme.pk))
    _press(page, "action", "next")
    page.wait_for_selector("[data-testid=wizard-step-3]")
    page.check("input[name=contact_mode][value=none]")
    page.wait_for_selector("fieldset[data-mode=none]")
    _press(page, "action", "next")
    page.wait_for_selector("[data-testid=wizard-step-4]")
    # The default pipeline preselected, no error before anything was touched.
    assert page.locator(".has-error").count() == 0
    assert page.input_value("#id_deal_pipeline_id") == str(default.pk)
    stages = page.locator("#id_deal_stage_id option").all_inner_texts()
    default_stages = set(
        Stage.objects.filter(pipeline=default, kind="open").values_list("name", flat=True)
    )
    assert default_stages <= set(stages) and "Contract" not in stages
    page.select_option("#id_deal_pipeline_id", str(second.pk))
    page.wait_for_selector("#id_deal_stage_id option:has-text('Contract')", state="attached")
    stages = page.locator("#id_deal_stage_id option").all_inner_texts()
    assert not default_stages & set(stages)
    contract = Stage.objects.get(pipeline=second, name="Contract")
    page.select_option("#id_deal_stage_id", str(contract.pk))
    _press(page, "action", "finish_open")
    deal = Deal.objects.get(source_lead_id=lead.pk)
    assert page.url.endswith(f"/deals/{deal.pk}/")
    assert (deal.pipeline_id, deal.stage_id) == (second.pk, contract.pk)
    assert (deal.client_id, deal.contact_id) == (acme.pk, None)
    assert Lead.objects.get(pk=lead.pk).is_converted
    assert page.console_errors == []


def test_custom_fields_to_create_are_named_by_labels(browser_page, boss):
    from leadbridge.customfields.models import CustomFieldDefinition

    CustomFieldDefinition.objects.create(
        record_type="lead", key="fair_visit", label="Met at the fair", type="boolean"
    )
    lead = _lead_with_call(boss, last_name="Malý", custom_fields={"fair_visit": True})
    page = browser_page
    login(page, "boss")
    page.goto(f"/leads/{lead.pk}/convert/")
    page.uncheck("input[name=want_client]")
    page.uncheck("input[name=want_deal]")
    page.check("input[name=want_contact]")
    _press(page, "action", "next")
    box = page.locator("[data-testid=custom-fields-to-create]").inner_text()
    assert "Met at the fair (yes / no) → contact person" in box
    assert "boolean" not in box and "fair_visit" not in box


def test_just_a_deal_from_a_converted_lead_in_the_wizard_keeps_its_client_and_contact(
    browser_page, boss
):
    from leadbridge.clients.models import Client, Contact
    from leadbridge.deals.models import Deal

    lead = _lead_with_call(boss, first_name="Zdeněk", last_name="Šťastný", company_name="Agro")
    page = browser_page
    login(page, "boss")
    _on_card(page, lead, "Create client and contact")
    client, contact = Client.objects.get(), Contact.objects.get()
    page.goto(f"/leads/{lead.pk}/convert/")
    panel = page.locator("[data-testid=converted-before]").inner_text()
    assert f"Client: {client.display_name}" in panel and "Zdeněk Šťastný" in panel
    assert f"#{client.pk}" not in panel
    page.uncheck("input[name=want_client]")
    page.uncheck("input[name=want_contact]")
    page.check("input[name=want_deal]")
    _press(page, "action", "next")
    page.wait_for_selector("[data-testid=wizard-step-4]")
    parties = page.locator("[data-testid=deal-parties]").inner_text()
    assert client.display_name in parties and "Zdeněk Šťastný" in parties
    page.fill("input[name='f.deal.title']", "Agro – sklizeň 2027")
    _press(page, "action", "finish_open")
    deal = Deal.objects.get(title="Agro – sklizeň 2027")
    assert page.url.endswith(f"/deals/{deal.pk}/")
    assert (deal.client_id, deal.contact_id) == (client.pk, contact.pk)
    assert Client.objects.count() == 1 and Contact.objects.count() == 1
    page.reload()
    card = page.locator("main").inner_text()
    assert "Agro" in card and "Šťastný" in card


def test_a_converted_lead_does_not_offer_its_own_client_and_contact_as_duplicates(
    browser_page, boss
):
    from leadbridge.clients.models import Client
    from leadbridge.clients.services import client_create

    other = client_create(
        actor=boss, data={"kind": "company", "name": "Jiná firma", "email": "eva@gram.cz"}
    ).obj
    lead = _lead_with_call(
        boss, first_name="Eva", last_name="Malá", company_name="Gram s.r.o.", email="eva@gram.cz"
    )
    page = browser_page
    login(page, "boss")
    _on_card(page, lead, "Create client and contact")
    own = Client.objects.exclude(pk=other.pk).get()
    page.reload()
    duplicates = page.locator("[data-testid=duplicates]").inner_text()
    assert "Jiná firma" in duplicates  # a real duplicate is still offered
    assert own.display_name not in duplicates and "Eva Malá" not in duplicates
