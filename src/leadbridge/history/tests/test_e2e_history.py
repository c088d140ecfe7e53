"""Browser test: the lead card's history speaks in labels and names (issue 18, item 7)."""

from __future__ import annotations

import pytest

from leadbridge.conftest import api_for, login, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_history_tab_shows_labels_names_and_links(browser_page, teams):
    north, _south = teams
    jana = make_user(
        "sales_manager", [north], username="jana", first_name="Jana", last_name="Nováková"
    )
    petr = make_user("sales", [north], first_name="Petr", last_name="Dvořák")
    api = api_for(jana)
    lead = api.post(
        "/api/leads", {"last_name": "Šťastný", "company_name": "Agro Šumava s.r.o."}
    ).json()
    api.patch(f"/api/leads/{lead['id']}", {"owner_id": petr.pk})
    api.post(
        "/api/activities",
        {"record_type": "lead", "record_id": lead["id"], "type": "task", "subject": "First call"},
    )
    result = api.post(f"/api/leads/{lead['id']}/convert", {"deal": {"mode": "new"}}).json()

    page = browser_page
    login(page, "jana")
    page.goto(f"/leads/{lead['id']}/")
    timeline = page.locator("[data-testid=timeline]")
    timeline.wait_for()
    text = " ".join(timeline.inner_text().split())
    assert "Owner: Jana Nováková → Petr Dvořák" in text
    assert "Task created: First call" in text
    assert "owner_id" not in text
    # The converted-into entry links the client by name; following it opens the client.
    timeline.get_by_role("link", name="Agro Šumava s.r.o.").first.click()
    page.wait_for_url(f"**/clients/{result['client_id']}/")
    assert page.locator("h1").first.inner_text() == "Agro Šumava s.r.o."

    # The Tasks page tells whom to call: the task's records by name, each a link.
    page.goto("/tasks/")
    row = page.locator("li", has_text="First call").first
    assert f"lead #{lead['id']}" not in row.inner_text()
    row.get_by_role("link", name="Šťastný (Agro Šumava s.r.o.)").click()
    page.wait_for_url(f"**/leads/{lead['id']}/")
    assert page.console_errors == []
