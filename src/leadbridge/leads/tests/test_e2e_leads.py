"""Browser tests of the leads pages: Playwright on Debian's chromium (marked e2e)."""

import re

import pytest

from leadbridge.conftest import login, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_and_logout(browser_page, boss):
    page = browser_page
    page.goto("/leads/")
    assert "/login/" in page.url
    login(page, "boss")
    assert page.locator("h1").first.inner_text() == "Leads"
    page.click("text=Log out")
    page.wait_for_url("**/login/**")


def test_create_with_save_and_save_and_new(browser_page, boss):
    page = browser_page
    login(page, "boss")
    page.click("text=+ Lead")
    page.fill("#id_first_name", "Jana")
    page.fill("#id_last_name", "Dvořáková")
    with page.expect_navigation():
        page.click("button[name=save_and_new]")
    assert "/leads/new/" in page.url
    page.wait_for_selector("text=Lead Jana Dvořáková saved.")
    assert page.input_value("#id_last_name") == ""
    page.fill("#id_company_name", "Porost s.r.o.")
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r".*/leads/\d+/$"))
    assert "Porost s.r.o." in page.locator("h1").inner_text()
    page.goto("/leads/")
    assert "Dvořáková" in page.inner_text("#lead-table")


def test_required_field_message_at_the_field(browser_page, boss):
    page = browser_page
    login(page, "boss")
    page.goto("/leads/new/")
    page.fill("#id_email", "not-an-email")
    with page.expect_navigation():
        page.click("button[name=save]")
    email_field = page.locator(".field.has-error", has=page.locator("#id_email"))
    assert "valid" in email_field.inner_text().lower() or "@" in email_field.inner_text()
    page.fill("#id_email", "")
    with page.expect_navigation():
        page.click("button[name=save]")
    name_field = page.locator(".field.has-error", has=page.locator("#id_last_name"))
    assert "Enter at least" in name_field.inner_text()


def test_search_is_accent_insensitive(browser_page, boss, make_lead):
    make_lead(first_name="Šárka", last_name="Kopřivová")
    make_lead(last_name="Novák")
    page = browser_page
    login(page, "boss")
    page.fill("#id_q", "kopriva")
    page.wait_for_function("document.querySelector('#lead-table').innerText.includes('Kopřivová')")
    page.wait_for_function("!document.querySelector('#lead-table').innerText.includes('Novák')")
    assert "q=kopriva" in page.url


def test_filter_and_sort(browser_page, boss, make_lead):
    from leadbridge.leads.models import LeadStatus

    new, contacted = LeadStatus.objects.filter(kind="open").order_by("order")[:2]
    make_lead(last_name="Adamová", status_id=new.pk)
    make_lead(last_name="Zelený", status_id=contacted.pk)
    make_lead(last_name="Bartoš", status_id=contacted.pk)
    page = browser_page
    login(page, "boss")
    page.select_option("#id_status", str(contacted.pk))
    page.wait_for_function("!document.querySelector('#lead-table').innerText.includes('Adamová')")
    page.click("#lead-rows th >> text=Name")
    page.wait_for_url("**ordering=last_name**")
    page.wait_for_timeout(300)
    rows = page.locator("#lead-rows tbody tr").all_inner_texts()
    assert rows[0].find("Bartoš") >= 0 and rows[1].find("Zelený") >= 0
    page.click("#lead-rows th >> text=Name")
    page.wait_for_url("**ordering=-last_name**")
    page.wait_for_timeout(300)
    rows = page.locator("#lead-rows tbody tr").all_inner_texts()
    assert rows[0].find("Zelený") >= 0


def test_status_change_from_the_list(browser_page, boss, make_lead):
    from leadbridge.history.models import HistoryEvent
    from leadbridge.leads.models import Lead, LeadStatus

    lead = make_lead(last_name="Statusová")
    target = LeadStatus.objects.filter(kind="open").exclude(pk=lead.status_id).first()
    page = browser_page
    login(page, "boss")
    page.select_option(f"#status-{lead.pk} select", str(target.pk))
    page.wait_for_function(
        f"document.querySelector('#status-{lead.pk} select').value === '{target.pk}'"
    )
    page.wait_for_timeout(300)
    assert Lead.objects.get(pk=lead.pk).status_id == target.pk
    assert HistoryEvent.objects.filter(record_id=lead.pk, kind="status_changed").exists()


def test_mass_task_creation(browser_page, boss, make_lead):
    leads = [make_lead(last_name=f"Hromadný {i}") for i in range(3)]
    make_lead(last_name="Nevybraný")
    page = browser_page
    login(page, "boss")
    for lead in leads:
        page.check(f"input[name=ids][value='{lead.pk}']")
    page.select_option("#mass-action", "task")
    page.fill("input[name=subject]", "First call")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#mass-form button[type=submit]")
    page.wait_for_selector("text=Done for 3 leads.")
    for lead in leads:
        page.goto(f"/leads/{lead.pk}/")
        page.wait_for_selector("#related >> text=First call")
    page.goto("/tasks/")
    assert page.locator("text=First call").count() >= 3


def test_hostile_name_renders_as_text(browser_page, boss, make_lead):
    lead = make_lead(last_name="<img src=x onerror=alert(1)>")
    page = browser_page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, "boss")
    assert "<img src=x onerror=alert(1)>" in page.inner_text("#lead-table")
    page.goto(f"/leads/{lead.pk}/")
    assert "<img src=x onerror=alert(1)>" in page.inner_text("h1")
    assert page.locator("img[src=x]").count() == 0
    assert dialogs == []


def test_user_sees_only_own_team_and_no_settings(browser_page, teams, make_lead):
    north, south = teams
    make_user("sales", [north], username="anna")
    make_lead(last_name="Severní", team_id=north.pk)
    make_lead(last_name="Jižní", team_id=south.pk)
    page = browser_page
    login(page, "anna")
    table = page.inner_text("#lead-table")
    assert "Severní" in table and "Jižní" not in table
    assert page.locator("nav >> text=Settings").count() == 0
    response = page.goto("/settings/")
    assert response.status == 403
