"""The "Use leads" switch in the browser: an administrator turns Leads off in Settings, the
menu loses Leads and the lead pages say why; on again, the earlier leads are all there."""

import pytest

from leadbridge.conftest import login, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_switches_leads_off_and_on_in_settings(browser_page, baseline_data):
    from leadbridge.core.runtime_settings import leads_enabled
    from leadbridge.leads.models import Lead
    from leadbridge.leads.services import lead_create
    from leadbridge.people.models import User

    page = browser_page
    admin = User.objects.create_superuser("vedouci", "vedouci@example.com", "x-Secret-123")
    names = ["Radoslava Nečasová 4417", "Bohumil Štěpánek 9023"]
    leads = [
        lead_create(
            actor=admin, data={"first_name": n.split()[0], "last_name": " ".join(n.split()[1:])}
        ).obj
        for n in names
    ]
    versions = {lead.pk: lead.version for lead in leads}
    make_user("sales", username="obchodnik")

    login(page, "vedouci")
    menu = page.locator('[data-testid="menu-leads"]')
    assert menu.count() == 1

    # Off.
    page.goto("/settings/#modules")
    switch = page.locator('[data-testid="leads-switch"]')
    box = switch.get_by_label("Use leads")
    assert box.is_checked()
    box.uncheck()
    switch.get_by_role("button", name="Save").click()
    page.wait_for_url("**/settings/#modules")
    assert page.locator('[data-testid="menu-leads"]').count() == 0
    page.reload()
    assert not page.locator('[data-testid="leads-switch"]').get_by_label("Use leads").is_checked()
    assert page.locator('[data-testid="menu-leads"]').count() == 0
    assert leads_enabled() is False  # read back from the database too
    history = page.locator('[data-testid="leads-switch-history"]').inner_text()
    assert "switched off" in history and admin.display_name in history

    # The lead pages say why, for a real lead and for a wrong id alike; the brand link
    # and the home page go to the deals.
    for path in (f"/leads/{leads[0].pk}/", "/leads/987654321/", "/leads/", "/leads/board/"):
        response = page.goto(path)
        assert response.status == 404, path
        assert page.locator("h1").inner_text() == "Leads are switched off"
        assert names[0] not in page.content()
    page.click("text=Go to the deals")
    page.wait_for_url("**/deals/")
    page.goto("/")
    page.wait_for_url("**/deals/")
    page.goto("/dashboard/")
    assert page.locator('[data-testid="dashboard-leads"]').count() == 0
    assert page.get_by_role("heading", name="Deals by stage").count() == 1

    # Another user may not switch it back.
    other = page.context.browser.new_context(base_url=page.url.split("/dashboard")[0])
    other_page = other.new_page()
    other_page.goto("/login/")
    other_page.fill("#id_username", "obchodnik")
    other_page.fill("#id_password", "x-Secret-123")
    other_page.click("button[type=submit]")
    other_page.wait_for_url("**/deals/")  # logged in while Leads are off: the deals
    assert other_page.goto("/settings/").status == 403
    other.close()
    assert leads_enabled() is False

    # On again: the menu is back and the list shows every earlier lead, unchanged.
    page.goto("/settings/#modules")
    switch = page.locator('[data-testid="leads-switch"]')
    switch.get_by_label("Use leads").check()
    switch.get_by_role("button", name="Save").click()
    page.wait_for_url("**/settings/#modules")
    page.reload()
    assert page.locator('[data-testid="leads-switch"]').get_by_label("Use leads").is_checked()
    assert leads_enabled() is True
    page.locator('[data-testid="menu-leads"]').click()
    page.wait_for_url("**/leads/")
    listing = page.locator("main").inner_text()
    for name in names:
        assert name in listing, name
    assert {lead.pk: lead.version for lead in Lead.objects.all()} == versions
    # The only errors the console saw: the four lead pages answering 404 while off.
    assert len(page.console_errors) == 4
    assert all("404 (Not Found)" in e for e in page.console_errors)
