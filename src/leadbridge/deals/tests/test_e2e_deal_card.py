"""The deal card as a sales person works it (marked e2e): the stage bar moves the deal, Won
and Lost close it (Lost asks first), the value reads as money, the client is a link."""

import pytest

from leadbridge.conftest import login, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _deal(actor, **data):
    from leadbridge.deals.services import deal_create

    return deal_create(actor=actor, data=data).obj


def test_the_stage_bar_moves_the_deal_and_won_closes_it(browser_page, boss):
    from leadbridge.clients.services import client_create
    from leadbridge.deals.models import Deal, Pipeline

    client = client_create(actor=boss, data={"kind": "company", "name": "Agro Šumava s.r.o."}).obj
    deal = _deal(boss, title="Traktory 2027", value="667000", currency="EUR", client_id=client.pk)
    stages = list(Pipeline.objects.get(pk=deal.pipeline_id).stages.all())
    third_open = [s for s in stages if s.kind == "open"][2]
    won = next(s for s in stages if s.kind == "won")
    page = browser_page
    login(page, "boss")
    page.goto(f"/deals/{deal.pk}/")
    assert page.inner_text(".deal-value") == "€667,000.00"
    assert page.get_attribute(".deal-summary a", "href") == f"/clients/{client.pk}/"
    page.locator(".stage-bar button", has_text=third_open.name).click()
    page.wait_for_selector(f".stage-bar li.current >> text={third_open.name}")
    assert Deal.objects.get(pk=deal.pk).stage_id == third_open.pk
    page.locator(".stage-outcome button", has_text=won.name).click()
    page.wait_for_selector(f".stage-outcome button[aria-current=step] >> text={won.name}")
    assert Deal.objects.get(pk=deal.pk).stage_id == won.pk


def test_lost_asks_first_and_a_stale_card_loses_nothing(browser_page, boss):
    from leadbridge.deals.models import Deal, Pipeline
    from leadbridge.deals.services import deal_update

    deal = _deal(boss, title="Sekačky", value="12000", currency="CZK")
    stages = list(Pipeline.objects.get(pk=deal.pipeline_id).stages.all())
    lost = next(s for s in stages if s.kind == "lost")
    start = deal.stage_id
    page = browser_page
    login(page, "boss")
    page.goto(f"/deals/{deal.pk}/")
    page.once("dialog", lambda d: d.dismiss())
    page.locator(".stage-outcome button", has_text=lost.name).click()
    page.wait_for_timeout(300)
    assert Deal.objects.get(pk=deal.pk).stage_id == start
    # Someone else moves the deal meanwhile: this card's move is refused, not applied over it.
    second = [s for s in stages if s.kind == "open"][1]
    deal_update(actor=boss, pk=deal.pk, data={"stage_id": second.pk})
    page.once("dialog", lambda d: d.accept())
    page.locator(".stage-outcome button", has_text=lost.name).click()
    page.wait_for_selector("ul.messages li.error")
    assert Deal.objects.get(pk=deal.pk).stage_id == second.pk


def test_another_teams_deal_cannot_be_moved(client, baseline_data, boss, teams):
    from leadbridge.deals.models import Deal, Pipeline

    north, south = teams
    deal = _deal(boss, title="Jih", team_id=south.pk)
    other = Pipeline.objects.create(name="Jiná")
    foreign_stage = other.stages.create(name="Cizí", order=1)
    sales = make_user("sales", [north])
    client.force_login(sales)
    target = Pipeline.objects.get(pk=deal.pipeline_id).stages.exclude(pk=deal.stage_id).first()
    r = client.post(f"/deals/{deal.pk}/stage/", {"stage_id": target.pk})
    assert r.status_code in (403, 404)
    client.force_login(boss)
    r = client.post(f"/deals/{deal.pk}/stage/", {"stage_id": foreign_stage.pk}, follow=True)
    assert "Choose a stage of this deal&#x27;s pipeline." in r.content.decode()
    r = client.post("/deals/99999999/stage/", {"stage_id": target.pk})
    assert r.status_code == 404
    assert Deal.objects.get(pk=deal.pk).stage_id == deal.stage_id
