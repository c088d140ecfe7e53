"""Browser tests of the leads list as a daily tool (issue 18: 13 and 16).

Sorting kept across filters, the pager's total and page size, clean addresses, the row
menu, the header's search box; and the phone layout at 390×844.
"""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from leadbridge.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
MAIN_PAGES = (
    "/clients/",
    "/contacts/",
    "/deals/",
    "/deals/board/",
    "/tasks/",
    "/dashboard/",
    "/settings/",
    "/search/?q=a",
)


def _query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def _names(page) -> list[str]:
    return page.locator("#lead-rows tbody .cell-name").all_inner_texts()


def test_ordering_kept_when_a_filter_changes_and_no_empty_parameters(browser_page, boss, make_lead):
    from leadbridge.leads.models import LeadSource

    web, other = LeadSource.objects.order_by("order")[:2]
    for name in ("Cibulka", "Adámek", "Bělohlávek"):
        make_lead(last_name=name, source_id=web.pk)
    make_lead(last_name="Daněk", source_id=other.pk)
    page = browser_page
    login(page, "boss")
    page.click("#lead-rows th >> text=Name")
    page.wait_for_url("**ordering=last_name**")
    page.click("#lead-rows th >> text=Name")
    page.wait_for_url("**ordering=-last_name**")
    page.select_option("#id_source", str(web.pk))
    page.wait_for_url(f"**source_id={web.pk}**")
    page.wait_for_function("!document.querySelector('#lead-table').innerText.includes('Daněk')")
    # Descending by name, as chosen before the filter changed.
    assert [n.strip() for n in _names(page)] == ["Cibulka", "Bělohlávek", "Adámek"]
    assert sorted(_query(page.url)) == [("ordering", "-last_name"), ("source_id", str(web.pk))]
    for link in page.locator("#lead-table a[href^='?']").all():
        assert all(value for _key, value in _query(link.get_attribute("href"))), link
    # Still so after a reload (the address holds the state).
    page.reload()
    assert [n.strip() for n in _names(page)] == ["Cibulka", "Bělohlávek", "Adámek"]


def test_pager_total_and_page_size(browser_page, boss, make_lead):
    from leadbridge.leads.models import LeadSource

    web, other = LeadSource.objects.order_by("order")[:2]
    for i in range(30):
        make_lead(last_name=f"Stránkový {i:02d}", source_id=(web if i % 3 else other).pk)
    page = browser_page
    login(page, "boss")
    assert page.inner_text("[data-testid=pager-range]") == "1–30 of 30"
    page.select_option("#id_page_size", "25")
    page.wait_for_url("**page_size=25**")
    page.wait_for_function("document.querySelectorAll('#lead-rows tbody tr').length === 25")
    assert page.inner_text("[data-testid=pager-range]") == "1–25 of 30"
    page.click(".pager >> text=Next")
    page.wait_for_url("**page=2**")
    page.wait_for_function("document.querySelectorAll('#lead-rows tbody tr').length === 5")
    assert page.inner_text("[data-testid=pager-range]") == "26–30 of 30"
    assert dict(_query(page.url))["page_size"] == "25"
    # A filter keeps the page size and starts again at page 1.
    page.select_option("#id_source", str(other.pk))
    page.wait_for_url(f"**source_id={other.pk}**")
    page.wait_for_function(
        "document.querySelector('[data-testid=pager-range]').innerText === '1–10 of 10'"
    )
    query = dict(_query(page.url))
    assert query.get("page_size") == "25" and "page" not in query
    page.reload()
    assert page.input_value("#id_page_size") == "25"


def test_board_filter_address_has_no_empty_parameters(browser_page, boss, make_lead):
    from leadbridge.leads.models import LeadSource

    source = LeadSource.objects.order_by("order").last()
    make_lead(last_name="Nástěnková", source_id=source.pk)
    page = browser_page
    login(page, "boss")
    page.goto("/leads/board/")
    page.select_option("#id_source", str(source.pk))
    with page.expect_navigation():
        page.click("#board-filters button[type=submit]")
    assert _query(page.url) == [("source_id", str(source.pk))]
    assert "Nástěnková" in page.inner_text(".board")


def test_row_menu_convert_assign_delete(browser_page, boss, make_lead):
    from leadbridge.leads.models import Lead

    doomed = make_lead(last_name="Odcházející")
    kept = make_lead(last_name="Zůstávající")
    page = browser_page
    login(page, "boss")
    page.goto("/leads/?ordering=last_name")
    row = page.locator(f"tr[data-lead='{doomed.pk}']")
    row.locator("summary").click()
    assert row.get_by_role("link", name="Convert…").get_attribute("href") == (
        f"/leads/{doomed.pk}/convert/"
    )
    assert row.get_by_role("link", name="Assign…").get_attribute("href") == (
        f"/leads/{doomed.pk}/assign/"
    )
    # Cancelling keeps the lead.
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name="Delete").click()
    page.wait_for_timeout(300)  # a dismissed question sends nothing; give a stray post time
    assert Lead.objects.filter(pk=doomed.pk, deleted_at__isnull=True).exists()
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    with page.expect_navigation():
        row.get_by_role("button", name="Delete").click()
    assert questions == ["Delete the lead Odcházející?"]
    page.wait_for_selector("text=Lead Odcházející deleted.")
    assert "ordering=last_name" in page.url  # back to the same list
    assert not Lead.objects.filter(pk=doomed.pk, deleted_at__isnull=True).exists()
    assert Lead.objects.filter(pk=kept.pk, deleted_at__isnull=True).exists()


def test_header_search_is_not_filled_with_the_list_search(browser_page, boss, make_lead):
    make_lead(last_name="Hledaná")
    page = browser_page
    login(page, "boss")
    page.goto("/leads/?q=Hledan")
    assert page.input_value("#id_q") == "Hledan"
    assert page.input_value("header .search input[name=q]") == ""
    page.goto("/search/?q=Hledan")
    assert page.input_value("header .search input[name=q]") == "Hledan"


def test_laptop_list_fits_the_screen_with_long_addresses(browser_page, boss, make_lead):
    """At 1280 px the list needs no sideways scrolling: a long e-mail wraps after its "@"
    and stays whole to read and copy."""
    email = "katerina.prochazkova.obchodni.oddeleni@vltavalogistikaholding.cz"
    lead = make_lead(
        first_name="Kateřina",
        last_name="Procházková-Dvořáková",
        company_name="Vltava Logistika a Spedice Holding s.r.o.",
        email=email,
        phone="+420 678 682 663",
    )
    page = browser_page
    login(page, "boss")
    page.goto("/leads/")
    cell = page.locator(f'#lead-rows tr[data-lead="{lead.pk}"] td.cell-contact')
    assert cell.inner_text().replace("\n", "").startswith(email)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"the leads list is {width}px wide"
    box = page.locator("#lead-rows").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1280, box
    inner = page.evaluate("document.querySelector('.list-scroll').scrollWidth")
    outer = page.evaluate("document.querySelector('.list-scroll').clientWidth")
    assert inner <= outer, f"the list scrolls sideways ({inner} > {outer})"


# The phone -------------------------------------------------------------------------------


@pytest.fixture
def phone_page(chromium, live_server, baseline_data):
    context = chromium.new_context(
        base_url=live_server.url, viewport=PHONE, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _no_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def test_phone_list_header_and_first_lead(phone_page, boss, make_lead):
    from leadbridge.leads.models import LeadSource

    for i in range(12):
        make_lead(
            last_name=f"Telefonní {i:02d}",
            company_name="Zemědělské družstvo Horní Dolní s.r.o.",
            email=f"velmi.dlouha.adresa.{i}@example.com",
        )
    page = phone_page
    login(page, "boss")
    _no_overflow(page)
    # The first lead shows on the first screen, as a card with its status badge whole.
    first = page.locator("#lead-rows tbody tr").first
    box = first.bounding_box()
    assert box and box["y"] + box["height"] <= PHONE["height"], box
    badge = first.locator(".status-badge select").bounding_box()
    assert badge and badge["x"] + badge["width"] <= PHONE["width"]
    assert first.locator(".cell-name").is_visible() and first.locator(".cell-status").is_visible()
    # Filters are folded and open with their button.
    assert not page.locator("#id_status").is_visible()
    page.click("button[aria-controls=lead-filters]")
    assert page.locator("#id_status").is_visible()
    _no_overflow(page)
    # A list opened with a filter set shows its filters.
    page.goto(f"/leads/?source_id={LeadSource.objects.first().pk}")
    assert page.locator("#id_source").is_visible()
    # The header's menu opens; the language switch is usable and Log out can be pressed.
    assert not page.locator("text=Log out").is_visible()
    page.click(".menu-toggle")
    language = page.locator(".language-switch select").bounding_box()
    assert language and language["width"] >= 80, language
    _no_overflow(page)
    page.click("text=Log out")
    page.wait_for_url("**/login/**")


def test_phone_card_and_board_fit(phone_page, boss, make_lead):
    lead = make_lead(
        first_name="Bohumila",
        last_name="Nejdelší-Příjmení-Na-Světě",
        company_name="Společnost s velmi dlouhým jménem a ještě delším dovětkem a.s.",
        email="bohumila.nejdelsi.prijmeni.na.svete@velmi-dlouha-domena.example.com",
    )
    page = phone_page
    login(page, "boss")
    page.goto(f"/leads/{lead.pk}/")
    _no_overflow(page)
    edit = page.locator(".actions-menu >> text=Edit").bounding_box()
    assert edit and edit["height"] >= 36, edit  # a thumb can hit it
    page.goto("/leads/board/")
    _no_overflow(page)  # the board scrolls inside itself, not the page
    column = page.locator(".board .column").first.bounding_box()
    assert column and 300 <= column["width"] <= PHONE["width"], column
    card = page.locator(f"[data-card='{lead.pk}']")
    assert card.is_visible()
    assert re.search("Nejdelší", card.inner_text())


def test_phone_other_pages_fit(phone_page, boss, make_lead):
    """The shared header and lists keep every main page within the phone's width."""
    make_lead(last_name="Široká", company_name="Velmi dlouhý název firmy bez mezer" * 3)
    page = phone_page
    login(page, "boss")
    for path in MAIN_PAGES:
        page.goto(path)
        _no_overflow(page)
        page.click(".menu-toggle")
        assert page.locator("header >> text=Log out").is_visible()
        _no_overflow(page)
