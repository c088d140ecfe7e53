"""The leads Kanban board: columns, cards, moves through the status service, manual order."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leadbridge.conftest import make_user
from leadbridge.history.models import HistoryEvent
from leadbridge.leads import board as board_module
from leadbridge.leads.models import Lead, LeadStatus


def statuses():
    return {s.name: s for s in LeadStatus.objects.all()}


def column_cards(html: str) -> dict[int, list[int]]:
    """{status id: [lead ids top to bottom]} from the board page."""
    out: dict[int, list[int]] = {}
    current = None
    for match in re.finditer(r'data-column="(\d+)"|data-card="(\d+)"', html):
        if match.group(1):
            current = int(match.group(1))
            out[current] = []
        elif current is not None:
            out[current].append(int(match.group(2)))
    return out


def move(admin_web, lead_id, column, order=()):
    return admin_web.post(
        reverse("leads:board_move"),
        {"id": lead_id, "column": column, "order": ",".join(str(i) for i in order)},
        headers={"HX-Request": "true"},
    )


def test_board_renders_columns_in_order_with_cards(admin_web, make_lead, admin_user):
    s = statuses()
    first = make_lead(
        last_name="Novák",
        company_name="Porost s.r.o.",
        expected_value="1200.50",
        currency="CZK",
        owner_id=admin_user.pk,
    )
    contacted = make_lead(last_name="Svoboda", status_id=s["Contacted"].pk)
    response = admin_web.get(reverse("leads:board"))
    assert response.status_code == 200
    html = response.content.decode()
    columns = column_cards(html)
    on_board = list(LeadStatus.objects.filter(on_board=True).order_by("order", "id"))
    assert list(columns) == [st.pk for st in on_board]
    assert s["Lost"].pk not in columns  # not shown on the board
    assert columns[s["New"].pk] == [first.pk]
    assert columns[s["Contacted"].pk] == [contacted.pk]
    card = html[html.index(f'data-card="{first.pk}"') :]
    card = card[: card.index("</article>")]
    assert (
        "Novák" in card and "Porost s.r.o." in card and "CZK\xa01,200.50" in card
    )  # money(), English locale
    assert admin_user.display_name in card
    assert f"border-top-color: {s['New'].color}" in html
    # Column names appear in the statuses' order.
    positions = [html.index(f'id="column-{st.pk}"') for st in on_board]
    assert positions == sorted(positions)


def test_board_escapes_output(admin_web, make_lead):
    make_lead(last_name="<script>alert(1)</script>")
    html = admin_web.get(reverse("leads:board")).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


def _board_queries(admin_web) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert admin_web.get(reverse("leads:board")).status_code == 200
    return len(ctx.captured_queries)


def test_board_queries_do_not_grow_with_leads(
    admin_web, make_lead, teams, django_assert_max_num_queries
):
    s = statuses()
    columns = [s["New"], s["Contacted"], s["Qualified"]]
    owners = [make_user("sales", [teams[0]]) for _ in range(3)]
    for i in range(3):
        make_lead(status_id=columns[i % 3].pk, owner_id=owners[i % 3].pk, team_id=teams[0].pk)
    few = _board_queries(admin_web)
    for i in range(27):
        make_lead(status_id=columns[i % 3].pk, owner_id=owners[i % 3].pk, team_id=teams[0].pk)
    with django_assert_max_num_queries(few):
        response = admin_web.get(reverse("leads:board"))
    assert sum(len(v) for v in column_cards(response.content.decode()).values()) == 30


def test_board_limits_columns_and_loads_more(admin_web, make_lead, monkeypatch):
    monkeypatch.setattr(board_module, "PER_COLUMN", 2)
    new = statuses()["New"]
    leads = [make_lead() for _ in range(5)]  # newest first on the board
    html = admin_web.get(reverse("leads:board")).content.decode()
    assert column_cards(html)[new.pk] == [leads[4].pk, leads[3].pk]
    assert f'data-testid="more-{new.pk}"' in html
    assert ">5<" in html  # the column's total
    url = reverse("leads:board") + f"?column={new.pk}&offset=2"
    more = admin_web.get(url, headers={"HX-Request": "true"}).content.decode()
    assert re.findall(r'data-card="(\d+)"', more) == [str(leads[2].pk), str(leads[1].pk)]
    assert "offset=4" in more
    last = admin_web.get(
        reverse("leads:board") + f"?column={new.pk}&offset=4", headers={"HX-Request": "true"}
    ).content.decode()
    assert re.findall(r'data-card="(\d+)"', last) == [str(leads[0].pk)]
    assert "more-" not in last


def test_board_filters_by_owner_team_and_search(admin_web, make_lead, teams):
    north, south = teams
    alice = make_user("sales", [north])
    a = make_lead(last_name="Alpha", owner_id=alice.pk, team_id=north.pk)
    b = make_lead(last_name="Beta", team_id=south.pk)
    cards = lambda query: sorted(  # noqa: E731
        i
        for ids in column_cards(
            admin_web.get(reverse("leads:board") + query).content.decode()
        ).values()
        for i in ids
    )
    assert cards("") == sorted([a.pk, b.pk])
    assert cards(f"?owner_id={alice.pk}") == [a.pk]
    assert cards(f"?team_id={south.pk}") == [b.pk]
    assert cards("?q=beta") == [b.pk]


def test_board_shows_only_visible_leads(client, make_lead, teams):
    north, south = teams
    seller = make_user("sales", [north])
    mine = make_lead(owner_id=seller.pk, team_id=north.pk)
    make_lead(team_id=south.pk)
    client.force_login(seller)
    ids = [
        i
        for v in column_cards(client.get(reverse("leads:board")).content.decode()).values()
        for i in v
    ]
    assert ids == [mine.pk]


def test_move_changes_status_and_writes_history(admin_web, make_lead):
    s = statuses()
    lead = make_lead()
    lead_eur = make_lead(expected_value="250", currency="EUR", status_id=s["Contacted"].pk)
    make_lead(expected_value="1000", currency="CZK", status_id=s["Contacted"].pk)
    response = move(admin_web, lead.pk, s["Contacted"].pk, [lead.pk])
    assert response.status_code == 200
    body = response.json()
    assert f'data-card="{lead.pk}"' in body["card"] and body["column"] == s["Contacted"].pk
    # The headers of both columns, counted and totalled per currency after the move.
    heads = body["heads"]
    assert set(heads) == {str(s["New"].pk), str(s["Contacted"].pk)}
    assert f'data-testid="count-{s["New"].pk}">0<' in heads[str(s["New"].pk)]
    contacted = heads[str(s["Contacted"].pk)]
    assert f'data-testid="count-{s["Contacted"].pk}">3<' in contacted
    assert "CZK" in contacted and "€250.00" in contacted and "1,000.00" in contacted
    assert lead_eur.pk
    lead.refresh_from_db()
    assert lead.status_id == s["Contacted"].pk
    event = HistoryEvent.objects.filter(
        record_type="lead", record_id=lead.pk, kind=HistoryEvent.Kind.STATUS_CHANGED
    ).get()
    assert (event.old_value, event.new_value) == (s["New"].pk, s["Contacted"].pk)


def test_move_to_converted_column_asks_for_the_wizard(admin_web, make_lead):
    s = statuses()
    lead = make_lead()
    response = move(admin_web, lead.pk, s["Converted"].pk, [lead.pk])
    assert response.status_code == 204
    expected = reverse("leads:convert", args=[lead.pk]) + f"?status_id={s['Converted'].pk}"
    assert response["HX-Redirect"] == expected
    lead.refresh_from_db()
    assert lead.status_id == s["New"].pk and not lead.is_converted
    page = admin_web.get(expected)
    assert page.status_code == 200
    assert f'name="status_id" value="{s["Converted"].pk}"' in page.content.decode()


def test_move_with_default_plan_converts(admin_web, make_lead, admin_user):
    from leadbridge.core.runtime_settings import set_setting

    set_setting(actor=admin_user, key="conversion.on_status", value="default_plan")
    s = statuses()
    lead = make_lead(company_name="Default s.r.o.")
    response = move(admin_web, lead.pk, s["Converted"].pk, [lead.pk])
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.is_converted and lead.status_id == s["Converted"].pk


def test_refused_move_answers_with_the_message(client, make_lead, teams):
    north, south = teams
    seller = make_user("sales", [north])
    theirs = make_lead(team_id=south.pk)
    client.force_login(seller)
    response = move(client, theirs.pk, statuses()["Contacted"].pk)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")
    assert response.content


def test_move_of_a_converted_lead_is_refused(admin_web, make_lead):
    s = statuses()
    lead = make_lead(status_id=s["Converted"].pk)
    assert Lead.objects.get(pk=lead.pk).is_converted
    response = move(admin_web, lead.pk, s["New"].pk)
    assert response.status_code == 409
    assert "converted" in response.content.decode()


def test_bad_move_request(admin_web):
    assert admin_web.post(reverse("leads:board_move"), {"id": "x"}).status_code == 400
    assert admin_web.get(reverse("leads:board_move")).status_code == 405


def test_reorder_within_a_column_persists(admin_web, make_lead):
    new = statuses()["New"]
    a, b, c = make_lead(), make_lead(), make_lead()
    assert column_cards(admin_web.get(reverse("leads:board")).content.decode())[new.pk] == [
        c.pk,
        b.pk,
        a.pk,
    ]
    response = move(admin_web, a.pk, new.pk, [a.pk, c.pk, b.pk])
    assert response.status_code == 200
    html = admin_web.get(reverse("leads:board")).content.decode()
    assert column_cards(html)[new.pk] == [a.pk, c.pk, b.pk]
    # A lead arriving later shows on top; the manual order below it stays.
    d = make_lead()
    html = admin_web.get(reverse("leads:board")).content.decode()
    assert column_cards(html)[new.pk] == [d.pk, a.pk, c.pk, b.pk]
    assert (
        HistoryEvent.objects.filter(
            record_type="lead", record_id=a.pk, kind=HistoryEvent.Kind.STATUS_CHANGED
        ).count()
        == 0
    )
    assert Lead.objects.get(pk=a.pk).version == a.version  # presentation only


def test_move_places_the_card_in_the_target_column(admin_web, make_lead):
    s = statuses()
    x, y = make_lead(status_id=s["Contacted"].pk), make_lead(status_id=s["Contacted"].pk)
    z = make_lead()
    assert move(admin_web, z.pk, s["Contacted"].pk, [y.pk, z.pk, x.pk]).status_code == 200
    html = admin_web.get(reverse("leads:board")).content.decode()
    assert column_cards(html)[s["Contacted"].pk] == [y.pk, z.pk, x.pk]


def test_reorder_keeps_unseen_cards_behind(make_lead, admin_user, monkeypatch):
    from leadbridge.leads.services import lead_board_reorder

    new = statuses()["New"]
    leads = [make_lead() for _ in range(4)]
    # The user saw only the two newest (per-column limit) and swapped them.
    placed = lead_board_reorder(
        actor=admin_user, status_id=new.pk, ordered_ids=[leads[2].pk, leads[3].pk, 999999]
    )
    assert placed == 2
    from django.db.models import F

    order = list(
        Lead.objects.filter(status=new)
        .order_by(F("board_position").asc(nulls_first=True), "-created_at", "-id")
        .values_list("pk", flat=True)
    )
    assert order == [leads[2].pk, leads[3].pk, leads[1].pk, leads[0].pk]


def _drag(page, source: str, target: str) -> None:
    """Drag with real mouse steps (SortableJS listens to native drag and drop)."""
    a = page.locator(source).bounding_box()
    b = page.locator(target).bounding_box()
    x0, y0 = a["x"] + a["width"] / 2, a["y"] + a["height"] / 2
    x1, y1 = b["x"] + b["width"] / 2, b["y"] + 20
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 16):
        page.mouse.move(x0 + (x1 - x0) * i / 15, y0 + (y1 - y0) * i / 15)
        page.wait_for_timeout(30)
    page.mouse.up()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_drag_in_the_browser(browser_page, make_lead):
    from leadbridge.conftest import login
    from leadbridge.people.models import User

    User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123")
    # A transactional test may start on a flushed database: make the statuses it needs.
    for order, (name, kind) in enumerate(
        [("New", "open"), ("Contacted", "open"), ("Converted", "converted")]
    ):
        LeadStatus.objects.get_or_create(name=name, defaults={"kind": kind, "order": order})
    s = statuses()
    moved = make_lead(last_name="Novák", company_name="Porost s.r.o.")
    converting = make_lead(last_name="Svoboda")
    page = browser_page
    login(page, "boss")
    page.goto(reverse("leads:board"))
    _drag(page, f'[data-card="{moved.pk}"]', f'[data-column="{s["Contacted"].pk}"]')
    page.wait_for_selector(f'[data-column="{s["Contacted"].pk}"] [data-card="{moved.pk}"]')
    page.wait_for_timeout(500)
    assert Lead.objects.get(pk=moved.pk).status_id == s["Contacted"].pk
    _drag(page, f'[data-card="{converting.pk}"]', f'[data-column="{s["Converted"].pk}"]')
    page.wait_for_url(f"**/leads/{converting.pk}/convert/?status_id={s['Converted'].pk}")
    assert page.locator('[data-testid="wizard-step-1"]').count() == 1
    assert [e for e in page.console_errors if "favicon" not in e and "404" not in e] == []


def test_board_filters_by_custom_fields_and_update_dates_as_the_list(
    admin_web, admin_user, make_lead
):
    """The board selects leads through the list's own filter (`filtered_queryset`), so a
    `cf_` filter and the `updated_*` dates narrow its cards exactly as they narrow the list."""
    import datetime as dt

    from django.utils import timezone

    from leadbridge.customfields.services import custom_field_create

    custom_field_create(
        actor=admin_user, record_type="lead", key="fleet", label="Fleet", type="number"
    )
    custom_field_create(
        actor=admin_user, record_type="lead", key="region", label="Region", type="text"
    )
    big = make_lead(last_name="Big", custom_fields={"fleet": 40, "region": "Morava"})
    small = make_lead(last_name="Small", custom_fields={"fleet": 3, "region": "Morava"})
    other = make_lead(last_name="Other", custom_fields={"fleet": 40, "region": "Čechy"})
    old = make_lead(last_name="Old", custom_fields={"fleet": 40, "region": "Morava"})
    Lead.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=30))

    def shown(**query):
        response = admin_web.get(reverse("leads:board"), query)
        assert response.status_code == 200
        return sorted(i for ids in column_cards(response.content.decode()).values() for i in ids)

    def listed(**query):
        html = admin_web.get(reverse("leads:list"), query).content.decode()
        return sorted(int(i) for i in set(re.findall(r"/leads/(\d+)/", html)))

    assert shown() == sorted([big.pk, small.pk, other.pk, old.pk])
    assert shown(cf_fleet="40") == sorted([big.pk, other.pk, old.pk])
    assert shown(cf_fleet="40", cf_region="morava") == sorted([big.pk, old.pk])
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert shown(cf_fleet="40", cf_region="morava", updated_after=since) == [big.pk]
    assert shown(updated_before=since) == [old.pk]
    for query in ({"cf_fleet": "40", "cf_region": "morava"}, {"updated_before": since}):
        assert shown(**query) == listed(**query)


def test_board_says_why_a_custom_field_filter_is_refused(admin_web, make_lead):
    lead = make_lead(last_name="Shown")
    response = admin_web.get(reverse("leads:board"), {"cf_nope": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="board-error"' in html and "Unknown custom field." in html
    assert lead.pk not in [i for ids in column_cards(html).values() for i in ids]
    unfiltered = column_cards(admin_web.get(reverse("leads:board")).content.decode())
    assert lead.pk in [i for ids in unfiltered.values() for i in ids]
