"""Custom fields as an administrator meets them (marked e2e): a field made from its label,
renamed, offered on a web form whose visitor fills it, and deleted after a warning that counts
the records holding a value."""

import pytest

from leadbridge.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_field_from_its_label_on_a_web_form_then_renamed_and_deleted(browser_page, boss):
    from leadbridge.customfields.models import CustomFieldDefinition
    from leadbridge.leads.models import Lead
    from leadbridge.webforms.models import WebForm

    page = browser_page
    login(page, "boss")
    page.goto("/settings/#custom_field")
    section = page.locator("#custom_field")
    section.locator("select[name=record_type]").select_option("lead")
    section.locator("input[name=label]").last.fill("Počet zaměstnanců")
    section.locator("select[name=type]").select_option("number")
    section.get_by_role("button", name="Add").click()
    page.wait_for_load_state()
    field = CustomFieldDefinition.objects.get()
    assert (field.key, field.label, field.type) == (
        "pocet_zamestnancu",
        "Počet zaměstnanců",
        "number",
    )

    # The web-form builder offers it under its label; the form's owner defaults to its maker.
    page.goto("/settings/automation/")
    page.locator("#webform summary").click()
    page.fill("#wf-name", "Poptávka")
    page.select_option("#wf-language", "cs")
    page.locator("#webform input[name=fields][value=email]").check()
    page.locator("#webform label.inline", has_text="Počet zaměstnanců").locator("input").check()
    page.fill("#wf-min", "0")
    assert page.locator("#wf-owner").input_value() == str(boss.pk)
    page.locator("#webform").get_by_role("button", name="Create").click()
    page.wait_for_load_state()
    form = WebForm.objects.get()
    assert form.fields == ["email", "cf_pocet_zamestnancu"] and form.owner_id == boss.pk

    # A visitor whose browser speaks English reads the Czech form and its Czech errors.
    visitor = page.context.browser.new_context(
        base_url=page.url.split("/settings")[0], locale="en-US"
    )
    try:
        public = visitor.new_page()
        public.goto(f"/f/{form.key}")
        public.fill("[name=cf_pocet_zamestnancu]", "hodně")
        public.fill("[name=email]", "poptavka@stavby-novak.cz")
        public.get_by_role("button", name="Odeslat").click()
        assert public.locator(".lb-error").first.inner_text() == "Musí být číslo."
        public.fill("[name=cf_pocet_zamestnancu]", "42")
        public.get_by_role("button", name="Odeslat").click()
        public.locator(".lb-thanks").wait_for()
    finally:
        visitor.close()
    lead = Lead.objects.get()
    assert lead.custom_fields == {"pocet_zamestnancu": 42} and lead.owner_id == boss.pk

    # Renamed: the key stays, the label changes wherever it shows.
    page.goto("/settings/#custom_field")
    row = page.locator("#custom_field tr[data-field=pocet_zamestnancu]")
    row.locator("input[name=label]").fill("Zaměstnanci")
    row.get_by_role("button", name="Rename").click()
    page.wait_for_load_state()
    field.refresh_from_db()
    assert (field.key, field.label) == ("pocet_zamestnancu", "Zaměstnanci")

    # Deleting asks first, with the count; cancelling keeps everything.
    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    row = page.locator("#custom_field tr[data-field=pocet_zamestnancu]")
    row.get_by_role("button", name="Delete").click()
    assert questions == [
        "Delete the field “Zaměstnanci”? 1 record holds a value; it will be erased."
    ]
    assert CustomFieldDefinition.objects.exists()
    page.once("dialog", lambda d: d.accept())
    row.get_by_role("button", name="Delete").click()
    page.wait_for_load_state()
    assert not CustomFieldDefinition.objects.exists()
    lead.refresh_from_db()
    assert lead.custom_fields == {}


@pytest.mark.parametrize("language", ["cs", "vi"])
def test_the_finder_threshold_shows_in_every_language(browser_page, boss, language):
    """A number input takes "0.9": a localized "0,9" left it blank in Czech and Vietnamese."""
    boss.language = language
    boss.save()
    page = browser_page
    login(page, "boss")
    page.goto("/duplicates/?threshold=0.85")
    assert page.locator("#id_threshold").input_value() == "0.85"


def test_the_consent_box_stands_beside_its_text(browser_page, boss):
    from leadbridge.webforms.services import webform_save

    form = webform_save(
        actor=boss,
        data={
            "name": "Kontakt",
            "language": "pl",
            "fields": ["email"],
            "consent_text": "Wyrażam zgodę na przetwarzanie danych.",
        },
    )
    page = browser_page
    page.goto(f"/f/{form.key}")
    box = page.locator("input[name=consent]").bounding_box()
    label = page.locator("label", has=page.locator("input[name=consent]")).bounding_box()
    # One line: the box is not stretched across the form above its text.
    assert box["width"] < 40 and label["height"] < 2.5 * box["height"] + 10
    assert label["y"] <= box["y"] <= label["y"] + label["height"]
    assert page.title() == "Kontakt"
    assert page.locator("link[rel=icon]").count() == 1
