"""The deals list as a sales person works it (marked e2e): filter by pipeline, then by one
of its stages (the other pipelines' stages are not offered), sort by value; the rows shown
are the database's, and a reload keeps them. Wrong ids, another team's deals and an empty
stage show nothing, never an error page."""

import re

import pytest

from leadbridge.conftest import login, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROW_LINKS = "#record-table table.list tbody tr td:first-child a"


@pytest.fixture
def projects(boss):
    from leadbridge.deals.services import pipeline_create

    return pipeline_create(actor=boss, name="Projekty", stages=["Zadání", "Nabídka", "Vyhráno"])


def _deal(actor, **data):
    from leadbridge.deals.services import deal_create

    return deal_create(actor=actor, data=data).obj


def _shown(page) -> list[int]:
    hrefs = page.eval_on_selector_all(ROW_LINKS, "links => links.map(a => a.getAttribute('href'))")
    return [int(re.fullmatch(r"/deals/(\d+)/", h).group(1)) for h in hrefs]


def test_filter_by_pipeline_and_stage_then_sort_by_value(browser_page, boss, projects):
    from leadbridge.deals.models import Deal, Pipeline

    default = Pipeline.objects.get(is_default=True)
    brief, offer, _won = list(projects.stages.order_by("order"))
    # Same titles, told apart by value; as text "1200.50" < "15000.00" < "900.00".
    for value in ("1200.50", "900", "15000"):
        _deal(boss, title="Okna Hlinsko", stage_id=offer.pk, value=value, currency="EUR")
    _deal(boss, title="Zadání", stage_id=brief.pk, value="5", currency="EUR")
    _deal(boss, title="Jiný proces", pipeline_id=default.pk, value="1000", currency="EUR")
    page = browser_page
    login(page, "boss")
    page.goto("/deals/")
    assert len(_shown(page)) == 5
    page.select_option("#id_pipeline_id", str(projects.pk))
    page.wait_for_url(re.compile(rf"pipeline_id={projects.pk}"))
    page.wait_for_function("s => document.querySelectorAll(s).length === 4", arg=ROW_LINKS)
    # Only the chosen pipeline's stages are offered.
    offered = page.eval_on_selector_all(
        "#id_stage_id optgroup:not([hidden]) option", "options => options.map(o => o.value)"
    )
    assert offered == [str(s.pk) for s in projects.stages.order_by("order")]
    page.select_option("#id_stage_id", str(offer.pk))
    page.wait_for_url(re.compile(rf"stage_id={offer.pk}"))
    page.wait_for_function("s => document.querySelectorAll(s).length === 3", arg=ROW_LINKS)
    page.locator("#record-table th a", has_text="Value").click()
    page.wait_for_url(re.compile(r"ordering=value"))
    page.wait_for_selector("#record-table th a:has-text('▲')")
    expected = list(
        Deal.objects.filter(pipeline=projects, stage=offer)
        .order_by("value", "id")
        .values_list("pk", flat=True)
    )
    values = [
        str(v)
        for v in Deal.objects.filter(pk__in=expected)
        .order_by("value")
        .values_list("value", flat=True)
    ]
    assert values == ["900.00", "1200.50", "15000.00"]
    assert _shown(page) == expected
    page.locator("#record-table th a", has_text="Value").click()
    page.wait_for_selector("#record-table th a:has-text('▼')")
    assert _shown(page) == expected[::-1]
    # The address carries the list: a reload shows the same rows with the same choices.
    page.reload()
    assert _shown(page) == expected[::-1]
    assert page.input_value("#id_pipeline_id") == str(projects.pk)
    assert page.input_value("#id_stage_id") == str(offer.pk)
    # Another pipeline clears a stage that is not its own.
    page.select_option("#id_pipeline_id", str(default.pk))
    page.wait_for_url(re.compile(rf"pipeline_id={default.pk}"))
    page.wait_for_function("s => document.querySelectorAll(s).length === 1", arg=ROW_LINKS)
    assert page.input_value("#id_stage_id") == ""
    # The address names only the filters that filter, once each, and keeps the sort.
    query = page.url.split("?", 1)[1]
    assert sorted(query.split("&")) == sorted([f"pipeline_id={default.pk}", "ordering=-value"])
    assert page.console_errors == []


def test_wrong_ids_another_team_and_an_empty_stage_show_nothing(browser_page, projects, teams):
    from leadbridge.people.services import system_actor

    north, south = teams
    _brief, offer, won = list(projects.stages.order_by("order"))
    robot = system_actor("tests")
    ours = _deal(
        robot, title="Severní", stage_id=offer.pk, team_id=north.pk, value="10", currency="EUR"
    )
    _deal(robot, title="Jižní", stage_id=offer.pk, team_id=south.pk, value="20", currency="EUR")
    make_user("sales_manager", [north], username="vedouci")
    page = browser_page
    login(page, "vedouci")
    page.goto(f"/deals/?pipeline_id={projects.pk}&stage_id={offer.pk}")
    assert _shown(page) == [ours.pk]
    for query in ("pipeline_id=987654", f"stage_id={won.pk}", "stage_id=nonsense"):
        response = page.goto(f"/deals/?{query}")
        assert response.status == 200, query
        if query != "stage_id=nonsense":  # a value no select sends is ignored
            assert _shown(page) == [], query
            assert page.locator("#record-table tbody td.muted").count() == 1
    # A value bound without its currency is refused with the reason, not guessed.
    page.goto("/deals/?value_min=15")
    assert "currency" in page.inner_text("#record-table .errorlist")
    page.goto("/deals/?value_min=15&currency=EUR")
    assert _shown(page) == []
    page.goto("/deals/?value_min=5&currency=EUR")
    assert _shown(page) == [ours.pk]
