"""Browser tests of the demo's first run and of money per currency (issue 18, items 8, 18)."""

from __future__ import annotations

import re

import pytest

from leadbridge.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_czech_demo_first_run_finds_duplicates_and_shows_conversion_rates(browser_page):
    from leadbridge.demo.loader import load_demo
    from leadbridge.people.models import User

    load_demo(leads=40, language="cs")
    User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123", language="cs")
    page = browser_page
    login(page, "boss")
    teams = page.locator("select[name=team_id] option").all_inner_texts()
    assert "Praha" in teams and "Prague" not in teams

    page.goto("/duplicates/")
    page.click("#finder-form button[name=run]")
    groups = page.locator("[data-testid=group]")
    groups.first.wait_for()
    assert groups.count() >= 4

    page.goto("/dashboard/")
    table = page.locator("section:has(h2:text('Míra konverze po měsících')) table").first
    rates = [int(r) for r in re.findall(r"(\d+) %", table.inner_text())]
    assert sum(1 for rate in rates if rate > 0) >= 2, rates
    assert not re.search(r"\d{4}-\d{2}", table.inner_text())  # months by name, as in Czech


def test_deals_sort_by_value_within_currency_and_dashboard_totals_per_currency(browser_page):
    from leadbridge.core.tests.helpers import make_record
    from leadbridge.people.models import User

    User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123", language="cs")
    for title, value, currency in (
        ("Silo", "667000", "EUR"),
        ("Mlýn", "396000", "CZK"),
        ("Stodola", "850000", "EUR"),
        ("Sýpka", "12000", "CZK"),
    ):
        make_record("deal", title=title, value=value, currency=currency)
    page = browser_page
    login(page, "boss")
    page.goto("/deals/")
    page.click("table.list th >> text=Hodnota")
    page.wait_for_url("**ordering=value**")
    page.wait_for_selector("[data-testid=sort-note]")
    titles = page.locator("table.list tbody tr td:first-child").all_inner_texts()
    assert titles == ["Sýpka", "Mlýn", "Silo", "Stodola"]
    assert "396\xa0000,00\xa0Kč" in page.locator("table.list").inner_text()

    page.goto("/dashboard/")
    totals = page.locator("td.totals").first.inner_text()
    assert "408\xa0000,00\xa0Kč" in totals and "1\xa0517\xa0000,00\xa0€" in totals
