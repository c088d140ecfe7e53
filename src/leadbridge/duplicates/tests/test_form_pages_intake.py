"""Issue 20 step 2: a record typed on its page goes through the same intake pipeline as the
other ways in — checked and created in one transaction, always saved (the typist decides),
and the existing records it looks like named in the message after saving."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from leadbridge.clients.models import Client
from leadbridge.clients.services import client_create
from leadbridge.deals.models import Deal
from leadbridge.leads.models import Lead

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_lead_typed_like_an_existing_one_is_saved_and_the_match_named(
    admin_web, admin_user, make_lead
):
    existing = make_lead(first_name="Radka", last_name="Šťastná", email="radka@stastna.cz")
    r = admin_web.post(
        "/leads/new/",
        {
            "first_name": "Radka",
            "last_name": "Šťastná",
            "email": "radka@stastna.cz",
            "owner_id": admin_user.pk,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    new = Lead.objects.exclude(pk=existing.pk).get()
    assert r.url == f"/leads/{new.pk}/"
    assert (new.first_name, new.email) == ("Radka", "radka@stastna.cz")
    said = messages_of(r)
    assert any("Radka Šťastná" in m and "already have" in m for m in said), said


def test_a_lead_like_no_other_names_no_match(admin_web, admin_user, make_lead):
    make_lead(first_name="Radka", last_name="Šťastná", email="radka@stastna.cz")
    r = admin_web.post(
        "/leads/new/",
        {"first_name": "Ondřej", "last_name": "Vrba", "email": "ondrej@vrba.cz"},
    )
    assert r.status_code == 302 and Lead.objects.count() == 2
    assert not any("already have" in m for m in messages_of(r))


def test_a_client_typed_like_an_existing_one_is_saved_and_the_match_named(admin_web, make_client):
    existing = make_client(name="Pekárna Zlatý klas s.r.o.", registration_number="27074358")
    r = admin_web.post(
        "/clients/new/",
        {"kind": "company", "name": "Pekárna Zlatý klas", "registration_number": "27074358"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Client.objects.exclude(pk=existing.pk).count() == 1
    said = messages_of(r)
    assert any(existing.display_name in m for m in said), said


def test_a_deal_is_created_as_it_is(admin_web, make_client):
    client = make_client(name="Pekárna Zlatý klas s.r.o.")
    r = admin_web.post(
        "/deals/new/", {"title": "Pece 2027", "client_id": client.pk, "value": "120000"}
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Deal.objects.get().title == "Pece 2027"


def test_a_match_the_typist_may_not_see_is_never_named(client, users):
    """The other user's record: a client of a south salesperson with the same registration
    number stays unnamed to a north salesperson (clients: own scope); the new client is still
    saved, as the typist's."""
    south, north = users["sales_south"], users["sales_north"]
    hidden = client_create(
        actor=south,
        data={
            "kind": "company",
            "name": "Pekárna Zlatý klas s.r.o.",
            "registration_number": "27074358",
        },
    ).obj
    client.force_login(north)
    r = client.post(
        "/clients/new/",
        {
            "kind": "company",
            "name": "Pekárna Zlatý klas",
            "registration_number": "27074358",
            "owner_id": north.pk,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    new = Client.objects.exclude(pk=hidden.pk).get()
    assert new.owner_id == north.pk and new.registration_number == "27074358"
    assert not any("already have" in m for m in messages_of(r)), messages_of(r)


def test_a_refused_create_goes_back_to_the_form_not_a_500(client, users):
    """A value the service refuses (here: a client placed outside the typist's own scope)
    is shown on the form; the check's transaction is rolled back to its savepoint, so the
    page can still render in the request's transaction."""
    north = users["sales_north"]
    client.force_login(north)
    r = client.post("/clients/new/", {"kind": "company", "name": "Mlýn Hradec s.r.o."})
    assert r.status_code == 200 and b"<form" in r.content
    assert not Client.objects.filter(name__startswith="Mlýn").exists()
