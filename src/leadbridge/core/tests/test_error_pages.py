"""Record pages for a missing, out-of-scope, deleted or merged record (issues 19.3 and 18.6).

Every such page answers the styled 404 page inside the layout (navigation included), never a
500; a merged-away record's page redirects to the survivor with a notice; a page the role
does not allow answers the styled 403 page. The API answers as before.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

NAV = 'aria-label="Main"'
NAMESPACES = {"lead": "leads", "client": "clients", "contact": "contacts", "deal": "deals"}
API = {"lead": "leads", "client": "clients", "contact": "contacts", "deal": "deals"}


def _create(record_type: str, actor, name: str, **extra):
    from leadbridge.clients.services import client_create, contact_create
    from leadbridge.deals.services import deal_create
    from leadbridge.leads.services import lead_create

    create, data = {
        "lead": (lead_create, {"last_name": name}),
        "client": (client_create, {"kind": "company", "name": name}),
        "contact": (contact_create, {"last_name": name}),
        "deal": (deal_create, {"title": name}),
    }[record_type]
    return create(actor=actor, data={**data, **extra}).obj


def _pages(record_type: str, pk: int) -> list[str]:
    ns = NAMESPACES[record_type]
    return [
        reverse(f"{ns}:detail", args=[pk]),
        reverse(f"{ns}:edit", args=[pk]),
        reverse("history:timeline", args=[record_type, pk]),
        reverse("activities:related", args=[record_type, pk]),
    ]


def _assert_styled_404(response, url):
    assert response.status_code == 404, url
    page = response.content.decode()
    assert NAV in page, url  # inside the layout, with the navigation
    assert 'data-testid="error-404"' in page, url


@pytest.mark.parametrize("record_type", ["lead", "client", "contact", "deal"])
def test_missing_foreign_and_deleted_records_answer_the_styled_404(
    client, users, teams, admin_user, record_type
):
    from leadbridge.core.record_services import record_delete

    north, south = teams
    south_user, me = users["sales_south"], users["sales_north"]
    theirs = _create(
        record_type, admin_user, "Jižní záznam", team_id=south.pk, owner_id=south_user.pk
    )
    deleted = _create(record_type, admin_user, "Smazaný záznam", team_id=north.pk, owner_id=me.pk)
    record_delete(actor=admin_user, record_type=record_type, pk=deleted.pk)
    client.force_login(users["sales_north"])
    for pk in (99_999_999, theirs.pk, deleted.pk):
        for url in _pages(record_type, pk):
            _assert_styled_404(client.get(url), url)
    # A form posted to such a record is refused the same way, and nothing changes.
    edit = reverse(f"{NAMESPACES[record_type]}:edit", args=[theirs.pk])
    _assert_styled_404(client.post(edit, {"last_name": "X", "name": "X", "title": "X"}), edit)
    theirs.refresh_from_db()
    assert theirs.version == 1


@pytest.mark.parametrize("record_type", ["lead", "client", "contact"])
def test_a_merged_record_redirects_to_the_survivor_with_a_notice(
    client, users, teams, admin_user, record_type
):
    from leadbridge.duplicates.merge import record_merge

    north, _south = teams
    mine = {"team_id": north.pk, "owner_id": users["sales_north"].pk}
    survivor = _create(record_type, admin_user, "Přeživší Novák", **mine)
    loser = _create(record_type, admin_user, "Sloučený Novák", **mine)
    record_merge(
        actor=admin_user,
        record_type=record_type,
        ids=[survivor.pk, loser.pk],
        survivor_id=survivor.pk,
    )
    client.force_login(users["sales_north"])
    ns = NAMESPACES[record_type]
    response = client.get(reverse(f"{ns}:detail", args=[loser.pk]), follow=True)
    assert response.redirect_chain == [(reverse(f"{ns}:detail", args=[survivor.pk]), 302)]
    page = response.content.decode()
    assert "This record was merged into Přeživší Novák." in page
    # Its form and tabs lead to the survivor's.
    edit = client.get(reverse(f"{ns}:edit", args=[loser.pk]))
    assert edit.status_code == 302
    assert edit["Location"] == reverse(f"{ns}:edit", args=[survivor.pk])
    tab = client.get(reverse("history:timeline", args=[record_type, loser.pk]))
    assert tab["Location"] == reverse("history:timeline", args=[record_type, survivor.pk])


def test_a_merge_chain_is_followed_and_an_invisible_one_is_not_revealed(
    client, users, teams, admin_user
):
    from leadbridge.duplicates.merge import record_merge

    north, south = teams
    first = _create("lead", admin_user, "První", team_id=north.pk)
    second = _create("lead", admin_user, "Druhý", team_id=north.pk)
    third = _create("lead", admin_user, "Třetí", team_id=north.pk)
    record_merge(
        actor=admin_user, record_type="lead", ids=[first.pk, second.pk], survivor_id=second.pk
    )
    record_merge(
        actor=admin_user, record_type="lead", ids=[second.pk, third.pk], survivor_id=third.pk
    )
    client.force_login(users["sales_north"])
    response = client.get(reverse("leads:detail", args=[first.pk]))
    assert response["Location"] == reverse("leads:detail", args=[third.pk])

    # Another team's merged lead: a plain 404, the survivor is not named.
    a = _create("lead", admin_user, "Jih A", team_id=south.pk)
    b = _create("lead", admin_user, "Jih B", team_id=south.pk)
    record_merge(actor=admin_user, record_type="lead", ids=[a.pk, b.pk], survivor_id=a.pk)
    response = client.get(reverse("leads:detail", args=[b.pk]))
    _assert_styled_404(response, "merged south lead")
    assert "Jih A" not in response.content.decode()


def test_settings_for_a_sales_user_is_the_styled_403(client, users):
    client.force_login(users["sales_north"])
    response = client.get(reverse("settings:index"))
    assert response.status_code == 403
    page = response.content.decode()
    assert NAV in page and 'data-testid="error-403"' in page
    assert reverse("leads:list") in page  # a way back


def test_an_unknown_url_is_the_styled_404_without_the_url_patterns(client, users):
    client.force_login(users["sales_north"])
    response = client.get("/no-such-page/")
    _assert_styled_404(response, "/no-such-page/")
    assert "URLconf" not in response.content.decode()


@pytest.mark.parametrize("record_type", ["lead", "client", "contact", "deal"])
def test_the_api_answers_as_before(users, teams, admin_user, record_type):
    from leadbridge.conftest import api_for

    _north, south = teams
    theirs = _create(
        record_type, admin_user, "Jižní", team_id=south.pk, owner_id=users["sales_south"].pk
    )
    api = api_for(users["sales_north"])
    for pk in (99_999_999, theirs.pk):
        response = api.get(f"/api/{API[record_type]}/{pk}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("record_type", ["lead", "client", "contact", "deal"])
def test_list_pages_take_numbers_too_large_for_an_id(client, users, record_type):
    """Found by the fuzz run: a page number or id past 64 bits made the database refuse the
    query (500); such a number names nothing and counts as absent."""
    client.force_login(users["sales_north"])
    url = reverse(f"{NAMESPACES[record_type]}:list")
    for query in ({"page": "9" * 25}, {"owner_id": "9" * 25, "team_id": "-" + "9" * 25}):
        assert client.get(url, query).status_code == 200, query


@pytest.mark.parametrize("record_type", ["lead", "client", "contact", "deal"])
def test_list_and_search_pages_take_a_nul_in_the_query(client, users, record_type, make_lead):
    """Found by the fuzz run on PostgreSQL, which refuses a NUL in a query (500): search
    texts from a query string lose their control characters."""
    make_lead(last_name="Nulová", team_id=users["sales_north"].teams.first().pk)
    client.force_login(users["sales_north"])
    url = reverse(f"{NAMESPACES[record_type]}:list")
    for query in ({"q": "a\x00b"}, {"tag": "\x00"}, {"kind": "\x00"}, {"cf_note": "\x00x"}):
        assert client.get(url, query).status_code == 200, query
    page = client.get(reverse("core:search"), {"q": "Nulo\x00"})
    assert page.status_code == 200
