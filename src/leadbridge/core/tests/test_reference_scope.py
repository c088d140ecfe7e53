"""Reference fields name only records the user may see (issue 19.7).

A deal's source_lead_id, client_id and contact_id and a contact's client_id and lead_id are
checked against the user's scope on create and on change, in one place: a record outside
the scope answers exactly as one that does not exist (same status, same body), so the
answer reveals nothing; an unchanged reference stays.
"""

from __future__ import annotations

import pytest

from leadbridge.conftest import api_for

pytestmark = pytest.mark.django_db

MISSING = 99_999_999


@pytest.fixture
def world(users, teams, admin_user):
    from leadbridge.clients.services import client_create, contact_create
    from leadbridge.leads.services import lead_create

    north, south = teams
    south_user = users["sales_south"]
    theirs = {"team_id": south.pk, "owner_id": south_user.pk}
    mine = {"team_id": north.pk, "owner_id": users["sales_north"].pk}
    return {
        "lead": lead_create(actor=admin_user, data={"last_name": "Jih", **theirs}).obj,
        "client": client_create(actor=admin_user, data={"name": "Jih s.r.o.", **theirs}).obj,
        "contact": contact_create(actor=admin_user, data={"last_name": "Jih", **theirs}).obj,
        "my_lead": lead_create(actor=admin_user, data={"last_name": "Sever", **mine}).obj,
    }


def _same_as_missing(send, field: str, hidden_id: int) -> dict:
    """Sends the hidden id and a missing one; both answers must be the same 422 at the field."""
    hidden, missing = send(hidden_id), send(MISSING)
    assert hidden.status_code == missing.status_code == 422, (hidden.content, missing.content)
    assert hidden.json() == missing.json()
    assert {"field": field, "message": "No such record."} in hidden.json()["errors"]
    return hidden.json()


@pytest.mark.parametrize(
    ("path", "body", "field", "target"),
    [
        ("/api/deals", {"title": "Obchod"}, "source_lead_id", "lead"),
        ("/api/deals", {"title": "Obchod"}, "client_id", "client"),
        ("/api/deals", {"title": "Obchod"}, "contact_id", "contact"),
        ("/api/contacts", {"last_name": "Kontakt"}, "lead_id", "lead"),
        ("/api/contacts", {"last_name": "Kontakt"}, "client_id", "client"),
    ],
)
def test_create_with_an_out_of_scope_reference_answers_as_missing(
    users, world, path, body, field, target
):
    from leadbridge.clients.models import Contact
    from leadbridge.deals.models import Deal

    api = api_for(users["sales_north"])
    errors = _same_as_missing(
        lambda ref: api.post(path, {**body, field: ref}), field, world[target].pk
    )
    # One error at the field, not one per check that looked at it.
    assert [e["field"] for e in errors["errors"]].count(field) == 1
    assert not Deal.objects.exists() and not Contact.objects.filter(last_name="Kontakt").exists()


def test_patch_a_deal_source_lead_is_checked_and_an_unchanged_one_stays(users, world, admin_user):
    from leadbridge.deals.models import Deal
    from leadbridge.deals.services import deal_create

    me = users["sales_north"]
    api = api_for(me)
    mine = api.post("/api/deals", {"title": "Můj obchod", "source_lead_id": world["my_lead"].pk})
    assert mine.status_code == 201, mine.content
    deal_id = mine.json()["id"]
    _same_as_missing(
        lambda ref: api.patch(f"/api/deals/{deal_id}", {"source_lead_id": ref}),
        "source_lead_id",
        world["lead"].pk,
    )
    assert Deal.objects.get(pk=deal_id).source_lead_id == world["my_lead"].pk

    # A deal that already points at a lead the user cannot see (an administrator linked it)
    # can still be edited, the reference sent back unchanged.
    linked = deal_create(
        actor=admin_user,
        data={"title": "Propojený", "owner_id": me.pk, "source_lead_id": world["lead"].pk},
    ).obj
    response = api.patch(
        f"/api/deals/{linked.pk}", {"title": "Přejmenovaný", "source_lead_id": world["lead"].pk}
    )
    assert response.status_code == 200, response.content
    linked.refresh_from_db()
    assert (linked.title, linked.source_lead_id) == ("Přejmenovaný", world["lead"].pk)


def test_an_administrator_may_reference_any_record(admin_api, world):
    response = admin_api.post("/api/deals", {"title": "Admin", "source_lead_id": world["lead"].pk})
    assert response.status_code == 201, response.content
    assert response.json()["source_lead_id"] == world["lead"].pk
