"""Browser test: two people edit the same lead at once (issue 18, item 5)."""

from __future__ import annotations

import pytest

from leadbridge.conftest import login, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_second_save_shows_the_conflict_and_keeps_the_chosen_value_per_field(
    chromium, live_server, baseline_data, teams, make_lead
):
    north, _south = teams
    make_user("sales_manager", [north], username="jana", first_name="Jana", last_name="Nováková")
    make_user("sales_manager", [north], username="petr", first_name="Petr", last_name="Dvořák")
    lead = make_lead(last_name="Horák", company_name="Pila Horák", city="Vimperk", team_id=north.pk)
    contexts = [
        chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        for _ in range(2)
    ]
    try:
        jana, petr = (context.new_page() for context in contexts)
        for page, name in ((jana, "jana"), (petr, "petr")):
            page.set_default_timeout(10_000)
            login(page, name)
            page.goto(f"/leads/{lead.pk}/edit/")

        jana.fill("#id_city", "Prachatice")
        jana.fill("#id_job_title", "Jednatel")
        with jana.expect_navigation():
            jana.click("button[name=save]")

        petr.fill("#id_city", "Strakonice")
        petr.fill("#id_job_title", "Majitel")
        petr.fill("#id_postcode", "386 01")
        with petr.expect_navigation():
            petr.click("button[name=save]")
        panel = petr.locator("[data-testid=conflict]")
        assert "Jana Nováková" in panel.inner_text()
        city = panel.locator("tr[data-field=city]")
        assert "Prachatice" in city.inner_text() and "Strakonice" in city.inner_text()
        # Keep the other person's city and my own job title.
        city.locator("input[value=theirs]").check()
        panel.locator("tr[data-field=job_title] input[value=mine]").check()
        with petr.expect_navigation():
            petr.click("button[name=save]")
        petr.wait_for_selector("text=Lead saved.")

        petr.goto(f"/leads/{lead.pk}/edit/")
        assert petr.input_value("#id_city") == "Prachatice"
        assert petr.input_value("#id_job_title") == "Majitel"
        assert petr.input_value("#id_postcode") == "386 01"
    finally:
        for context in contexts:
            context.close()
    lead.refresh_from_db()
    assert (lead.city, lead.job_title, lead.postcode) == ("Prachatice", "Majitel", "386 01")
