"""Browser tests (marked e2e) of the lead card's activity composer and task ticking, and of
the board's Lost zone and column totals after a drag: each checks what was saved."""

import datetime as dt

import pytest
from django.utils import timezone

from leadbridge.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _boss():
    from leadbridge.people.models import User

    return User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123")


def test_composer_plans_a_task_and_ticking_it_done_persists(browser_page, make_lead):
    from leadbridge.activities.models import Activity
    from leadbridge.leads.models import Lead

    _boss()
    lead = make_lead(last_name="Kopřivová", phone="+420 777 123 456", email="sarka@example.cz")
    page = browser_page
    login(page, "boss")
    page.goto(f"/leads/{lead.pk}/")
    assert page.locator('a[href="tel:+420777123456"]').count() == 1
    assert page.locator('a[href="mailto:sarka@example.cz"]').count() == 1
    agenda = page.locator("#agenda")
    assert agenda.locator('[data-testid="nothing-scheduled"]').count() == 1
    # A task with a due date the test chose (a date no default could give).
    agenda.get_by_label("Task").check()
    agenda.get_by_label("Subject").fill("Call about the Tatra offer")
    agenda.get_by_label("Due").fill("2031-07-09T14:45")
    with page.expect_response(f"**/agenda/lead/{lead.pk}/"):
        agenda.get_by_role("button", name="Save activity").click()
    row = page.locator("#agenda li", has_text="Call about the Tatra offer")
    row.wait_for()
    task = Activity.objects.get(subject="Call about the Tatra offer")
    assert task.type == "task" and not task.done
    assert timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M") == "2031-07-09 14:45"
    assert Lead.objects.get(pk=lead.pk).next_activity_id == task.pk
    # An overdue one is listed first and marked.
    Activity.objects.filter(pk=task.pk).update(due_at=timezone.now() - dt.timedelta(days=2))
    page.reload()
    assert "overdue" in (page.locator(f"#activity-{task.pk}").get_attribute("class") or "")
    # Tick it done on the card (no reload), then reload: it stays done.
    with page.expect_response(f"**/agenda/lead/{lead.pk}/done/{task.pk}/"):
        page.locator(f"#done-{task.pk}").check()
    page.locator(f"#activity-{task.pk}").wait_for(state="detached")
    page.reload()
    assert page.locator(f"#activity-{task.pk}").count() == 0
    task.refresh_from_db()
    assert task.done and task.done_at is not None
    assert Lead.objects.get(pk=lead.pk).next_activity_id is None
    assert page.console_errors == []


def _header(page, status_id: int) -> str:
    return page.locator(f'[data-column-head="{status_id}"]').inner_text()


def _drop_on_lost(page, card, lost_zone, dialog) -> None:
    """Drag a card onto the Lost zone until its dialog asks (at most three tries): right after
    a card was put back, Sortable's animation may still swallow a one-jump drag_to. What the
    test checks is what the dialog saves, not how many tries the drop took."""
    for _ in range(3):
        card.drag_to(lost_zone)
        try:
            dialog.wait_for(state="visible", timeout=3_000)
            return
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError: try the drop again
            page.wait_for_timeout(300)
    dialog.wait_for(state="visible")


def test_drag_updates_totals_and_lost_zone_stores_the_reason(browser_page, make_lead):
    from leadbridge.leads.models import Lead, LeadStatus, LostReason

    _boss()
    first, second = LeadStatus.objects.filter(kind="open", on_board=True).order_by("order")[:2]
    moved = make_lead(last_name="Tažený", status_id=first.pk, expected_value="1234", currency="EUR")
    make_lead(last_name="Zůstává", status_id=first.pk, expected_value="500", currency="CZK")
    make_lead(last_name="Cíl", status_id=second.pk, expected_value="700", currency="CZK")
    losing = make_lead(last_name="Ztracený", status_id=first.pk)
    page = browser_page
    login(page, "boss")
    page.goto("/leads/board/")
    assert "€1,234.00" in _header(page, first.pk) and "3" in _header(page, first.pk)
    with page.expect_response("**/leads/board/move/") as response:
        page.locator(f"[data-card='{moved.pk}']").drag_to(
            page.locator(f"[data-column='{second.pk}']")
        )
    assert response.value.ok
    # The headers change without a reload: counts and per-currency totals of both columns.
    page.wait_for_function(
        "([id]) => document.querySelector(`[data-column-head='${id}']`)"
        ".innerText.includes('€1,234.00')",
        arg=[second.pk],
    )
    assert page.locator(f'[data-testid="count-{first.pk}"]').inner_text() == "2"
    assert page.locator(f'[data-testid="count-{second.pk}"]').inner_text() == "2"
    assert "€" not in _header(page, first.pk)
    assert Lead.objects.get(pk=moved.pk).status_id == second.pk

    # Drop on Lost: the dialog asks why; Cancel puts the card back and saves nothing.
    lost_zone = page.locator('[data-testid="lost-zone"]')
    dialog = page.locator("#lost-dialog")
    _drop_on_lost(page, page.locator(f"[data-card='{losing.pk}']"), lost_zone, dialog)
    dialog.get_by_role("button", name="Cancel").click()
    page.locator(f"[data-column='{first.pk}'] [data-card='{losing.pk}']").wait_for()
    assert Lead.objects.get(pk=losing.pk).lost_reason_id is None
    # Again, with a reason: saved, the card leaves the board, the column counts one fewer.
    reason = LostReason.objects.get(name="Went with a competitor")
    _drop_on_lost(page, page.locator(f"[data-card='{losing.pk}']"), lost_zone, dialog)
    dialog.get_by_label("Lost reason").select_option(str(reason.pk))
    with page.expect_response("**/leads/board/lost/") as response:
        dialog.get_by_role("button", name="Mark as lost").click()
    assert response.value.ok
    page.locator(f"[data-card='{losing.pk}']").wait_for(state="detached")
    assert page.locator(f'[data-testid="count-{first.pk}"]').inner_text() == "1"
    saved = Lead.objects.select_related("status").get(pk=losing.pk)
    assert (saved.status.kind, saved.lost_reason_id) == ("lost", reason.pk)
    page.reload()
    assert page.locator(f"[data-card='{losing.pk}']").count() == 0
    page.goto("/dashboard/")
    assert "Went with a competitor" in page.locator('[data-testid="lost-reasons"]').inner_text()
    assert page.console_errors == []
