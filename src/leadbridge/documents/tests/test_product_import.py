"""Products through the import: a CSV in Czech with a decimal comma, an XLSX with number
cells, updates by code, refused rows listed with line and field, administrators only."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leadbridge.conftest import api_for
from leadbridge.documents.models import Product

pytestmark = pytest.mark.django_db


def upload(api, name, content, record_type="product"):
    return api.client.post(
        f"/api/imports/records/{record_type}", {"file": SimpleUploadedFile(name, content)}
    )


def test_czech_csv_with_decimal_commas_and_updates_by_code(admin_api):
    Product.objects.create(name="Stará konzultace", code="KONZ", unit_price="900", vat_rate="21")
    csv = (
        "Název;Kód;Jednotka;Cena za MJ;Měna;Sazba DPH;Aktivní;Poznámka\n"
        "Konzultace;KONZ;h;1 250,50;CZK;21 %;ano;x\n"
        "Příručka;BOOK;ks;349;czk;12;ne;\n"
        ";BAD;ks;10;CZK;21;;\n"
        "Drahé;EXP;ks;abc;CZK;150;;\n"
        "Znovu;BOOK;ks;1;CZK;0;;\n"
    ).encode("cp1250")
    r = upload(admin_api, "cenik.csv", csv)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["columns"] == [
        "name", "code", "unit", "unit_price", "currency", "vat_rate", "active", "",
    ]  # fmt: skip
    assert (body["created"], body["updated"], body["rows"]) == (1, 1, 5)
    assert {(e["line"], e["field"]) for e in body["errors"]} == {
        (4, "name"), (5, "unit_price"), (5, "vat_rate"), (6, "code"),
    }  # fmt: skip
    konz = Product.objects.get(code="KONZ")
    assert (konz.name, str(konz.unit_price), str(konz.vat_rate), konz.unit) == (
        "Konzultace", "1250.5000", "21.00", "h",
    )  # fmt: skip
    assert konz.version == 2
    book = Product.objects.get(code="BOOK")
    assert (book.currency, book.active, str(book.unit_price)) == ("CZK", False, "349.0000")
    assert Product.objects.count() == 2


def test_xlsx_with_number_cells(admin_api):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "code", "unit_price", "vat_rate", "currency"])
    sheet.append(["Licence", "LIC", 4990.9, 21, "EUR"])
    sheet.append(["Hodina", None, 55, 23, "EUR"])
    data = io.BytesIO()
    book.save(data)
    r = upload(admin_api, "products.xlsx", data.getvalue())
    assert r.status_code == 200, r.content
    assert r.json()["created"] == 2 and r.json()["errors"] == []
    assert str(Product.objects.get(code="LIC").unit_price) == "4990.9000"
    assert Product.objects.get(name="Hodina").code == ""


def test_refusals(admin_api, users):
    r = upload(admin_api, "x.csv", b"code;unit\nA;ks\n")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    r = upload(admin_api, "x.csv", b"name\nA\n", record_type="spaceship")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "record_type"
    sales = api_for(users["sales_north"])
    r = upload(sales, "x.csv", b"name;unit_price;vat_rate\nA;1;21\n")
    assert r.status_code == 403
    assert Product.objects.count() == 0
