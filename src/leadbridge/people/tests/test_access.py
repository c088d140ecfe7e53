"""Record access with the built-in roles, for every scope (own, team, all, no role), through
the services and the API routers: list, get, update, delete and create of leads, clients,
contacts and deals.

A record the user cannot see answers 404; a visible record without the right answers 403;
moving a record outside the user's scope answers 403.

Placement of the records each test makes (see `placed`):
  sn_own  owned by sales_north, no team
  north   owned by another north salesperson, team North
  south   owned by sales_south, team South
  none    no owner, no team (made by a system actor)
"""

from __future__ import annotations

import pytest

from leadbridge.conftest import api_for, make_user
from leadbridge.core.errors import Forbidden, NotFound
from leadbridge.core.registry import model_for
from leadbridge.core.selectors import ListParams, record_get, record_list
from leadbridge.core.tests.helpers import PLURAL, assert_error, make_record, minimal_data

RECORD_TYPES = ("lead", "client", "contact", "deal")
USER_KEYS = ("admin", "administrator", "marketing", "sales_north", "manager_north", "nobody")
ALL = {"sn_own", "north", "south", "none"}


def visible(user_key: str, record_type: str) -> set[str]:
    if user_key in ("admin", "administrator"):
        return ALL
    if user_key == "marketing":  # all on leads, team view on the others
        return ALL if record_type == "lead" else {"north"}
    if user_key == "sales_north":  # team on leads, own on the others
        return {"sn_own", "north"} if record_type == "lead" else {"sn_own"}
    if user_key == "manager_north":  # team everything
        return {"north"}
    return set()  # no role


def may(user_key: str, record_type: str, right: str) -> bool:
    """The right on the type (scope aside), as the built-in roles grant it."""
    if user_key in ("admin", "administrator", "manager_north"):
        return True
    if user_key == "marketing":
        return record_type == "lead" or right == "view"
    if user_key == "sales_north":
        if record_type == "lead":
            return right in ("view", "update", "convert")
        return True
    return False


@pytest.fixture
def people(users, admin_user, teams):
    north, _south = teams
    return users | {
        "admin": admin_user,
        "administrator": make_user("administrator"),
        "north_peer": make_user("sales", [north]),
    }


@pytest.fixture
def placed(people, teams):
    north, south = teams

    def factory(record_type: str) -> dict:
        return {
            "sn_own": make_record(record_type, owner_id=people["sales_north"].pk, team_id=None),
            "north": make_record(record_type, owner_id=people["north_peer"].pk, team_id=north.pk),
            "south": make_record(record_type, owner_id=people["sales_south"].pk, team_id=south.pk),
            "none": make_record(record_type),
        }

    return factory


def _fresh(record_type: str, pk: int):
    return model_for(record_type).objects.get(pk=pk)


# Services ------------------------------------------------------------------------------------


def _update_service(record_type: str):
    from leadbridge.clients.services import client_update, contact_update
    from leadbridge.deals.services import deal_update
    from leadbridge.leads.services import lead_update

    return {
        "lead": lambda actor, pk, data: lead_update(actor=actor, pk=pk, data=data),
        "client": lambda actor, pk, data: client_update(actor=actor, pk=pk, data=data),
        "contact": lambda actor, pk, data: contact_update(actor=actor, pk=pk, data=data),
        "deal": lambda actor, pk, data: deal_update(actor=actor, pk=pk, data=data),
    }[record_type]


def _delete_service(record_type: str):
    from leadbridge.clients.services import client_delete, contact_delete
    from leadbridge.deals.services import deal_delete
    from leadbridge.leads.services import lead_delete

    return {
        "lead": lambda actor, pk: lead_delete(actor=actor, pk=pk),
        "client": lambda actor, pk: client_delete(actor=actor, pk=pk),
        "contact": lambda actor, pk: contact_delete(actor=actor, pk=pk),
        "deal": lambda actor, pk: deal_delete(actor=actor, pk=pk),
    }[record_type]


def _create_service(record_type: str):
    from leadbridge.clients.services import client_create, contact_create
    from leadbridge.deals.services import deal_create
    from leadbridge.leads.services import lead_create

    return {
        "lead": lead_create,
        "client": client_create,
        "contact": contact_create,
        "deal": deal_create,
    }[record_type]


@pytest.mark.parametrize("record_type", RECORD_TYPES)
@pytest.mark.parametrize("user_key", USER_KEYS)
def test_services_apply_scope(people, placed, user_key, record_type):
    actor = people[user_key]
    records = placed(record_type)
    seen = visible(user_key, record_type)

    page, count = record_list(actor=actor, record_type=record_type, params=ListParams())
    assert {o.pk for o in page} == {records[k].pk for k in seen}
    assert count == len(seen)

    update = _update_service(record_type)
    delete = _delete_service(record_type)
    for key, obj in records.items():
        where = (user_key, record_type, key)
        if key not in seen:
            with pytest.raises(NotFound):
                record_get(actor=actor, record_type=record_type, pk=obj.pk)
            with pytest.raises(NotFound):
                update(actor, obj.pk, {"description": "changed"})
            with pytest.raises(NotFound):
                delete(actor, obj.pk)
            assert _fresh(record_type, obj.pk).description == "", where
            assert _fresh(record_type, obj.pk).deleted_at is None, where
            continue
        assert record_get(actor=actor, record_type=record_type, pk=obj.pk).pk == obj.pk
        if may(user_key, record_type, "update"):
            saved = update(actor, obj.pk, {"description": "changed"})
            assert [c[0] for c in saved.changes] == ["description"], where
            assert _fresh(record_type, obj.pk).version == 2, where
        else:
            with pytest.raises(Forbidden):
                update(actor, obj.pk, {"description": "changed"})
            assert _fresh(record_type, obj.pk).version == 1, where
        if may(user_key, record_type, "delete"):
            delete(actor, obj.pk)
            assert _fresh(record_type, obj.pk).deleted_at is not None, where
        else:
            with pytest.raises(Forbidden):
                delete(actor, obj.pk)
            assert _fresh(record_type, obj.pk).deleted_at is None, where


@pytest.mark.parametrize("user_key", USER_KEYS)
def test_create_service_rights(people, user_key):
    actor = people[user_key]
    for record_type in RECORD_TYPES:
        create = _create_service(record_type)
        if may(user_key, record_type, "create"):
            obj = create(actor=actor, data=minimal_data(record_type)).obj
            assert obj.owner_id == actor.pk  # placed with the creator by default
        else:
            with pytest.raises(Forbidden):
                create(actor=actor, data=minimal_data(record_type))
            assert not model_for(record_type).objects.filter(created_by=actor).exists()


# Routers -------------------------------------------------------------------------------------


@pytest.fixture
def client_of(people, admin_api):
    cache = {"admin": admin_api}

    def get(user_key: str):
        if user_key not in cache:
            cache[user_key] = api_for(people[user_key])
        return cache[user_key]

    return get


@pytest.mark.parametrize("record_type", RECORD_TYPES)
@pytest.mark.parametrize("user_key", USER_KEYS)
def test_routers_apply_scope(client_of, placed, user_key, record_type):
    api = client_of(user_key)
    records = placed(record_type)
    seen = visible(user_key, record_type)
    base = f"/api/{PLURAL[record_type]}"

    r = api.get(base)
    assert r.status_code == 200, r.content
    assert {item["id"] for item in r.json()["items"]} == {records[k].pk for k in seen}
    assert r.json()["count"] == len(seen)

    for key, obj in records.items():
        where = (user_key, record_type, key)
        url = f"{base}/{obj.pk}"
        if key not in seen:
            assert_error(api.get(url), 404, code="not_found")
            assert_error(api.get(f"{url}/history"), 404)
            assert_error(api.patch(url, {"description": "changed"}), 404)
            assert_error(api.delete(url), 404)
            fresh = _fresh(record_type, obj.pk)
            assert (fresh.description, fresh.deleted_at) == ("", None), where
            continue
        r = api.get(url)
        assert r.status_code == 200 and r.json()["id"] == obj.pk, where
        assert api.get(f"{url}/history").status_code == 200, where
        r = api.patch(url, {"description": "changed"})
        if may(user_key, record_type, "update"):
            assert r.status_code == 200, (where, r.content)
            assert r.json()["description"] == "changed" and r.json()["version"] == 2
        else:
            assert_error(r, 403, code="forbidden")
            assert _fresh(record_type, obj.pk).description == "", where
        r = api.delete(url)
        if may(user_key, record_type, "delete"):
            assert r.status_code == 204, (where, r.content)
            assert_error(api.get(url), 404)
        else:
            assert_error(r, 403, code="forbidden")
            assert _fresh(record_type, obj.pk).deleted_at is None, where


@pytest.mark.parametrize("user_key", USER_KEYS)
def test_create_router_rights(client_of, people, user_key):
    api = client_of(user_key)
    for record_type in RECORD_TYPES:
        r = api.post(f"/api/{PLURAL[record_type]}", minimal_data(record_type))
        if may(user_key, record_type, "create"):
            assert r.status_code == 201, (user_key, record_type, r.content)
            assert r.json()["owner_id"] == people[user_key].pk
        else:
            assert_error(r, 403, code="forbidden")


# Moving a record outside one's scope -----------------------------------------------------------


@pytest.mark.parametrize("record_type", ("client", "contact", "deal"))
def test_own_scope_cannot_give_a_record_away(client_of, people, placed, teams, record_type):
    api = client_of("sales_north")
    obj = placed(record_type)["sn_own"]
    url = f"/api/{PLURAL[record_type]}/{obj.pk}"
    assert_error(api.patch(url, {"owner_id": people["sales_south"].pk}), 403, code="forbidden")
    fresh = _fresh(record_type, obj.pk)
    assert (fresh.owner_id, fresh.version) == (people["sales_north"].pk, 1)
    # Any team is fine while the record stays the user's own.
    north, south = teams
    assert api.patch(url, {"team_id": south.pk}).status_code == 200
    assert api.patch(url, {"team_id": north.pk, "owner_id": None}).status_code == 403
    # Creating a record for someone else is refused the same way.
    r = api.post(
        f"/api/{PLURAL[record_type]}",
        minimal_data(record_type) | {"owner_id": people["sales_south"].pk},
    )
    assert_error(r, 403)


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_team_scope_cannot_move_a_record_to_another_team(
    client_of, people, placed, teams, record_type
):
    north, south = teams
    api = client_of("manager_north")
    obj = placed(record_type)["north"]
    url = f"/api/{PLURAL[record_type]}/{obj.pk}"
    assert_error(api.patch(url, {"team_id": south.pk}), 403, code="forbidden")
    r = api.patch(url, {"team_id": south.pk, "owner_id": people["sales_south"].pk})
    assert_error(r, 403)
    fresh = _fresh(record_type, obj.pk)
    assert (fresh.team_id, fresh.owner_id, fresh.version) == (north.pk, obj.owner_id, 1)
    # A new record cannot be placed outside the team either.
    data = minimal_data(record_type) | {"team_id": south.pk, "owner_id": people["sales_south"].pk}
    assert_error(api.post(f"/api/{PLURAL[record_type]}", data), 403)
    # Within the team the manager may move it freely.
    r = api.patch(url, {"owner_id": people["sales_north"].pk})
    assert r.status_code == 200, r.content


def test_sales_cannot_move_a_team_lead_out_of_the_team(client_of, placed, teams):
    north, south = teams
    api = client_of("sales_north")
    lead = placed("lead")["north"]
    assert_error(api.patch(f"/api/leads/{lead.pk}", {"team_id": south.pk}), 403)
    assert _fresh("lead", lead.pk).team_id == north.pk


def test_all_scope_moves_anywhere(client_of, placed, people, teams):
    _north, south = teams
    api = client_of("marketing")
    lead = placed("lead")["north"]
    r = api.patch(f"/api/leads/{lead.pk}", {"team_id": south.pk, "owner_id": None})
    assert r.status_code == 200, r.content
    assert (r.json()["team_id"], r.json()["owner_id"]) == (south.pk, None)


def test_service_refuses_moving_outside_scope(people, placed, teams):
    from leadbridge.leads.services import lead_update

    _north, south = teams
    lead = placed("lead")["north"]
    with pytest.raises(Forbidden):
        lead_update(actor=people["manager_north"], pk=lead.pk, data={"team_id": south.pk})
    assert _fresh("lead", lead.pk).version == 1


def test_contact_cannot_link_an_invisible_client(client_of, placed):
    api = client_of("sales_north")
    clients = placed("client")
    r = api.post("/api/contacts", {"last_name": "Link", "client_id": clients["south"].pk})
    assert_error(r, 422, field="client_id")
    r = api.post("/api/contacts", {"last_name": "Link", "client_id": clients["sn_own"].pk})
    assert r.status_code == 201, r.content


def test_me_reports_the_grants(client_of):
    r = client_of("sales_north").get("/api/me")
    assert r.status_code == 200
    rights = r.json()["rights"]
    # "documents": the right to issue quotes and pro-forma invoices (documents app).
    assert rights["lead"] == {"scope": "team", "rights": ["convert", "documents", "update", "view"]}
    assert rights["client"]["scope"] == "own"
    nobody = client_of("nobody").get("/api/me").json()["rights"]
    assert nobody["lead"] == {"scope": None, "rights": []}
