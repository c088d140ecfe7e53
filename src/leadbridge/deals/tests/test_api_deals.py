"""Deals: default pipeline and stage, references, filters, access and deletion."""

from __future__ import annotations

import datetime as dt

import pytest

from leadbridge.conftest import api_for
from leadbridge.core.errors import Forbidden, NotFound
from leadbridge.core.tests.helpers import assert_error, make_record
from leadbridge.deals.models import Deal, Pipeline, Stage
from leadbridge.deals.services import deal_create, deal_delete, deal_update, pipeline_create


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def second_pipeline(admin_user):
    return pipeline_create(actor=admin_user, name="Projects", stages=["Brief", "Offer", "Won"])


def test_deal_defaults_to_the_default_pipeline_and_its_first_stage(admin_api):
    r = admin_api.post(
        "/api/deals",
        {
            "title": "Windows for Hlinsko",
            "value": "125000",
            "currency": "czk",
            "expected_close_date": "2025-03-31",
        },
    )
    assert r.status_code == 201, r.content
    deal = r.json()
    default = Pipeline.objects.get(is_default=True)
    assert deal["pipeline_id"] == default.pk
    assert deal["stage_id"] == default.stages.order_by("order").first().pk
    assert (deal["value"], deal["currency"], deal["expected_close_date"]) == (
        "125000.00",
        "CZK",
        "2025-03-31",
    )


def test_stage_picks_its_pipeline(admin_api, second_pipeline):
    offer = second_pipeline.stages.get(name="Offer")
    r = admin_api.post("/api/deals", {"title": "D", "stage_id": offer.pk})
    assert r.status_code == 201, r.content
    assert (r.json()["pipeline_id"], r.json()["stage_id"]) == (second_pipeline.pk, offer.pk)
    r = admin_api.post("/api/deals", {"title": "D", "pipeline_id": second_pipeline.pk})
    assert r.json()["stage_id"] == second_pipeline.stages.get(name="Brief").pk


def test_moving_a_deal_to_a_stage_of_another_pipeline_is_refused(admin_api, second_pipeline):
    deal = make_record("deal")
    r = admin_api.patch(f"/api/deals/{deal.pk}", {"stage_id": second_pipeline.stages.first().pk})
    assert_error(r, 422, field="stage_id")
    r = admin_api.patch(
        f"/api/deals/{deal.pk}",
        {"pipeline_id": second_pipeline.pk, "stage_id": second_pipeline.stages.first().pk},
    )
    assert r.status_code == 200, r.content


def test_deal_filters(admin_api, second_pipeline):
    client = make_record("client")
    contact = make_record("contact", client_id=client.pk)
    a = make_record(
        "deal",
        title="Okna",
        client_id=client.pk,
        contact_id=contact.pk,
        value="10",
        expected_close_date="2025-01-31",
    )
    b = make_record(
        "deal",
        title="Dveře",
        pipeline_id=second_pipeline.pk,
        value="30",
        expected_close_date="2024-12-31",
    )
    assert ids(admin_api.get("/api/deals", client_id=client.pk)) == [a.pk]
    assert ids(admin_api.get("/api/deals", contact_id=contact.pk)) == [a.pk]
    assert ids(admin_api.get("/api/deals", pipeline_id=second_pipeline.pk)) == [b.pk]
    assert ids(admin_api.get("/api/deals", stage_id=b.stage_id)) == [b.pk]
    assert ids(admin_api.get("/api/deals", q="dvere")) == [b.pk]
    assert ids(admin_api.get("/api/deals", ordering="-value")) == [b.pk, a.pk]
    assert ids(admin_api.get("/api/deals", ordering="expected_close_date")) == [b.pk, a.pk]


def test_deal_services_check_access(users, teams):
    north, south = teams
    sales = users["sales_north"]
    mine = deal_create(actor=sales, data={"title": "Mine"}).obj
    assert mine.owner_id == sales.pk
    team_deal = make_record("deal", owner_id=users["manager_north"].pk, team_id=north.pk)
    with pytest.raises(NotFound):
        deal_update(actor=sales, pk=team_deal.pk, data={"value": "1"})
    with pytest.raises(NotFound):
        deal_delete(actor=sales, pk=team_deal.pk)
    with pytest.raises(Forbidden):
        deal_update(actor=users["marketing"], pk=team_deal.pk, data={"value": "1"})
    with pytest.raises(Forbidden):
        deal_delete(actor=users["marketing"], pk=team_deal.pk)
    with pytest.raises(Forbidden):
        deal_update(actor=sales, pk=mine.pk, data={"owner_id": users["sales_south"].pk})
    deal_delete(actor=users["manager_north"], pk=team_deal.pk)
    assert Deal.objects.get(pk=team_deal.pk).deleted_at is not None


def test_deal_links_to_visible_records_only(users, teams):
    hidden = make_record("client", owner_id=users["sales_south"].pk, team_id=teams[1].pk)
    api = api_for(users["sales_north"])
    assert_error(
        api.post("/api/deals", {"title": "D", "client_id": hidden.pk}), 422, field="client_id"
    )
    assert not Deal.objects.exists()


def test_deleted_deal_is_404_and_unlisted(admin_api):
    deal = make_record("deal")
    assert admin_api.delete(f"/api/deals/{deal.pk}").status_code == 204
    assert_error(admin_api.get(f"/api/deals/{deal.pk}"), 404)
    assert ids(admin_api.get("/api/deals")) == []


def test_dates_and_values_round_trip(admin_api):
    r = admin_api.post("/api/deals", {"title": "D", "value": 0, "expected_close_date": None})
    assert r.status_code == 201 and r.json()["value"] == "0.00"
    url = f"/api/deals/{r.json()['id']}"
    r = admin_api.patch(url, {"expected_close_date": "2024-02-29", "value": None})
    assert (r.json()["expected_close_date"], r.json()["value"]) == ("2024-02-29", None)
    assert Deal.objects.get().expected_close_date == dt.date(2024, 2, 29)


def test_pipeline_admin_only(users, admin_api):
    r = api_for(users["manager_north"]).post("/api/pipelines", {"name": "X", "stages": ["a"]})
    assert_error(r, 403)
    r = admin_api.post("/api/pipelines", {"name": "X", "stages": ["a", "b"]})
    assert r.status_code == 201 and [s["name"] for s in r.json()["stages"]] == ["a", "b"]
    assert Stage.objects.filter(pipeline_id=r.json()["id"]).count() == 2
