"""GDPR: a person's export lists their quotes; erasure scrubs their identifiers from the
customer block, notes, lines and the documents' history, and keeps numbers and amounts."""

import pytest

from leadbridge.documents.models import Document
from leadbridge.history.models import HistoryEvent

pytestmark = pytest.mark.django_db

NAME, EMAIL = "Květoslava Zyxwarová", "kveta.zyx@example.cz"


def test_export_and_erasure(admin_api, company):
    from leadbridge.automation.models import WebhookDelivery, WebhookSubscription

    WebhookSubscription.objects.create(url="http://127.0.0.1:9/h", events=["document.created"])
    lead = admin_api.post("/api/leads", {"first_name": "Květoslava", "last_name": "Zyxwarová",
                                         "email": EMAIL}).json()  # fmt: skip
    r = admin_api.post("/api/documents", {
        "kind": "quote", "record_type": "lead", "record_id": lead["id"], "currency": "CZK",
        "reverse_charge": False, "notes": f"Pro {NAME}, odpověď na {EMAIL}",
        "lines": [{"description": f"Školení pro {NAME}", "quantity": "1", "unit_price": "100",
                   "vat_rate": "21"}],
    })  # fmt: skip
    assert r.status_code == 201, r.content
    doc = r.json()
    assert doc["customer"]["name"] == NAME and doc["customer"]["email"] == EMAIL
    admin_api.patch(
        f"/api/documents/{doc['id']}",
        {"customer": {"city": "Brno", "name": NAME + " ml."}, "version": 1},
    )
    other = admin_api.post("/api/leads", {"last_name": "Jiný"}).json()
    kept = admin_api.post("/api/documents", {
        "kind": "quote", "record_type": "lead", "record_id": other["id"], "currency": "CZK",
        "reverse_charge": False, "lines": []}).json()  # fmt: skip

    exported = admin_api.get(f"/api/privacy/lead/{lead['id']}/export")
    assert exported.status_code == 200, exported.content
    [item] = exported.json()["places"]["documents"]
    assert item["number"] == doc["number"] and item["customer"]["email"] == EMAIL

    r = admin_api.post(f"/api/privacy/lead/{lead['id']}/erase")
    assert r.status_code == 200, r.content
    erased = Document.objects.get(pk=doc["id"])
    text = str([erased.customer, erased.notes, [x.description for x in erased.lines.all()]])
    assert "Zyxwar" not in text and EMAIL not in text and "[erased]" in text
    assert erased.number == doc["number"] and str(erased.total_gross) == "121.00"
    history = HistoryEvent.objects.filter(record_type="document", record_id=doc["id"])
    assert "Zyxwar" not in str([(e.old_value, e.new_value, e.data) for e in history])
    assert Document.objects.get(pk=kept["id"]).customer["name"] == "Jiný"
    body = WebhookDelivery.objects.get(record_type="document", record_id=doc["id"]).body
    assert "Zyxwar" not in body and "kveta.zyx" not in body and doc["number"] in body
