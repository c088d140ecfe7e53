"""A quote or pro-forma invoice as a PDF, in the document's language, laid out as Central
European invoices are: supplier and customer blocks, number and dates, the lines, the totals
per VAT rate and in all, the reverse-charge note, and for a pro-forma the bank account, the
variable symbol and a payment QR code.

Rendered by WeasyPrint from an HTML template (`templates/documents/pdf/document.html`). Every
value is formatted here, under the document's language (dates by Django's formats and the
project's `formats` package, money and numbers by Babel through `core.labels`), so the
template only lays out. WeasyPrint may fetch only `data:` URLs: the logo and the QR code are
embedded, and nothing a customer's name or a note contains can make the server fetch a URL.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal, format_percent
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from leadbridge.core.labels import babel_locale, money

from .models import Document, Kind, Status
from .payment_qr import SPD, PaymentQRError, payment_qr, variable_symbol
from .reverse_charge import REVERSE_CHARGE_NOTE
from .totals import document_totals

log = logging.getLogger(__name__)


def document_language(document: Document, lang: str | None = None) -> str:
    """`lang` if given, else the document's, else the site's; always one of LANGUAGES."""
    known = {code for code, _name in settings.LANGUAGES}
    for candidate in (lang, document.language, settings.LANGUAGE_CODE):
        if candidate and candidate in known:
            return candidate
    return "en"


def pdf_filename(document: Document) -> str:
    """'ZF-2026-0001.pdf': the number, with anything unsafe in a file name replaced."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in document.number)
    return f"{safe or 'document'}.pdf"


def render_pdf(document: Document, *, lang: str | None = None) -> bytes:
    """The document as a PDF (bytes), in `lang` or the document's language."""
    import weasyprint

    language = document_language(document, lang)
    with translation.override(language):
        html = render_to_string("documents/pdf/document.html", pdf_context(document, language))
    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",), timeout=5)
    return bytes(weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf())


# -- formatting (call these under translation.override) ------------------------------------


def format_date(value: Any) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _number(value: Any, pattern: str = "#,##0.00") -> str:
    if value in (None, ""):
        return ""
    return str(format_decimal(Decimal(str(value)), format=pattern, locale=babel_locale()))


def _rate(value: Any) -> str:
    """21 -> '21 %' (cs), '21%' (en); 10.5 -> '10,5 %': the locale's percent pattern (its
    spacing and sign), with up to two decimals."""
    locale = babel_locale()
    try:
        pattern = Locale.parse(locale).percent_formats[None].pattern
    except (UnknownLocaleError, ValueError, KeyError):
        pattern = "#,##0%"
    pattern = pattern.split(";")[0].replace("#,##0", "#,##0.##", 1)
    return str(format_percent(Decimal(str(value or 0)) / 100, format=pattern, locale=locale))


def _country(code: str) -> str:
    if not code:
        return ""
    try:
        return str(Locale.parse(babel_locale()).territories.get(code.upper(), code))
    except (UnknownLocaleError, ValueError):
        return code


def format_iban(value: str) -> str:
    compact = "".join((value or "").split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def css_string(value: str) -> str:
    """A CSS string literal for @page content: quotes, backslashes, line breaks and '<'
    escaped (the value sits inside a <style> element)."""
    out = []
    for ch in value:
        if ch in '"\\<>' or ord(ch) < 32:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return mark_safe('"' + "".join(out) + '"')  # noqa: S308 - every special character escaped


# -- the template's context ------------------------------------------------------------------


def _party(heading: str, data: dict, *, contact: list[str]) -> dict[str, Any]:
    city = " ".join(p for p in (data.get("postcode", ""), data.get("city", "")) if p)
    address = [
        line for line in (data.get("street", ""), city, _country(data.get("country", ""))) if line
    ]
    ids = [
        (label, data.get(key, ""))
        for key, label in (
            ("registration_number", _("Reg. no.")),
            ("vat_id", _("VAT ID")),
        )
        if data.get(key)
    ]
    return {
        "heading": heading,
        "name": data.get("name", ""),
        "address": address,
        "ids": ids,
        "contact": [c for c in contact if c],
    }


def _qr(document: Document, supplier: dict, vs: str, gross: Decimal) -> tuple[str, str]:
    """(image data URL, caption) of the payment QR, or ('', '') when it does not apply."""
    if document.kind != Kind.PROFORMA or document.status in (Status.PAID, Status.CANCELLED):
        return "", ""
    try:
        qr = payment_qr(
            currency=document.currency,
            iban=supplier.get("iban", ""),
            bic=supplier.get("bic", ""),
            amount=gross,
            number=document.number,
            name=supplier.get("name", ""),
            due=document.due_date,
            vs=vs,
        )
    except PaymentQRError as exc:
        # Company details are checked when saved; an old snapshot may still be wrong. The
        # PDF goes out without the code rather than not at all.
        log.warning("document %s: no payment QR (%s)", document.pk, exc)
        return "", ""
    if qr is None:
        return "", ""
    caption = _("QR Platba") if qr.kind == SPD else _("SEPA payment QR")
    return qr.svg_data_uri(scale=4), caption


def pdf_context(document: Document, language: str) -> dict[str, Any]:
    supplier = dict(document.supplier or {})
    customer = dict(document.customer or {})
    currency = document.currency
    totals = document_totals(document)
    is_proforma = document.kind == Kind.PROFORMA
    vs = document.variable_symbol or variable_symbol(document.number)

    lines = list(document.lines.all())
    rows = [
        {
            "description": line.description,
            "code": line.product.code if line.product_id and line.product else "",
            "quantity": _number(line.quantity, "#,##0.###"),
            "unit": line.unit,
            "unit_price": _number(line.unit_price, "#,##0.00##"),
            "discount": _rate(line.discount_percent) if line.discount_percent else "",
            "vat_rate": _rate(line.vat_rate),
            "base": _number(line.base),
        }
        for line in lines
    ]

    facts = [(_("Issue date"), format_date(document.issue_date))]
    if is_proforma:
        facts.append((_("Due date"), format_date(document.due_date)))
        facts.append((_("Variable symbol"), vs))
    else:
        facts.append((_("Valid until"), format_date(document.valid_until)))
    facts.append((_("Currency"), currency))

    payment_rows: list[tuple[str, str]] = []
    qr_image, qr_caption = "", ""
    if is_proforma:
        if supplier.get("iban"):
            payment_rows.append((_("Bank account (IBAN)"), format_iban(supplier["iban"])))
        if supplier.get("bic"):
            payment_rows.append((_("BIC / SWIFT"), supplier["bic"]))
        if vs:
            payment_rows.append((_("Variable symbol"), vs))
        if document.due_date:
            payment_rows.append((_("Due date"), format_date(document.due_date)))
        payment_rows.append((_("Amount"), money(totals.gross, currency)))
        qr_image, qr_caption = _qr(document, supplier, vs, totals.gross)

    status_label = ""
    if document.status in (Status.PAID, Status.CANCELLED, Status.REJECTED):
        status_label = str(Status(document.status).label)

    title = _("Pro-forma invoice") if is_proforma else _("Quote")
    return {
        "lang": language,
        "title": title,
        "number": document.number,
        "status_label": status_label,
        "is_proforma": is_proforma,
        "supplier": {"name": supplier.get("name", ""), "logo": supplier.get("logo", "")},
        "parties": [
            _party(
                _("Supplier"),
                supplier,
                contact=[
                    supplier.get("email", ""),
                    supplier.get("phone", ""),
                    supplier.get("website", ""),
                ],
            ),
            _party(
                _("Customer"),
                customer,
                contact=[customer.get("contact_name", ""), customer.get("email", "")],
            ),
        ],
        "facts": facts,
        "lines": rows,
        "any_discount": any(line.discount_percent for line in lines),
        "vat_rows": [
            {
                "rate": _rate(r.rate),
                "base": _number(r.base),
                "vat": _number(r.vat),
                "gross": _number(r.gross),
            }
            for r in totals.rates
        ],
        "total_base": money(totals.base, currency),
        "total_vat": money(totals.vat, currency),
        "total_gross": money(totals.gross, currency),
        "reverse_charge_note": str(REVERSE_CHARGE_NOTE) if document.reverse_charge else "",
        "notes": document.notes,
        "payment_rows": payment_rows,
        "qr_image": qr_image,
        "qr_caption": qr_caption,
        "disclaimer": _("A pro-forma invoice is not a tax document.") if is_proforma else "",
        "footer_css": css_string(
            " · ".join(p for p in (supplier.get("name", ""), f"{title} {document.number}") if p)
        ),
        "page_css": css_string(_("Page")),
    }
