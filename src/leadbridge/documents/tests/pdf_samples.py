"""Sample documents for the PDF, QR and sending tests: a supplier with a logo and a bank
account, a customer with diacritics of all six languages' alphabets, lines at several VAT
rates and a discount. Saved through the ORM (the PDF reads a document, however it was made)."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal
from typing import Any

from leadbridge.documents.models import Document, DocumentLine
from leadbridge.documents.totals import document_totals, line_base

# A 2×1 PNG (one blue, one white pixel): a real image, decoded by WeasyPrint.
LOGO_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAEElEQVR4nGNgYPj/n4GBAQAGAAH/"
    "Ab1aPwAAAABJRU5ErkJggg=="
)
LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">'
    '<rect width="40" height="40" rx="8" fill="#1f4e79"/>'
    '<path d="M10 28 L20 12 L30 28 Z" fill="#fff"/>'
    '<text x="48" y="27" font-family="DejaVu Sans" font-size="16" fill="#1f4e79">Lumen</text>'
    "</svg>"
)

SUPPLIER = {
    "name": "Lumen Software s.r.o.",
    "registration_number": "27074358",
    "vat_id": "CZ27074358",
    "street": "Vinohradská 1511/230",
    "city": "Praha 10",
    "postcode": "100 00",
    "country": "CZ",
    "iban": "CZ6508000000192000145399",
    "bic": "GIBACZPX",
    "email": "fakturace@lumen.example",
    "phone": "+420 222 333 444",
    "website": "lumen.example",
    "logo": "data:image/svg+xml;base64," + base64.b64encode(LOGO_SVG.encode()).decode(),
}

# One customer per language, with the letters that need the fonts' full coverage.
CUSTOMERS = {
    "cs": "Žluťoučký kůň s.r.o.",
    "sk": "Ďatelina Ľubovňa s.r.o.",
    "pl": "Zażółć Gęślą Jaźń sp. z o.o.",
    "lt": "UAB Šaltėkšnių Ąžuolas",
    "vi": "Công ty TNHH Phở Hà Nội Đặc Biệt",
    "en": "Northwind Traders Ltd",
}

LINES = [
    # description, quantity, unit, unit price, discount %, VAT rate
    ("Licence Leadbridge Cloud – 12 měsíců", "3", "ks", "4990.00", "10", "21"),
    ("Zaškolení uživatelů", "6.5", "h", "1200.00", "0", "21"),
    ("Příručka (tištěná)", "2", "ks", "349.90", "0", "12"),
    ("Doprava", "1", "", "99.00", "0", "0"),
]


def make_document(
    *,
    kind: str = "proforma",
    number: str = "ZF-2026-0042",
    language: str = "cs",
    currency: str = "CZK",
    customer_name: str | None = None,
    reverse_charge: bool = False,
    lines: list[tuple[str, str, str, str, str, str]] | None = None,
    supplier: dict[str, Any] | None = None,
    **extra: Any,
) -> Document:
    document = Document.objects.create(
        kind=kind,
        number=number,
        record_type=extra.pop("record_type", "lead"),
        record_id=extra.pop("record_id", 1),
        language=language,
        issue_date=date(2026, 12, 3),
        valid_until=date(2026, 12, 17) if kind == "quote" else None,
        due_date=date(2026, 12, 17) if kind == "proforma" else None,
        currency=currency,
        supplier=dict(SUPPLIER if supplier is None else supplier),
        customer={
            "name": customer_name or CUSTOMERS[language],
            "registration_number": "45274649",
            "vat_id": "SK2020317068" if reverse_charge else "CZ45274649",
            "street": "Dlouhá 5",
            "city": "Brno",
            "postcode": "602 00",
            "country": "SK" if reverse_charge else "CZ",
            "email": "nakup@zakaznik.example",
            "contact_name": "Jana Nováková",
        },
        reverse_charge=reverse_charge,
        notes="Děkujeme za objednávku.\nPlatbu prosíme uhradit do data splatnosti.",
        **extra,
    )
    for position, (text, qty, unit, price, discount, rate) in enumerate(lines or LINES):
        DocumentLine.objects.create(
            document=document,
            position=position,
            description=text,
            quantity=Decimal(qty),
            unit=unit,
            unit_price=Decimal(price),
            discount_percent=Decimal(discount),
            vat_rate=Decimal(rate),
            base=line_base(qty, price, discount),
        )
    totals = document_totals(document)
    Document.objects.filter(pk=document.pk).update(
        total_base=totals.base, total_vat=totals.vat, total_gross=totals.gross
    )
    document.refresh_from_db()
    return document
