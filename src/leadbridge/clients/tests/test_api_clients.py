"""Clients (company or natural person) and contact persons through the API and services."""

from __future__ import annotations

import pytest

from leadbridge.clients.models import Client, Contact
from leadbridge.clients.services import client_create, client_update, contact_create
from leadbridge.conftest import api_for
from leadbridge.core.errors import Forbidden, NotFound, ValidationFailed
from leadbridge.core.tests.helpers import assert_error, make_record


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_company_client_crud(admin_api):
    r = admin_api.post(
        "/api/clients",
        {
            "name": "Dřevo Hlinsko a.s.",
            "registration_number": "27082440",
            "vat_id": "CZ27082440",
            "email": "info@drevo.cz",
            "country": "cz",
            "tags": ["odběratel"],
        },
    )
    assert r.status_code == 201, r.content
    client = r.json()
    assert (client["kind"], client["display_name"], client["country"]) == (
        "company",
        "Dřevo Hlinsko a.s.",
        "CZ",
    )
    url = f"/api/clients/{client['id']}"
    assert admin_api.get(url).json()["registration_number"] == "27082440"
    r = admin_api.patch(url, {"city": "Hlinsko", "version": 1})
    assert r.status_code == 200 and (r.json()["city"], r.json()["version"]) == ("Hlinsko", 2)
    assert admin_api.delete(url).status_code == 204
    assert_error(admin_api.get(url), 404)
    assert ids(admin_api.get("/api/clients")) == []


def test_person_client_takes_its_name_from_the_person(admin_api):
    r = admin_api.post(
        "/api/clients", {"kind": "person", "first_name": "Šárka", "last_name": "Kopřivová"}
    )
    assert r.status_code == 201, r.content
    assert r.json()["name"] == "Šárka Kopřivová"
    assert_error(admin_api.post("/api/clients", {"kind": "person"}), 422, field="last_name")
    assert_error(admin_api.post("/api/clients", {"kind": "company"}), 422, field="name")
    assert_error(admin_api.post("/api/clients", {}), 422, field="name")


def test_client_search_and_filters(admin_api, make_lead):
    from leadbridge.leads.models import LeadSource

    source = LeadSource.objects.first()
    firm = make_record(
        "client",
        name="Dřevo Hlinsko a.s.",
        registration_number="27082440",
        source_id=source.pk,
        phone="+420 469 311 111",
    )
    person = make_record("client", kind="person", first_name="Jana", last_name="Nováková", name="")
    assert ids(admin_api.get("/api/clients", q="drevo")) == [firm.pk]
    assert ids(admin_api.get("/api/clients", q="27082440")) == [firm.pk]
    assert ids(admin_api.get("/api/clients", q="469311111")) == [firm.pk]
    assert ids(admin_api.get("/api/clients", q="NOVAK")) == [person.pk]
    assert ids(admin_api.get("/api/clients", kind="person")) == [person.pk]
    assert ids(admin_api.get("/api/clients", source_id=source.pk)) == [firm.pk]
    assert ids(admin_api.get("/api/clients", ordering="name")) == [firm.pk, person.pk]
    assert ids(admin_api.get("/api/clients", ordering="-name")) == [person.pk, firm.pk]


def test_contacts_of_a_client(admin_api):
    client = make_record("client")
    other = make_record("client")
    r = admin_api.post(
        "/api/contacts",
        {"first_name": "Jan", "last_name": "Novák", "client_id": client.pk, "job_title": "CFO"},
    )
    assert r.status_code == 201, r.content
    contact = r.json()
    assert (contact["client_id"], contact["display_name"]) == (client.pk, "Jan Novák")
    make_record("contact", client_id=other.pk)
    assert ids(admin_api.get("/api/contacts", client_id=client.pk)) == [contact["id"]]
    assert ids(admin_api.get("/api/contacts", q="novak")) == [contact["id"]]
    # A contact needs a name or an e-mail.
    assert_error(admin_api.post("/api/contacts", {"job_title": "CEO"}), 422, field="last_name")
    r = admin_api.post("/api/contacts", {"email": "anon@firma.cz"})
    assert r.status_code == 201 and r.json()["display_name"] == "anon@firma.cz"


def test_contact_on_a_lead(admin_api, make_lead):
    lead = make_lead()
    r = admin_api.post("/api/contacts", {"last_name": "Petraitis", "lead_id": lead.pk})
    assert r.status_code == 201 and r.json()["lead_id"] == lead.pk
    assert ids(admin_api.get("/api/contacts", lead_id=lead.pk)) == [r.json()["id"]]


def test_deleting_a_client_keeps_its_contacts(admin_api):
    client = make_record("client")
    contact = make_record("contact", client_id=client.pk)
    assert admin_api.delete(f"/api/clients/{client.pk}").status_code == 204
    r = admin_api.get(f"/api/contacts/{contact.pk}")
    assert r.status_code == 200 and r.json()["client_id"] == client.pk


# Services -------------------------------------------------------------------------------------


def test_client_services_check_access(users, teams):
    north, _south = teams
    sales = users["sales_north"]
    saved = client_create(actor=sales, data={"name": "Mine"})
    assert (saved.obj.owner_id, saved.obj.team_id) == (sales.pk, north.pk)
    with pytest.raises(Forbidden):
        client_create(actor=users["marketing"], data={"name": "Not allowed"})
    peer = make_record("client", owner_id=users["manager_north"].pk, team_id=north.pk)
    with pytest.raises(NotFound):
        client_update(actor=sales, pk=peer.pk, data={"city": "Brno"})
    with pytest.raises(Forbidden):
        client_update(actor=users["marketing"], pk=peer.pk, data={"city": "Brno"})
    saved = client_update(actor=users["manager_north"], pk=peer.pk, data={"city": "Brno"})
    assert saved.changes == [("city", "", "Brno")] and saved.obj.version == 2


def test_contact_service_refuses_invisible_client(users, teams):
    hidden = make_record("client", owner_id=users["sales_south"].pk, team_id=teams[1].pk)
    with pytest.raises(ValidationFailed) as info:
        contact_create(actor=users["sales_north"], data={"last_name": "X", "client_id": hidden.pk})
    assert [e.field for e in info.value.errors] == ["client_id"]
    assert not Contact.objects.exists()


def test_sales_lists_only_own_clients(users, teams):
    mine = make_record("client", owner_id=users["sales_north"].pk)
    make_record("client", owner_id=users["manager_north"].pk, team_id=teams[0].pk)
    api = api_for(users["sales_north"])
    r = api.get("/api/clients")
    assert ids(r) == [mine.pk] and r.json()["count"] == 1
    assert Client.objects.count() == 2
