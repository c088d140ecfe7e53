"""Browser test of the Kanban board: drag a card to another column (marked e2e)."""

import pytest

from leadbridge.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_drag_a_card_to_another_column(browser_page, make_lead):
    from leadbridge.leads.models import Lead, LeadStatus
    from leadbridge.people.models import User

    User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123")
    first, second = LeadStatus.objects.filter(kind="open", on_board=True).order_by("order")[:2]
    lead = make_lead(last_name="Tažená", status_id=first.pk)
    page = browser_page
    login(page, "boss")
    page.goto("/leads/board/")
    card = page.locator(f"[data-card='{lead.pk}']")
    target = page.locator(f"[data-column='{second.pk}']")
    with page.expect_response("**/leads/board/move/") as response:
        card.drag_to(target)
    assert response.value.ok
    page.reload()
    assert page.locator(f"[data-column='{second.pk}'] [data-card='{lead.pk}']").count() == 1
    assert Lead.objects.get(pk=lead.pk).status_id == second.pk
    page.goto(f"/leads/{lead.pk}/")
    timeline = page.locator("aside .timeline")
    timeline.wait_for()
    assert f"{first.name} → {second.name}" in timeline.inner_text()
    assert page.console_errors == []
