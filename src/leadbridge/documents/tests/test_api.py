"""The documents and products API: shapes, errors at the field, stale versions, status moves,
the pro-forma from a quote, the deal's value, rights, history and webhooks."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from leadbridge.automation.models import WebhookDelivery, WebhookSubscription
from leadbridge.conftest import api_for, make_user
from leadbridge.history.models import HistoryEvent
from leadbridge.registry.tests.replay import ReplayServer

pytestmark = pytest.mark.django_db

LINES = [
    {"description": "Konzultace", "quantity": "3", "unit": "h", "unit_price": "1250.00",
     "vat_rate": "21"},
    {"description": "Licence", "quantity": "1", "unit_price": "4990.00", "discount_percent": "10",
     "vat_rate": "21"},
    {"description": "Příručka", "quantity": "2", "unit_price": "349.00", "vat_rate": "12"},
]  # fmt: skip


def create(api, record_type, record_id, **extra):
    body = {"kind": "quote", "record_type": record_type, "record_id": record_id,
            "currency": "CZK", "lines": LINES} | extra  # fmt: skip
    return api.post("/api/documents", body)


@pytest.fixture
def vies(settings):
    cache.clear()
    with ReplayServer() as server:
        settings.REGISTRY_VIES_URL = f"{server.base}/vies"
        settings.REGISTRY_TIMEOUT_SECONDS = 1
        yield server
    cache.clear()


def test_create_copies_customer_and_supplier_and_adds_up(admin_api, client_record, company):
    r = create(admin_api, "client", client_record.pk, reverse_charge=False)
    assert r.status_code == 201, r.content
    doc = r.json()
    assert doc["number"].startswith("NAB-") and doc["status"] == "draft" and doc["version"] == 1
    assert doc["customer"]["name"] == "Odběratel a.s."
    assert doc["customer"]["vat_id"] == "CZ87654321"
    assert doc["customer"]["street"] == "Dlouhá 5" and doc["customer"]["country"] == "CZ"
    assert doc["supplier"]["name"] == "Dodavatel s.r.o."
    assert doc["supplier"]["iban"] == "SK3112000000198742637541"
    assert doc["records"] == [{"record_type": "client", "id": client_record.pk}]
    assert doc["totals"]["rates"] == [
        {"rate": "21.00", "base": "8241.00", "vat": "1730.61", "gross": "9971.61"},
        {"rate": "12.00", "base": "698.00", "vat": "83.76", "gross": "781.76"},
    ]
    assert doc["totals"]["gross"] == "10753.37"
    assert [line["base"] for line in doc["lines"]] == ["3750.00", "4491.00", "698.00"]
    assert doc["valid_until"] is not None and doc["due_date"] is None
    listed = admin_api.get(
        "/api/documents", record_type="client", record_id=client_record.pk, kind="quote"
    ).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == doc["id"]
    assert admin_api.get("/api/documents", status="sent").json()["count"] == 0
    assert HistoryEvent.objects.filter(record_type="document", record_id=doc["id"],
                                       kind="created").exists()  # fmt: skip


def test_customer_override_and_edit(admin_api, client_record, company):
    r = create(admin_api, "client", client_record.pk, reverse_charge=False,
               customer={"name": "Jiný název", "contact_name": "Ing. Novák"})  # fmt: skip
    doc = r.json()
    assert doc["customer"]["name"] == "Jiný název" and doc["customer"]["city"] == "Praha"
    r = admin_api.patch(
        f"/api/documents/{doc['id']}",
        {"customer": {"city": "Brno"}, "notes": "Platba předem", "version": 1},
    )
    assert r.status_code == 200, r.content
    assert r.json()["customer"]["city"] == "Brno" and r.json()["customer"]["name"] == "Jiný název"
    assert r.json()["version"] == 2 and r.json()["notes"] == "Platba předem"


def test_bad_line_is_answered_at_its_field(admin_api, client_record, company):
    lines = LINES + [
        {"description": "x", "quantity": "1.23456", "unit_price": "1", "vat_rate": "21"}
    ]
    r = create(admin_api, "client", client_record.pk, lines=lines)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["lines.3.quantity"]
    r = create(
        admin_api,
        "client",
        client_record.pk,
        lines=[{"description": "", "quantity": "x", "unit_price": "1", "vat_rate": "101"}],
    )
    fields = sorted(e["field"] for e in r.json()["errors"])
    assert r.status_code == 422
    assert fields == ["lines.0.description", "lines.0.quantity", "lines.0.vat_rate"]
    r = create(admin_api, "client", client_record.pk,
               lines=[{"description": "", "quantity": "1", "unit_price": "1", "vat_rate": "101",
                       "discount_percent": "-1"}])  # fmt: skip
    fields = sorted(e["field"] for e in r.json()["errors"])
    assert fields == ["lines.0.description", "lines.0.discount_percent", "lines.0.vat_rate"]
    r = create(admin_api, "client", client_record.pk, lines=[{"product_id": 999999}])
    assert r.json()["errors"][0] == {"field": "lines.0.product_id", "message": "No such product."}
    r = create(admin_api, "client", client_record.pk, lines=[{"description": "x", "bogus": 1}])
    assert [e["field"] for e in r.json()["errors"]] == ["lines.0.bogus"]
    from leadbridge.documents.models import Document, NumberSeries

    assert Document.objects.count() == 0
    assert not NumberSeries.objects.filter(last_number__gt=0).exists()  # nothing half-written


def test_product_lines_take_the_products_values(admin_api, client_record, company, products):
    r = create(admin_api, "client", client_record.pk, currency=None, reverse_charge=False,
               lines=[{"product_id": products["consulting"].pk, "quantity": "2"},
                      {"product_id": products["book"].pk, "unit_price": "300"}])  # fmt: skip
    assert r.status_code == 201, r.content
    doc = r.json()
    assert doc["currency"] == "CZK"  # the products' currency when neither record nor body says
    got = [(x["description"], x["unit"], x["unit_price"], x["vat_rate"]) for x in doc["lines"]]
    assert got == [
        ("Konzultace", "h", "1250.0000", "21.00"),
        ("Příručka", "ks", "300.0000", "12.00"),
    ]  # fmt: skip
    assert doc["totals"]["base"] == "2800.00"


def test_stale_version_is_409(admin_api, client_record, company):
    doc = create(admin_api, "client", client_record.pk, reverse_charge=False).json()
    assert (
        admin_api.patch(f"/api/documents/{doc['id']}", {"notes": "a", "version": 1}).status_code
        == 200
    )
    r = admin_api.patch(f"/api/documents/{doc['id']}", {"notes": "b", "version": 1})
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    r = admin_api.delete(f"/api/documents/{doc['id']}?version=1")
    assert r.status_code == 409
    assert admin_api.delete(f"/api/documents/{doc['id']}?version=2").status_code == 204
    assert admin_api.get(f"/api/documents/{doc['id']}").status_code == 404


def test_quote_status_flow_and_locked_amounts(admin_api, client_record, company):
    doc = create(admin_api, "client", client_record.pk, reverse_charge=False).json()
    url = f"/api/documents/{doc['id']}"
    r = admin_api.patch(url, {"status": "paid", "version": 1})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    r = admin_api.patch(url, {"status": "accepted", "version": 1})
    assert r.status_code == 409 and r.json()["code"] == "bad_transition"
    r = admin_api.patch(url, {"status": "sent", "version": 1})
    assert r.status_code == 200 and r.json()["status"] == "sent" and r.json()["sent_at"]
    r = admin_api.patch(url, {"lines": LINES[:1], "version": 2})
    assert r.status_code == 409 and r.json()["code"] == "not_draft"
    assert r.json()["errors"] == [{"field": "lines", "message": "Read-only once sent."}]
    r = admin_api.patch(url, {"status": "rejected", "version": 2})
    assert r.json()["status"] == "rejected"
    assert admin_api.patch(url, {"status": "sent", "version": 3}).status_code == 409


def test_draft_lines_replace_and_totals_follow(admin_api, client_record, company):
    doc = create(admin_api, "client", client_record.pk, reverse_charge=False).json()
    r = admin_api.patch(f"/api/documents/{doc['id']}", {"lines": [
        {"description": "Jen jedna", "quantity": "0.5", "unit_price": "0.25", "vat_rate": "21"}],
        "version": 1})  # fmt: skip
    assert r.status_code == 200, r.content
    assert len(r.json()["lines"]) == 1 and r.json()["totals"]["gross"] == "0.16"  # 0.13 + 0.03
    from leadbridge.documents.models import Document

    assert Document.objects.get(pk=doc["id"]).total_gross == Decimal("0.16")


def test_proforma_from_quote_and_deal_value(admin_api, admin_user, company):
    from leadbridge.deals.models import Deal
    from leadbridge.deals.services import deal_create

    deal = deal_create(actor=admin_user, data={"title": "Zakázka", "currency": "CZK"}).obj
    doc = create(admin_api, "deal", deal.pk, reverse_charge=False).json()
    url = f"/api/documents/{doc['id']}"
    assert admin_api.post(f"{url}/proforma").status_code == 409  # a draft quote
    admin_api.patch(url, {"status": "sent", "version": 1})
    r = admin_api.post(f"{url}/proforma")
    assert r.status_code == 201, r.content
    proforma = r.json()
    assert proforma["kind"] == "proforma" and proforma["number"].startswith("ZF-")
    assert proforma["source_document_id"] == doc["id"] and proforma["due_date"]
    assert [x["description"] for x in proforma["lines"]] == ["Konzultace", "Licence", "Příručka"]
    assert proforma["totals"] == admin_api.get(url).json()["totals"]
    assert admin_api.get(url).json()["status"] == "accepted"
    deal.refresh_from_db()
    assert deal.value == Decimal("8939.00") and deal.currency == "CZK"  # the base, without VAT
    assert admin_api.post(f"/api/documents/{proforma['id']}/proforma").status_code == 409
    p = f"/api/documents/{proforma['id']}"
    assert admin_api.patch(p, {"status": "sent", "version": 1}).status_code == 200
    assert admin_api.patch(p, {"status": "paid", "version": 2}).json()["status"] == "paid"
    assert Deal.objects.get(pk=deal.pk).value == Decimal("8939.00")


def test_accepting_leaves_the_deal_alone_when_the_setting_is_off(admin_api, admin_user, company):
    from leadbridge.deals.services import deal_create

    admin_api.patch("/api/settings/documents", {"accept_sets_deal_value": False})
    deal = deal_create(actor=admin_user, data={"title": "Bez hodnoty"}).obj
    doc = create(admin_api, "deal", deal.pk, reverse_charge=False).json()
    admin_api.patch(f"/api/documents/{doc['id']}", {"status": "sent", "version": 1})
    admin_api.patch(f"/api/documents/{doc['id']}", {"status": "accepted", "version": 2})
    deal.refresh_from_db()
    assert deal.value is None


def test_webhooks_created_sent_paid(admin_api, client_record, company):
    sub = WebhookSubscription.objects.create(
        url="http://127.0.0.1:9/hook",
        events=["document.created", "document.sent", "document.paid"],
    )
    doc = create(
        admin_api, "client", client_record.pk, kind="proforma", reverse_charge=False
    ).json()
    url = f"/api/documents/{doc['id']}"
    admin_api.patch(url, {"status": "sent", "version": 1})
    admin_api.patch(url, {"status": "paid", "version": 2})
    deliveries = WebhookDelivery.objects.filter(subscription=sub).order_by("created_at")
    assert [d.event for d in deliveries] == ["document.created", "document.sent", "document.paid"]
    import json

    body = json.loads(deliveries[2].body)
    assert body["data"]["number"] == doc["number"] and body["data"]["status"] == "paid"
    assert body["data"]["totals"]["gross"] == "10753.37"
    r = admin_api.post(
        "/api/webhooks", {"url": "https://example.com/h", "events": ["document.paid"]}
    )
    assert r.status_code in (200, 201), r.content


def test_rights_follow_the_record(users, company, make_lead):
    north = users["sales_north"]
    lead = make_lead(company_name="Firma", owner_id=north.pk, team_id=north.teams.first().pk)
    api = api_for(north)
    r = create(api, "lead", lead.pk, reverse_charge=False)
    assert r.status_code == 201, r.content
    doc = r.json()
    assert doc["customer"]["name"] == "Firma"
    south = api_for(users["sales_south"])
    assert south.get(f"/api/documents/{doc['id']}").status_code == 404
    assert south.get("/api/documents").json()["count"] == 0
    assert create(south, "lead", lead.pk).status_code == 404
    assert api_for(users["manager_north"]).get(f"/api/documents/{doc['id']}").status_code == 200
    assert api_for(users["nobody"]).get("/api/documents").json()["count"] == 0
    # A role that sees the lead but may not issue documents on it: 403 on every change.
    from leadbridge.people.models import Role

    viewer = Role.objects.create(key="viewer", name="Viewer", permissions={
        "lead": {"scope": "all", "rights": ["view", "update"]}})  # fmt: skip
    watcher = api_for(make_user("viewer"))
    assert watcher.get(f"/api/documents/{doc['id']}").status_code == 200
    assert (
        watcher.patch(f"/api/documents/{doc['id']}", {"notes": "x", "version": 1}).status_code
        == 403
    )
    assert watcher.post(f"/api/documents/{doc['id']}/proforma").status_code == 403
    assert create(watcher, "lead", lead.pk).status_code == 403
    assert viewer.pk


def test_products_crud_and_admin_only(admin_api, users):
    r = admin_api.post(
        "/api/products",
        {
            "name": "Školení",
            "code": "SKOL",
            "unit": "den",
            "unit_price": "8000",
            "currency": "czk",
            "vat_rate": "21",
        },
    )
    assert r.status_code == 201, r.content
    product = r.json()
    assert product["unit_price"] == "8000.0000" and product["currency"] == "CZK"
    dup = admin_api.post(
        "/api/products", {"name": "X", "code": "SKOL", "unit_price": "1", "vat_rate": "0"}
    )
    assert dup.status_code == 422 and dup.json()["errors"][0]["field"] == "code"
    bad = admin_api.post("/api/products", {"name": "X", "unit_price": "-1", "vat_rate": "0"})
    assert bad.json()["errors"][0]["field"] == "unit_price"
    r = admin_api.patch(f"/api/products/{product['id']}", {"active": False, "version": 1})
    assert r.json()["active"] is False and r.json()["version"] == 2
    assert (
        admin_api.patch(f"/api/products/{product['id']}", {"name": "Y", "version": 1}).status_code
        == 409
    )
    assert admin_api.get("/api/products", active=True).json()["count"] == 0
    assert admin_api.get("/api/products", q="skol").json()["count"] == 1
    sales = api_for(users["sales_north"])
    assert sales.get("/api/products").json()["count"] == 1
    assert (
        sales.post("/api/products", {"name": "Z", "unit_price": "1", "vat_rate": "0"}).status_code
        == 403
    )
    assert admin_api.delete(f"/api/products/{product['id']}?version=2").status_code == 204
    assert admin_api.get(f"/api/products/{product['id']}").status_code == 404


def test_company_settings(admin_api, users):
    r = admin_api.patch(
        "/api/settings/company", {"name": "Firma", "iban": "CZ65 0800 0000 1920 0014 5399"}
    )
    assert r.status_code == 200 and r.json()["iban"] == "CZ6508000000192000145399"
    bad = admin_api.patch("/api/settings/company", {"iban": "CZ65 0800 0000 1920 0014 5398"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "company.iban"
    bad = admin_api.patch("/api/settings/company", {"logo": "data:text/html;base64,PGI+"})
    assert bad.json()["errors"][0]["field"] == "company.logo"
    assert admin_api.get("/api/settings/company").json()["name"] == "Firma"
    sales = api_for(users["sales_north"])
    assert sales.patch("/api/settings/company", {"name": "Hack"}).status_code == 403


def test_reverse_charge_checked_in_vies(admin_api, admin_user, company, vies):
    from leadbridge.clients.services import client_create

    asseco = client_create(actor=admin_user, data={
        "kind": "company", "name": "Asseco Central Europe, a.s.", "vat_id": "CZ27074358",
        "country": "CZ"}).obj  # fmt: skip
    r = create(admin_api, "client", asseco.pk)  # not said: checked, since SK ≠ CZ
    assert r.status_code == 201, r.content
    doc = r.json()
    assert doc["reverse_charge"] is True
    assert doc["vat_check"]["valid"] is True and doc["vat_check"]["vat_id"] == "CZ27074358"
    assert doc["totals"]["vat"] == "0.00" and doc["totals"]["gross"] == doc["totals"]["base"]
    assert doc["totals"]["rates"][0] == {"rate": "21.00", "base": "8241.00", "vat": "0.00",
                                         "gross": "8241.00"}  # fmt: skip
    url = f"/api/documents/{doc['id']}"
    r = admin_api.patch(url, {"reverse_charge": False, "version": 1})
    assert r.status_code == 200 and r.json()["totals"]["vat"] == "1814.37"
    assert r.json()["reverse_charge"] is False
    r = admin_api.patch(url, {"reverse_charge": True, "version": 2})
    assert r.status_code == 200 and r.json()["totals"]["vat"] == "0.00"
    assert r.json()["lines"][0]["base"] == "3750.00"  # the lines are kept, only VAT changes
    # A VAT id VIES does not confirm: asked for, 422; not said, VAT charged.
    other = client_create(
        actor=admin_user,
        data={"kind": "company", "name": "Neplatná", "vat_id": "CZ11111111", "country": "CZ"},
    ).obj
    r = create(admin_api, "client", other.pk, reverse_charge=True)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reverse_charge"
    r = create(admin_api, "client", other.pk)
    assert r.json()["reverse_charge"] is False and r.json()["totals"]["vat"] == "1814.37"
    # VIES down (the DE fixture answers MS_UNAVAILABLE): asked for, 503; the draft stays.
    german = client_create(
        actor=admin_user,
        data={"kind": "company", "name": "GmbH", "vat_id": "DE123456789", "country": "DE"},
    ).obj
    assert create(admin_api, "client", german.pk, reverse_charge=True).status_code == 503
    # Same country as the supplier: no reverse charge to ask for.
    slovak = client_create(
        actor=admin_user,
        data={"kind": "company", "name": "SK firma", "vat_id": "SK2020202021", "country": "SK"},
    ).obj
    r = create(admin_api, "client", slovak.pk, reverse_charge=True)
    assert r.status_code == 422


def test_unknown_and_missing_fields(admin_api, client_record, company):
    assert create(admin_api, "client", client_record.pk, bogus=1).status_code == 422
    r = admin_api.post(
        "/api/documents", {"kind": "invoice", "record_type": "client", "record_id": 1}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    assert create(admin_api, "contact", 1).status_code == 422
    assert create(admin_api, "client", 999999).status_code == 404
    assert admin_api.get("/api/documents", record_type="client").status_code == 422
    assert admin_api.get("/api/documents/999999").status_code == 404
    assert admin_api.get("/api/documents/999999/pdf").status_code == 404


def test_edge_values_are_answers_not_errors(admin_api, client_record, company):
    huge = [{"description": "x", "quantity": "1E+999999", "unit_price": "1", "vat_rate": "21"}]
    r = create(admin_api, "client", client_record.pk, lines=huge)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lines.0.quantity"
    nan = [{"description": "x", "quantity": "1", "unit_price": "NaN", "vat_rate": "21"}]
    r = create(admin_api, "client", client_record.pk, lines=nan)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lines.0.unit_price"
    r = create(admin_api, "client", client_record.pk, reverse_charge=False, issue_date="9999-12-31")
    assert r.status_code == 201 and r.json()["valid_until"] == "9999-12-31"
    assert r.json()["number"] == "NAB-9999-0001"
    assert admin_api.get(f"/api/documents/{10**30}").status_code == 404
    assert admin_api.get(f"/api/products/{10**30}").status_code == 404
    r = admin_api.patch(f"/api/products/{10**30}", {"name": "x", "version": 1})
    assert r.status_code == 404
    r = admin_api.patch("/api/settings/documents", {"quote_pattern": "N{seq:099999999}"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "pattern"
    r = admin_api.patch("/api/settings/documents", {"quote_pattern": "N{seq:06d}/{yy}"})
    assert r.status_code == 200
