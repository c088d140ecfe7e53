"""The deals list's filters and orderings on the API (issue 18 item 14): pipeline, stage,
owner, currency with a value range, expected close date range; sorting by pipeline, stage,
owner, value and close date; bad values refused at their field; the export filters alike."""

from __future__ import annotations

import csv
import io

import pytest

from leadbridge.conftest import api_for, make_user
from leadbridge.core.tests.helpers import assert_error, make_record
from leadbridge.deals.models import Pipeline
from leadbridge.deals.services import pipeline_create


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def book(admin_user, users, teams):
    """Deals in two pipelines, two currencies, several owners and dates."""
    north, south = teams
    default = Pipeline.objects.get(is_default=True)
    projects = pipeline_create(actor=admin_user, name="Projects", stages=["Brief", "Offer", "Won"])
    projects.order = default.order + 1
    projects.save()
    d_first, d_second = list(default.stages.order_by("order"))[:2]
    brief, offer, _won = list(projects.stages.order_by("order"))
    north_sales, north_boss = users["sales_north"], users["manager_north"]
    north_sales.last_name, north_boss.last_name = "Zedník", "Adamec"
    north_sales.save()
    north_boss.save()

    table = [  # key, stage, value, currency, expected close, owner, team
        ("a", d_second, "900.00", "EUR", "2026-03-10", north_sales, north),
        ("b", brief, "150000.00", "CZK", "2026-01-31", north_boss, north),
        ("c", offer, "1200.50", "EUR", "2026-02-01", north_sales, north),
        ("d", d_first, "40.00", "CZK", "2026-02-28", north_boss, north),
        ("foreign", offer, "1000", "EUR", "2026-02-10", None, south),
    ]
    deals = {
        key: make_record(
            "deal",
            title=key.upper(),
            stage_id=stage.pk,
            value=value,
            currency=currency,
            expected_close_date=close,
            owner_id=owner.pk if owner else None,
            team_id=team.pk,
        )
        for key, stage, value, currency, close, owner, team in table
    }
    return {
        "projects": projects,
        "default": default,
        "stages": (d_first, d_second, brief, offer),
    } | deals


def test_pipeline_and_stage_filters_show_only_visible_deals(book, users):
    projects, (_d_first, _d_second, brief, offer) = book["projects"], book["stages"]
    manager = api_for(users["manager_north"])
    # Another team's deal in the same pipeline and stage is not shown to this manager.
    assert sorted(ids(manager.get("/api/deals", pipeline_id=projects.pk))) == sorted(
        [book["b"].pk, book["c"].pk]
    )
    assert ids(manager.get("/api/deals", stage_id=offer.pk)) == [book["c"].pk]
    assert ids(manager.get("/api/deals", stage_id=brief.pk, pipeline_id=projects.pk)) == [
        book["b"].pk
    ]
    # A stage of another pipeline, or an id that is no pipeline: nothing, not an error.
    assert ids(manager.get("/api/deals", pipeline_id=book["default"].pk, stage_id=offer.pk)) == []
    assert ids(manager.get("/api/deals", pipeline_id=987654)) == []


def test_the_admin_sees_every_teams_deal_in_the_pipeline(book, admin_api):
    got = ids(admin_api.get("/api/deals", pipeline_id=book["projects"].pk))
    assert sorted(got) == sorted([book["b"].pk, book["c"].pk, book["foreign"].pk])


def test_owner_filter(book, users):
    manager = api_for(users["manager_north"])
    got = ids(manager.get("/api/deals", owner_id=users["manager_north"].pk))
    assert sorted(got) == sorted([book["b"].pk, book["d"].pk])


def test_value_range_applies_within_the_currency(book, users):
    manager = api_for(users["manager_north"])
    assert sorted(ids(manager.get("/api/deals", currency="eur"))) == sorted(
        [book["a"].pk, book["c"].pk]
    )
    # 150,000 CZK is more than 1,000 but not in euros: it is not compared with euros.
    assert ids(manager.get("/api/deals", currency="EUR", value_min="1000")) == [book["c"].pk]
    assert ids(manager.get("/api/deals", currency="EUR", value_max="900")) == [book["a"].pk]
    assert ids(manager.get("/api/deals", currency="CZK", value_min="41", value_max="200000")) == [
        book["b"].pk
    ]
    assert ids(manager.get("/api/deals", currency="USD", value_min="0")) == []


@pytest.mark.parametrize(
    "params,field",
    [
        ({"value_min": "1000"}, "value_min"),
        ({"value_max": "1000"}, "value_max"),
        ({"value_min": "-1", "currency": "EUR"}, "value_min"),
        ({"value_min": "lots", "currency": "EUR"}, "value_min"),
        ({"value_max": "1e400", "currency": "EUR"}, "value_max"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "E1"}, "currency"),
        ({"close_after": "2026-02-30"}, "close_after"),
        ({"close_before": "soon"}, "close_before"),
        ({"pipeline_id": "0"}, "pipeline_id"),
        ({"stage_id": "x"}, "stage_id"),
        ({"ordering": "probability"}, "ordering"),
        ({"ordering": "-pipeline_name"}, "ordering"),
    ],
)
def test_bad_filter_values_are_refused_at_their_field(book, admin_api, params, field):
    assert_error(admin_api.get("/api/deals", **params), 422, field=field)


def test_close_date_range_includes_after_and_excludes_before(book, users):
    manager = api_for(users["manager_north"])
    got = ids(manager.get("/api/deals", close_after="2026-02-01", close_before="2026-03-01"))
    assert sorted(got) == sorted([book["c"].pk, book["d"].pk])
    got = ids(manager.get("/api/deals", close_after="2026-02-01", close_before="2026-02-28"))
    assert got == [book["c"].pk]


@pytest.mark.parametrize(
    "ordering,expected",
    [
        ("stage", "dabc"),  # the default pipeline's stages in board order, then Projects'
        ("-stage", "cbad"),
        ("pipeline", "adbc"),  # ties in id order
        ("-pipeline", "cbda"),
        ("owner", "bdac"),  # Adamec before Zedník
        ("-owner", "cadb"),
        ("expected_close_date", "bcda"),
        ("-expected_close_date", "adcb"),
    ],
)
def test_orderings(book, users, ordering, expected):
    manager = api_for(users["manager_north"])
    got = ids(manager.get("/api/deals", ordering=ordering))
    assert got == [book[key].pk for key in expected]


def test_value_orders_as_numbers_within_a_currency(book, admin_api):
    # As text "1200.50" < "900.00": only a numeric sort puts 900 first.
    got = ids(admin_api.get("/api/deals", currency="EUR", ordering="value"))
    assert got == [book["a"].pk, book["foreign"].pk, book["c"].pk]
    got = ids(admin_api.get("/api/deals", currency="EUR", ordering="-value"))
    assert got == [book["c"].pk, book["foreign"].pk, book["a"].pk]


def test_the_export_takes_the_same_filters(book, users):
    manager = api_for(users["manager_north"])
    r = manager.get(
        "/api/deals/export",
        format="csv",
        pipeline_id=book["projects"].pk,
        currency="EUR",
        value_min="1000",
    )
    assert r.status_code == 200, r.content
    rows = list(csv.DictReader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
    assert [int(row["id"]) for row in rows] == [book["c"].pk]
    assert_error(manager.get("/api/deals/export", format="csv", value_min="1"), 422, "value_min")


def test_openapi_documents_the_deal_filters(client, book):
    schema = client.get("/api/openapi.json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/deals"]["get"]["parameters"]}
    for name in ("pipeline_id", "stage_id", "currency", "value_min", "value_max"):
        assert name in params, name
    assert "currency" in params["value_min"]["description"]
    assert "excluded" in params["close_before"]["description"]
    export = {p["name"] for p in schema["paths"]["/api/deals/export"]["get"]["parameters"]}
    assert {"close_after", "close_before", "value_min"} <= export
    # Other record types do not offer the deal filters.
    leads = {p["name"] for p in schema["paths"]["/api/leads"]["get"]["parameters"]}
    assert "value_min" not in leads


def test_a_user_with_no_team_sees_no_deal_whatever_the_filter(book, teams):
    nobody = api_for(make_user("sales"))
    assert ids(nobody.get("/api/deals", pipeline_id=book["projects"].pk)) == []
