"""The document pages: the card tab, the new/edit page with its line editor's form, errors at
the line and field, the stale-version conflict, status actions, rights and scope, and the
Settings pages (price list, company details and numbering)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from leadbridge.documents.models import Document, Product

pytestmark = pytest.mark.django_db


def browser(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def line_rows(body: str) -> list[str]:
    """The editor's rows (not the empty row of the <template> the script clones)."""
    listed = re.search(r"data-line-list>(.*?)</tbody>", body, re.S)
    return re.findall(r"<tr data-line.*?</tr>", listed.group(1), re.S) if listed else []


def tab(client: Client, record_type: str, pk: int):
    return client.get(f"/related/{record_type}/{pk}/?tab=documents", HTTP_HX_REQUEST="true")


@pytest.fixture
def north_lead(users, teams, make_lead):
    north, _south = teams
    return make_lead(
        first_name="Eva",
        last_name="Nováková",
        company_name="Porost s.r.o.",
        email="eva@porost.cz",
        street="Dlouhá 5",
        city="Praha",
        postcode="110 00",
        country="CZ",
        currency="CZK",
        owner_id=users["sales_north"].pk,
        team_id=north.pk,
    )


def new_quote(client: Client, lead, lines: list[dict], **header) -> object:
    data = {
        "issue_date": "2026-03-02",
        "valid_until": "2026-03-16",
        "currency": "CZK",
        "language": "",
        "customer_name": "Porost s.r.o.",
        "customer_email": "eva@porost.cz",
        "notes": "",
        **header,
    }
    for name in (
        "product_id",
        "description",
        "quantity",
        "unit",
        "unit_price",
        "discount_percent",
        "vat_rate",
    ):
        data[f"line_{name}"] = [line.get(name, "") for line in lines]
    return client.post(f"/documents/new/lead/{lead.pk}/quote/", data)


TWO_LINES = [
    {"description": "Konzultace", "quantity": "3", "unit": "h", "unit_price": "1250,50",
     "discount_percent": "10", "vat_rate": "21"},
    {"description": "Příručka", "quantity": "2", "unit": "ks", "unit_price": "349",
     "vat_rate": "12"},
]  # fmt: skip


def test_the_tab_is_empty_and_offers_new_documents(users, north_lead):
    response = tab(browser(users["sales_north"]), "lead", north_lead.pk)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="documents-empty"' in body
    assert f"/documents/new/lead/{north_lead.pk}/quote/" in body
    assert f"/documents/new/lead/{north_lead.pk}/proforma/" in body
    # The tab sits among the card's tabs; a contact has no such tab.
    assert "Quotes &amp; invoices" in body


def test_new_quote_form_is_prefilled_from_the_lead(users, north_lead):
    response = browser(users["sales_north"]).get(f"/documents/new/lead/{north_lead.pk}/quote/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="customer_name"' in body and 'value="Porost s.r.o."' in body
    assert 'value="Eva Nováková"' in body  # the contact person
    assert 'value="eva@porost.cz"' in body
    assert "data-line-editor" in body and "leadbridge/documents.js" in body


def test_create_quote_with_czech_numbers_and_read_it_back(users, north_lead):
    client = browser(users["sales_north"], "cs")
    response = new_quote(client, north_lead, TWO_LINES)
    assert response.status_code == 302, response.content.decode()[:2000]
    document = Document.objects.get()
    assert response["Location"] == f"/documents/{document.pk}/"
    lines = list(document.lines.all())
    shown = [
        (x.description, x.quantity, x.unit_price, x.discount_percent, x.vat_rate) for x in lines
    ]  # noqa: E501
    assert shown == [
        ("Konzultace", Decimal("3.000"), Decimal("1250.5000"), Decimal("10.00"), Decimal("21.00")),
        ("Příručka", Decimal("2.000"), Decimal("349.0000"), Decimal("0.00"), Decimal("12.00")),
    ]  # fmt: skip
    # 3 × 1250.50 × 0.9 = 3376.35 (+21 % = 709.03); 698.00 (+12 % = 83.76)
    assert (document.total_base, document.total_vat, document.total_gross) == (
        Decimal("4074.35"),
        Decimal("792.79"),
        Decimal("4867.14"),
    )
    assert document.customer["name"] == "Porost s.r.o."
    page = client.get(f"/documents/{document.pk}/").content.decode()
    # The editor shows the stored values in the user's locale (Czech: decimal comma).
    assert 'value="1250,50"' in page
    assert 'data-amount="4867.14"' in page and "4\xa0867,14" in page
    listed = tab(client, "lead", north_lead.pk).content.decode()
    assert document.number in listed and "4\xa0867,14" in listed


def test_a_bad_quantity_is_refused_at_its_line_and_nothing_is_saved(users, north_lead):
    lines = [*TWO_LINES, {"description": "Doprava", "quantity": "tři", "unit_price": "100"}]
    response = new_quote(browser(users["sales_north"]), north_lead, lines)
    assert response.status_code == 422
    body = response.content.decode()
    rows = line_rows(body)
    assert len(rows) == 3  # everything typed is still there
    assert 'data-error="quantity"' in rows[2] and 'value="tři"' in rows[2]
    assert "data-error" not in rows[0] and "data-error" not in rows[1]
    assert Document.objects.count() == 0


def test_a_service_error_lands_at_its_line(users, north_lead):
    lines = [TWO_LINES[0], {"description": "Sleva", "quantity": "1", "unit_price": "10",
                            "discount_percent": "150"}]  # fmt: skip
    response = new_quote(browser(users["sales_north"]), north_lead, lines)
    assert response.status_code == 422
    rows = line_rows(response.content.decode())
    assert 'data-error="discount_percent"' in rows[1] and "data-error" not in rows[0]
    assert Document.objects.count() == 0


def test_stale_version_keeps_the_users_lines(users, north_lead):
    client = browser(users["sales_north"])
    new_quote(client, north_lead, TWO_LINES)
    document = Document.objects.get()
    from leadbridge.documents.services import document_update

    document_update(actor=users["sales_north"], pk=document.pk, data={"notes": "Theirs"}, version=1)
    data = {
        "version": "1",
        "issue_date": "2026-03-02",
        "valid_until": "2026-03-16",
        "currency": "CZK",
        "customer_name": "Porost s.r.o.",
        "notes": "Mine",
        "line_description": ["Moje řádka"],
        "line_quantity": ["7"],
        "line_unit_price": ["11"],
        "line_vat_rate": ["21"],
        "line_product_id": [""],
        "line_unit": [""],
        "line_discount_percent": [""],
    }
    response = client.post(f"/documents/{document.pk}/", data)
    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-testid="conflict"' in body
    assert 'value="Moje řádka"' in body and "Mine</textarea>" in body
    assert 'name="version" value="2"' in body  # a second save keeps the user's on purpose
    document.refresh_from_db()
    assert document.notes == "Theirs" and document.lines.count() == 2
    again = client.post(f"/documents/{document.pk}/", {**data, "version": "2"})
    assert again.status_code == 302
    document.refresh_from_db()
    assert document.notes == "Mine" and [x.description for x in document.lines.all()] == [
        "Moje řádka"
    ]


def test_status_actions_and_a_proforma_from_the_accepted_quote(users, north_lead):
    client = browser(users["sales_north"])
    new_quote(client, north_lead, TWO_LINES)
    quote = Document.objects.get()
    for status, version in (("sent", 1), ("accepted", 2)):
        r = client.post(
            f"/documents/{quote.pk}/status/", {"status": status, "version": str(version)}
        )
        assert r.status_code == 302
    quote.refresh_from_db()
    assert quote.status == "accepted"
    page = client.get(f"/documents/{quote.pk}/").content.decode()
    assert 'data-testid="make-proforma"' in page
    assert 'data-testid="document-form"' not in page  # no longer a draft: read only
    r = client.post(f"/documents/{quote.pk}/proforma/")
    proforma = Document.objects.get(kind="proforma")
    assert r["Location"] == f"/documents/{proforma.pk}/"
    assert proforma.total_gross == quote.total_gross and proforma.source_document_id == quote.pk
    # A stale status change is refused without a change.
    r = client.post(f"/documents/{proforma.pk}/status/", {"status": "paid", "version": "7"})
    proforma.refresh_from_db()
    assert proforma.status == "draft"


def test_wrong_ids_answer_404(users, north_lead):
    client = browser(users["sales_north"])
    assert client.get("/documents/999999/").status_code == 404
    assert client.get("/documents/new/lead/999999/quote/").status_code == 404
    assert client.get(f"/documents/new/lead/{north_lead.pk}/invoice/").status_code == 404
    assert client.get(f"/documents/new/contact/{north_lead.pk}/quote/").status_code == 404
    assert client.get("/documents/999999/pdf/").status_code == 404


def test_another_teams_record_and_document_are_not_found(users, north_lead):
    new_quote(browser(users["sales_north"]), north_lead, TWO_LINES)
    document = Document.objects.get()
    south = browser(users["sales_south"])
    assert south.get(f"/documents/{document.pk}/").status_code == 404
    assert south.get(f"/documents/new/lead/{north_lead.pk}/quote/").status_code == 404
    assert tab(south, "lead", north_lead.pk).status_code == 404
    r = south.post(f"/documents/{document.pk}/status/", {"status": "sent", "version": "1"})
    assert r.status_code == 404
    document.refresh_from_db()
    assert document.status == "draft"


def test_a_user_without_the_right_sees_documents_but_cannot_issue(users, teams):
    from leadbridge.clients.services import client_create

    north, _south = teams
    client_record = client_create(
        actor=users["sales_north"], data={"name": "Acme Sever", "team_id": north.pk}
    ).obj
    marketing = browser(users["marketing"])  # views the team's clients, no `documents` right
    body = tab(marketing, "client", client_record.pk).content.decode()
    assert 'data-testid="documents-empty"' in body
    assert "/documents/new/" not in body
    assert marketing.get(f"/documents/new/client/{client_record.pk}/quote/").status_code == 403
    r = marketing.post(f"/documents/new/client/{client_record.pk}/quote/", {"currency": "CZK"})
    assert r.status_code == 403 and Document.objects.count() == 0


def test_price_list_page(admin_user, users):
    admin = browser(admin_user)
    r = admin.post(
        "/settings/documents/products/",
        {
            "id": "new",
            "name": "Školení",
            "code": "SKOL",
            "unit": "den",
            "unit_price": "12 500,00",
            "currency": "CZK",
            "vat_rate": "21",
            "active": "on",
        },  # fmt: skip
    )
    assert r.status_code == 302
    product = Product.objects.get()
    assert (product.unit_price, product.vat_rate, product.active) == (
        Decimal("12500.0000"),
        Decimal("21.00"),
        True,
    )
    r = admin.post(
        "/settings/documents/products/",
        {"id": "new", "name": "Druhé", "code": "SKOL", "unit_price": "1", "vat_rate": "x"},
    )
    assert r.status_code == 422 and Product.objects.count() == 1
    assert "Enter a number." in r.content.decode()
    r = admin.post(
        "/settings/documents/products/",
        {
            "id": str(product.pk),
            "version": "1",
            "name": "Školení (den)",
            "code": "SKOL",
            "unit": "den",
            "unit_price": "13000",
            "currency": "CZK",
            "vat_rate": "21",
        },  # fmt: skip
    )
    product.refresh_from_db()
    assert r.status_code == 302 and product.unit_price == Decimal("13000") and not product.active
    assert browser(users["sales_north"]).get("/settings/documents/products/").status_code == 403


def test_company_page_saves_all_or_nothing(admin_user, users):
    from leadbridge.documents.company import company_get, documents_settings_get

    admin = browser(admin_user)
    good = {
        "name": "Dodavatel s.r.o.",
        "vat_id": "CZ12345678",
        "country": "CZ",
        "iban": "CZ65 0800 0000 1920 0014 5399",
        "quote_pattern": "Q{yy}-{seq:03d}",
        "proforma_pattern": "ZF-{year}-{seq:04d}",
        "quote_valid_days": "30",
        "proforma_due_days": "7",
    }
    bad = {**good, "name": "Jiný název", "iban": "CZ00 1234", "quote_pattern": "NAB"}
    r = admin.post("/settings/documents/company/", bad)
    assert r.status_code == 422
    body = r.content.decode()
    assert "Not a valid IBAN." in body and 'value="Jiný název"' in body
    assert company_get()["name"] == "" and documents_settings_get()["quote_valid_days"] == 14
    r = admin.post("/settings/documents/company/", good)
    assert r.status_code == 302
    assert company_get()["iban"] == "CZ6508000000192000145399"
    assert documents_settings_get()["quote_pattern"] == "Q{yy}-{seq:03d}"
    assert documents_settings_get()["quote_valid_days"] == 30
    assert browser(users["sales_north"]).get("/settings/documents/company/").status_code == 403


@pytest.mark.parametrize(
    ("language", "shown", "django_own"),
    [("pl", "02.03.2026", "02-03-2026"), ("vi", "02/03/2026", "02-03-2026"),
     ("cs", "2. 3. 2026", "02.03.2026")],
)  # fmt: skip
def test_the_tab_shows_the_issue_date_as_the_language_writes_it(
    users, north_lead, language, shown, django_own
):
    """leadbridge.formats: Polish d.m.Y, Vietnamese d/m/Y, Czech j. n. Y (Django: d-m-Y)."""
    client = browser(users["sales_north"], language)
    assert new_quote(client, north_lead, TWO_LINES).status_code == 302
    body = tab(client, "lead", north_lead.pk).content.decode()
    assert f"<td>{shown}</td>" in body
    assert django_own not in body
