"""A document's history on the timelines of the records it is linked to: a quote sent on a
lead reads "Quote NAB-… sent" on the lead's timeline page and, once the lead is converted, on
the deal's and the client's; a deleted one stays there as deleted; another lead's documents
and another team's lead stay out."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def page(user, record_type: str, pk: int) -> tuple[int, str]:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    response = client.get(f"/history/{record_type}/{pk}/", HTTP_HX_REQUEST="true")
    text = re.sub(r"<[^>]+>", "", response.content.decode())
    return response.status_code, re.sub(r"\s+", " ", text)


def quote(api, lead_id: int, price: str) -> dict:
    r = api.post("/api/documents", {
        "kind": "quote", "record_type": "lead", "record_id": lead_id, "currency": "CZK",
        "reverse_charge": False, "customer": {"email": "nakup@kovar.cz", "name": "Kovář a.s."},
        "lines": [{"description": "Audit", "quantity": "1", "unit_price": price, "vat_rate": "21"}],
    })  # fmt: skip
    assert r.status_code == 201, r.content
    return r.json()


def test_a_sent_quote_is_on_the_leads_and_after_conversion_on_the_deals_timeline(
    admin_api, admin_user, company
):
    lead = admin_api.post("/api/leads", {"last_name": "Kovář", "company_name": "Kovář a.s."})
    lead = lead.json()
    other_lead = admin_api.post("/api/leads", {"last_name": "Jiný"}).json()
    doc = quote(admin_api, lead["id"], "900")
    elsewhere = quote(admin_api, other_lead["id"], "100")
    r = admin_api.post(f"/api/documents/{doc['id']}/send", {"version": doc["version"]})
    assert r.status_code == 200, r.content

    status, text = page(admin_user, "lead", lead["id"])
    assert status == 200
    assert f"Quote {doc['number']} created" in text
    assert f"Quote {doc['number']} sent" in text
    assert elsewhere["number"] not in text  # another lead's quote stays on its own lead
    assert text.index(f"Quote {doc['number']} sent") < text.index(f"Quote {doc['number']} created")

    r = admin_api.post(f"/api/leads/{lead['id']}/convert", {"deal": {"mode": "new"}})
    assert r.status_code == 200, r.content
    converted = r.json()
    # Accepted after the conversion, on the deal: every record linked shows it.
    sent = admin_api.get(f"/api/documents/{doc['id']}").json()
    r = admin_api.patch(
        f"/api/documents/{doc['id']}", {"status": "accepted", "version": sent["version"]}
    )
    assert r.status_code == 200, r.content
    for record_type, pk in (
        ("deal", converted["deal_id"]),
        ("client", converted["client_id"]),
        ("lead", lead["id"]),
    ):
        status, text = page(admin_user, record_type, pk)
        assert status == 200
        assert f"Quote {doc['number']} sent" in text, (record_type, text)
        assert f"Quote {doc['number']} accepted" in text, record_type
        assert elsewhere["number"] not in text
        assert text.count(f"Quote {doc['number']} created") == 1  # once, not per link

    # The number links to the document; deleted, it stays on the timeline without the link.
    client = Client()
    client.force_login(admin_user)
    body = client.get(f"/history/deal/{converted['deal_id']}/").content.decode()
    assert f'href="/documents/{doc["id"]}/"' in body
    now = admin_api.get(f"/api/documents/{doc['id']}").json()
    r = admin_api.delete(f"/api/documents/{doc['id']}?version={now['version']}")
    assert r.status_code in (200, 204), r.content
    _status, text = page(admin_user, "deal", converted["deal_id"])
    assert f"Quote {doc['number']} deleted" in text
    body = client.get(f"/history/deal/{converted['deal_id']}/").content.decode()
    assert f'href="/documents/{doc["id"]}/"' not in body

    # The API's history names the document as the events' origin.
    items = admin_api.get(f"/api/deals/{converted['deal_id']}/history").json()["items"]
    ours = [i for i in items if i["origin"]["record_type"] == "document"]
    assert {i["kind"] for i in ours} >= {"created", "status_changed", "deleted"}
    assert {i["origin"]["id"] for i in ours} == {doc["id"]}


def test_a_proforma_paid_and_the_number_escaped(admin_api, admin_user, company, users):
    lead = admin_api.post("/api/leads", {"last_name": "Nowak"}).json()
    r = admin_api.post("/api/documents", {
        "kind": "proforma", "record_type": "lead", "record_id": lead["id"], "currency": "PLN",
        "reverse_charge": False,
        "lines": [
            {"description": "Szkolenie", "quantity": "2", "unit_price": "500", "vat_rate": "23"}
        ],
    })  # fmt: skip
    assert r.status_code == 201, r.content
    doc = r.json()
    for version, status in ((doc["version"], "sent"), (doc["version"] + 1, "paid")):
        r = admin_api.patch(f"/api/documents/{doc['id']}", {"status": status, "version": version})
        assert r.status_code == 200, r.content
    _status, text = page(admin_user, "lead", lead["id"])
    assert f"Pro-forma invoice {doc['number']} paid" in text
    assert f"Pro-forma invoice {doc['number']} sent" in text
    # Someone who may not see the lead gets no timeline (and so none of its documents).
    status, _text = page(users["sales_south"], "lead", lead["id"])
    assert status == 404
    # A lead without documents: no document sentence at all.
    empty = admin_api.post("/api/leads", {"last_name": "Pusty"}).json()
    _status, text = page(admin_user, "lead", empty["id"])
    assert "Quote" not in text and "Pro-forma" not in text
