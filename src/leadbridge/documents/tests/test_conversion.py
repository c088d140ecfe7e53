"""Conversion carries a lead's documents to the new client and deal (linked, not copied),
and the lead keeps showing them."""

import pytest

pytestmark = pytest.mark.django_db


def quote(api, record_type, record_id):
    r = api.post("/api/documents", {
        "kind": "quote", "record_type": record_type, "record_id": record_id, "currency": "EUR",
        "reverse_charge": False,
        "lines": [{"description": "Audit", "quantity": "1", "unit_price": "900", "vat_rate": "23"}],
    })  # fmt: skip
    assert r.status_code == 201, r.content
    return r.json()


def ids(api, record_type, record_id):
    r = api.get("/api/documents", record_type=record_type, record_id=record_id)
    assert r.status_code == 200, r.content
    return [d["id"] for d in r.json()["items"]]


def test_conversion_links_the_leads_documents(admin_api, company):
    lead = admin_api.post(
        "/api/leads", {"last_name": "Kováč", "company_name": "Kováč s.r.o."}
    ).json()
    doc = quote(admin_api, "lead", lead["id"])
    other = quote(
        admin_api, "lead", admin_api.post("/api/leads", {"last_name": "Iný"}).json()["id"]
    )
    r = admin_api.post(f"/api/leads/{lead['id']}/convert", {"deal": {"mode": "new"}})
    assert r.status_code == 200, r.content
    result = r.json()
    assert ids(admin_api, "client", result["client_id"]) == [doc["id"]]
    assert ids(admin_api, "deal", result["deal_id"]) == [doc["id"]]
    assert ids(admin_api, "lead", lead["id"]) == [doc["id"]]  # the lead keeps it
    assert other["id"] not in ids(admin_api, "deal", result["deal_id"])
    records = admin_api.get(f"/api/documents/{doc['id']}").json()["records"]
    assert {(x["record_type"], x["id"]) for x in records} == {
        ("lead", lead["id"]), ("client", result["client_id"]), ("deal", result["deal_id"]),
    }  # fmt: skip
    # Issued on the converted lead afterwards: on its client and deal as well.
    later = quote(admin_api, "lead", lead["id"])
    assert later["id"] in ids(admin_api, "deal", result["deal_id"])
    # Accepting the carried quote sets the new deal's value.
    admin_api.patch(f"/api/documents/{doc['id']}", {"status": "sent", "version": 1})
    admin_api.patch(f"/api/documents/{doc['id']}", {"status": "accepted", "version": 2})
    deal = admin_api.get(f"/api/deals/{result['deal_id']}").json()
    assert deal["value"] == "900.00" and deal["currency"] == "EUR"


def test_deal_sees_it_through_its_own_scope(users, company, make_lead):
    """A salesperson who may see the deal but not the lead still sees the carried quote."""
    from leadbridge.conftest import api_for
    from leadbridge.deals.models import Deal
    from leadbridge.leads.conversion import lead_convert, plan_from_dict
    from leadbridge.people.services import system_actor

    north, south = users["sales_north"], users["sales_south"]
    lead = make_lead(company_name="Nord", owner_id=north.pk, team_id=north.teams.first().pk)
    doc = quote(api_for(north), "lead", lead.pk)
    result = lead_convert(actor=system_actor("tests"), lead_id=lead.pk,
                          plan=plan_from_dict({"deal": {"mode": "new"}}))  # fmt: skip
    Deal.objects.filter(pk=result["deal_id"]).update(owner_id=south.pk, team_id=None)
    api = api_for(south)
    assert api.get(f"/api/documents/{doc['id']}").status_code == 200
    assert ids(api, "deal", result["deal_id"]) == [doc["id"]]
    assert api.get("/api/documents", record_type="lead", record_id=lead.pk).status_code == 404
    # North accepts its quote; the deal is South's now, which North may not edit: the
    # acceptance stands and the deal keeps its value.
    north_api = api_for(north)
    north_api.patch(f"/api/documents/{doc['id']}", {"status": "sent", "version": 1})
    r = north_api.patch(f"/api/documents/{doc['id']}", {"status": "accepted", "version": 2})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert Deal.objects.get(pk=result["deal_id"]).value is None
