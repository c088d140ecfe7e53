"""The price list's import on its settings page: a Czech CSV with one bad row imports the good
rows and names the bad one by its line; an XLSX; a file without the needed columns, no file,
and a user who is not an administrator."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from leadbridge.documents.models import Product

pytestmark = pytest.mark.django_db

URL = "/settings/documents/products/"

CSV = (
    "Název;Kód;Jednotka;Cena za MJ;Měna;Sazba DPH\n"
    "Konzultace;KONZ;h;1 250,50;CZK;21 %\n"
    "Příručka;BOOK;ks;tři sta;CZK;12\n"  # line 3: the price is no number
    "Školení;SKOL;den;12 500;CZK;21\n"
).encode("cp1250")


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def send(client: Client, name: str, content: bytes | None):
    data: dict = {"action": "import"}
    if content is not None:
        data["file"] = SimpleUploadedFile(name, content)
    return client.post(URL, data)


def test_a_csv_with_one_bad_row(admin_user):
    admin = browser(admin_user)
    page = admin.get(URL).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="file"' in page
    response = send(admin, "cenik.csv", CSV)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Imported: 2 new, 0 updated." in body
    errors = re.search(r'data-testid="product-import-errors">(.*?)</table>', body, re.S)
    assert errors, body
    rows = re.findall(r'<tr data-line="(\d+)"><td>\d+</td><td>([^<]*)</td>', errors.group(1))
    assert rows == [("3", "Unit price")]
    saved = {p.code: (p.name, p.unit_price, p.vat_rate) for p in Product.objects.all()}
    assert saved == {
        "KONZ": ("Konzultace", Decimal("1250.5000"), Decimal("21.00")),
        "SKOL": ("Školení", Decimal("12500.0000"), Decimal("21.00")),
    }
    # The imported products are listed on the page (read back after a reload).
    listed = admin.get(URL).content.decode()
    assert 'value="Konzultace"' in listed and 'value="Školení"' in listed
    assert "Příručka" not in listed


def test_an_xlsx_updates_by_code(admin_user):
    Product.objects.create(
        name="Stará", code="KONZ", unit="h", unit_price=Decimal("1"), currency="CZK",
        vat_rate=Decimal("21"),
    )  # fmt: skip
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "code", "unit_price", "vat_rate", "currency"])
    sheet.append(["Konzultace senior", "KONZ", 1890.5, 21, "CZK"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = send(browser(admin_user), "cenik.xlsx", buffer.getvalue())
    assert response.status_code == 200
    assert "Imported: 0 new, 1 updated." in response.content.decode()
    product = Product.objects.get()
    assert (product.name, product.unit_price) == ("Konzultace senior", Decimal("1890.5000"))


def test_refusals(admin_user, users):
    admin = browser(admin_user)
    response = send(admin, "x.csv", b"code;unit\nA;ks\n")
    assert response.status_code == 422
    body = response.content.decode()
    assert 'data-testid="errors"' in body and "No column for name" in body
    response = send(admin, "x.csv", None)
    assert response.status_code == 422 and "Choose a file to import." in response.content.decode()
    response = send(browser(users["sales_north"]), "x.csv", b"name;unit_price;vat_rate\nA;1;21\n")
    assert response.status_code == 403
    assert Product.objects.count() == 0
