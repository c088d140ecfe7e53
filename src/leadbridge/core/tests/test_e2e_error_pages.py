"""The error pages in the browser (issue 18.6): a sales person follows a stale link.

A link to a lead merged away since leads to the survivor with a notice; a link to another
team's lead or a deleted one shows the "Not found" page inside the app, whose navigation
still works; Settings for a Sales user shows "Not allowed" with the navigation.
"""

import re

import pytest

from leadbridge.conftest import login, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_stale_links_land_on_useful_pages(browser_page, baseline_data):
    from leadbridge.duplicates.merge import record_merge
    from leadbridge.leads.services import lead_create, lead_delete
    from leadbridge.people.models import Team, User

    page = browser_page
    north, south = Team.objects.create(name="Sever"), Team.objects.create(name="Jih")
    admin = User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123")
    seller = make_user("sales", [north], username="prodejce")

    def lead(name, team, owner):
        data = {"last_name": name, "team_id": team.pk, "owner_id": owner.pk}
        return lead_create(actor=admin, data=data).obj

    survivor = lead("Květoslava Hrubá", north, seller)
    merged = lead("Květa Hrubá", north, seller)
    record_merge(actor=admin, record_type="lead", ids=[survivor.pk, merged.pk])
    theirs = lead("Jižní Lead", south, admin)
    gone = lead("Smazaná Lead", north, seller)
    lead_delete(actor=admin, pk=gone.pk)

    login(page, "prodejce")
    page.goto(f"/leads/{merged.pk}/")
    page.wait_for_url(re.compile(rf".*/leads/{survivor.pk}/$"))
    assert "This record was merged into Květoslava Hrubá." in page.inner_text(".messages")
    assert "Květoslava Hrubá" in page.locator("h1").inner_text()

    for pk in (theirs.pk, gone.pk, 987654321):
        response = page.goto(f"/leads/{pk}/")
        assert response.status == 404
        assert page.locator("h1").inner_text() == "Not found"
        assert "Jižní Lead" not in page.content()
    page.click("nav >> text=Deals")  # the layout's navigation works from the error page
    page.wait_for_url("**/deals/")

    response = page.goto("/settings/")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "Not allowed"
    page.click("text=Go to the leads")
    page.wait_for_url("**/leads/")
