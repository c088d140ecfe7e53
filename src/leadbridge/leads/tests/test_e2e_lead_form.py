"""The new-lead form as a sales person fills it (marked e2e): who owns it and its status
are chosen already, countries and currencies are picked by name, required fields are marked,
and a possible duplicate is announced above the fields with the matching fields marked."""

import re

import pytest

from leadbridge.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def jana(db):
    from leadbridge.people.models import User

    return User.objects.create_superuser(
        "jana",
        "jana@example.com",
        "x-Secret-123",
        first_name="Jana",
        last_name="Nováková",
        language="cs",
    )


def test_new_lead_defaults_and_names_picked_saved_as_codes(browser_page, jana):
    from leadbridge.customfields.models import RequiredField
    from leadbridge.leads.models import Lead, LeadSource, LeadStatus

    RequiredField.objects.create(record_type="lead", field="source_id")
    fair = LeadSource.objects.create(name="Veletrh Amper 2027")
    first_open = LeadStatus.objects.filter(kind="open").order_by("order", "id").first()
    page = browser_page
    login(page, "jana")
    page.goto("/leads/new/")
    # The typist owns a new lead, in the first open status.
    assert page.input_value("#id_owner_id") == str(jana.pk)
    assert page.input_value("#id_status_id") == str(first_open.pk)
    # A required field is marked for the eye and for assistive technology.
    source = page.locator(".field", has=page.locator("#id_source_id"))
    assert "required" in source.get_attribute("class")
    assert page.get_attribute("#id_source_id", "aria-required") == "true"
    star = page.evaluate(
        "getComputedStyle(document.querySelector('label[for=id_source_id]'), '::after').content"
    )
    assert "*" in star
    assert page.get_attribute("#id_last_name", "aria-required") is None
    # Country and currency are picked by their Czech names; the codes are stored.
    page.select_option("#id_country", label="Slovensko")
    page.select_option("#id_currency", label="EUR – euro")
    page.select_option("#id_source_id", str(fair.pk))
    page.fill("#id_last_name", "Horváthová")
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r".*/leads/\d+/$"))
    lead = Lead.objects.get(last_name="Horváthová")
    assert (lead.country, lead.currency, lead.source_id) == ("SK", "EUR", fair.pk)
    assert (lead.owner_id, lead.status_id) == (jana.pk, first_open.pk)
    # Editing shows the stored codes under their names again.
    page.goto(f"/leads/{lead.pk}/edit/")
    assert page.input_value("#id_country") == "SK"
    assert page.locator("#id_country option:checked").inner_text() == "Slovensko"


def test_duplicate_warning_above_the_fields_marks_what_matched(browser_page, jana):
    from leadbridge.leads.services import lead_create

    lead_create(actor=jana, data={"last_name": "Šťastný", "email": "z.stastny@gmail.com"})
    page = browser_page
    login(page, "jana")
    page.goto("/leads/new/")
    page.fill("#id_last_name", "Šťastný")
    page.fill("#id_city", "Plzeň")
    page.fill("#id_email", "Z.Stastny@gmail.com")
    page.locator("#id_email").dispatch_event("change")
    warning = page.locator("#duplicate-check [data-testid=duplicate-check]")
    warning.wait_for()
    assert "Šťastný" in warning.inner_text()
    # Above the fields, where it is seen before Save.
    fields = page.locator(".grid").first.bounding_box()
    assert warning.bounding_box()["y"] < fields["y"]
    email = page.locator(".field", has=page.locator("#id_email"))
    page.wait_for_function(
        "document.querySelector('#id_email').closest('.field').classList.contains('matched')"
    )
    assert "matched" in email.get_attribute("class")
    city = page.locator(".field", has=page.locator("#id_city"))
    assert "matched" not in (city.get_attribute("class") or "")
    # Clearing the e-mail takes the warning and the mark away.
    page.fill("#id_email", "")
    page.locator("#id_email").dispatch_event("change")
    page.wait_for_function(
        "!document.querySelector('#id_email').closest('.field').classList.contains('matched')"
    )
