"""The quote / pro-forma PDF, read back with poppler's pdftotext: in each of the six languages
it carries the number, the customer's name and the totals formatted in that language; the
reverse-charge note, the payment block and QR where they apply; long documents go on to a
second page with the table's header repeated; what a customer typed is printed, never run or
fetched."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import translation
from django.utils.translation import gettext

from leadbridge.documents.pdf import css_string, document_language, pdf_filename, render_pdf

from .pdf_samples import CUSTOMERS, make_document

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) missing"),
]

SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, every run of spaces (no-break ones too) as one space."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return SPACES.sub(" ", out)


def pages(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    return int(re.search(rb"Pages:\s+(\d+)", info).group(1))


def flat(text: str) -> str:
    return SPACES.sub(" ", text)


# language -> (kind, currency, reverse charge, base, VAT, total), the amounts as that language
# writes them. The sample's lines: 3 × 4 990.00 − 10 % and 6.5 h × 1 200.00 at 21 %
# (21 273.00, VAT 4 467.33), 2 × 349.90 at 12 % (699.80, VAT 83.98), 99.00 at 0 %.
CASES = {
    "cs": ("proforma", "CZK", False, "22 071,80 Kč", "4 551,31 Kč", "26 623,11 Kč"),
    "sk": ("proforma", "EUR", False, "22 071,80 €", "4 551,31 €", "26 623,11 €"),
    "pl": ("quote", "PLN", False, "22 071,80 zł", "4 551,31 zł", "26 623,11 zł"),
    "lt": ("proforma", "EUR", False, "22 071,80 €", "4 551,31 €", "26 623,11 €"),
    "vi": ("quote", "USD", False, "22.071,80 US$", "4.551,31 US$", "26.623,11 US$"),
    "en": ("proforma", "EUR", True, "€22,071.80", "€0.00", "€22,071.80"),
}


@pytest.mark.parametrize("lang", list(CASES))
def test_the_pdf_in_each_language_has_the_number_customer_and_totals(lang):
    kind, currency, reverse, base, vat, gross = CASES[lang]
    number = f"{'ZF' if kind == 'proforma' else 'NAB'}-2026-{len(lang) * 7}{ord(lang[0])}"
    document = make_document(
        kind=kind, number=number, language=lang, currency=currency, reverse_charge=reverse
    )
    pdf = render_pdf(document)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert number in text
    assert CUSTOMERS[lang] in text  # č ů ď ľ ż ó ł ą ė š đ ở ộ: the font has them all
    assert f"{flat(base)} " in text and f"{flat(gross)}" in text
    assert flat(vat) in text
    with translation.override(lang):
        title = gettext("Pro-forma invoice" if kind == "proforma" else "Quote")
        assert title in text  # the labels are the document language's
        valid = gettext("Due date" if kind == "proforma" else "Valid until")
        assert valid in text
    # The dates in the language's own format (3 December 2026).
    expected_date = {
        "cs": "3. 12. 2026",
        "sk": "3. 12. 2026",
        "pl": "03.12.2026",  # leadbridge.formats.pl (Django's own: 03-12-2026)
        "lt": "2026-12-03",
        "vi": "03/12/2026",  # leadbridge.formats.vi (Django's own: 03-12-2026)
        "en": "12/03/2026",
    }[lang]
    assert expected_date in text, text[:400]


def test_the_vat_breakdown_and_the_reverse_charge_note():
    note = "Article 196 of Council Directive 2006/112/EC"
    domestic = pdf_text(render_pdf(make_document(number="ZF-2026-0101", language="en")))
    assert note not in domestic
    # One row per rate: rate, base, VAT, gross.
    assert "21% 21,273.00 4,467.33 25,740.33" in domestic
    assert "12% 699.80 83.98 783.78" in domestic
    assert "0% 99.00 0.00 99.00" in domestic

    reverse = pdf_text(
        render_pdf(make_document(number="ZF-2026-0102", language="en", reverse_charge=True))
    )
    assert note in reverse
    assert "21% 21,273.00 0.00 21,273.00" in reverse
    assert "SK2020317068" in reverse  # the customer's VAT id the note rests on


def test_a_proforma_has_the_payment_block_and_qr_a_quote_has_neither():
    proforma = pdf_text(render_pdf(make_document(number="ZF-2026-0201", language="en")))
    assert "CZ65 0800 0000 1920 0014 5399" in proforma  # the IBAN, in groups of four
    assert "Variable symbol 20260201" in proforma
    assert "QR Platba" in proforma  # the caption under the CZK code
    assert "A pro-forma invoice is not a tax document." in proforma

    eur = pdf_text(render_pdf(make_document(number="ZF-2026-0202", language="en", currency="EUR")))
    assert "SEPA payment QR" in eur
    cs = pdf_text(render_pdf(make_document(number="ZF-2026-0205", language="cs", currency="EUR")))
    assert "QR platba SEPA" in cs  # the caption in the document's language

    pln = pdf_text(render_pdf(make_document(number="ZF-2026-0203", language="en", currency="PLN")))
    assert "CZ65 0800" in pln and "QR Platba" not in pln and "SEPA payment QR" not in pln

    quote = pdf_text(render_pdf(make_document(kind="quote", number="NAB-2026-0204", language="en")))
    assert "Valid until" in quote and "12/17/2026" in quote
    assert "Variable symbol" not in quote and "CZ65 0800" not in quote
    assert "QR Platba" not in quote


def test_a_paid_proforma_is_stamped_and_asks_for_no_payment():
    paid = pdf_text(render_pdf(make_document(number="ZF-2026-0250", language="en", status="paid")))
    assert "ZF-2026-0250" in paid and "paid" in paid.lower().split("zf-2026-0250")[1][:40]
    assert "QR Platba" not in paid  # no code to pay a paid invoice again
    assert "CZ65 0800 0000 1920 0014 5399" in paid  # the bank details stay on the record


def test_a_bad_iban_in_an_old_snapshot_leaves_the_qr_out_not_the_pdf():
    from .pdf_samples import SUPPLIER

    broken = dict(SUPPLIER, iban="CZ6508000000192000145398")
    text = pdf_text(render_pdf(make_document(number="ZF-2026-0301", supplier=broken)))
    assert "ZF-2026-0301" in text and "QR Platba" not in text


def test_a_long_document_runs_on_with_the_header_repeated():
    lines = [(f"Položka číslo {i}", "1", "ks", "10.00", "0", "21") for i in range(1, 61)]
    pdf = render_pdf(make_document(number="ZF-2026-0401", language="en", lines=lines))
    count = pages(pdf)
    assert count >= 2
    text = pdf_text(pdf)
    assert text.count("Amount excl. VAT") == count  # the lines' header on every page
    assert f"Page {count} / {count}" in text
    assert "Položka číslo 60" in text and "€" not in text  # CZK, English: "CZK 726.00"
    assert "CZK 726.00" in text  # 60 × 10.00 + 21 %


def test_what_the_customer_typed_is_printed_and_nothing_is_fetched():
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        from .pdf_samples import SUPPLIER

        document = make_document(
            number="ZF-2026-0501",
            language="en",
            customer_name=f'<img src="{url}/n"> & "Sons" </b>',
            supplier=dict(SUPPLIER, logo=f"{url}/logo.png", name='Evil" } body { x: "'),
            lines=[(f'<link rel="stylesheet" href="{url}/x.css">Text', "1", "", "1", "0", "0")],
        )
        text = pdf_text(render_pdf(document))
        # An SVG logo (a data: URL, as the settings keep it) that points out of itself.
        svg = f'<svg xmlns="http://www.w3.org/2000/svg"><image href="{url}/in-svg.png"/></svg>'
        logo = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
        render_pdf(make_document(number="ZF-2026-0502", supplier=dict(SUPPLIER, logo=logo)))
    finally:
        server.shutdown()
    assert hits == []
    # Long words may wrap in the narrow blocks: compared without the spaces.
    compact = text.replace(" ", "")
    assert f'<imgsrc="{url}/n">&"Sons"</b>' in compact
    assert f'<linkrel="stylesheet"href="{url}/x.css">Text' in compact
    assert 'Evil" } body { x: "' in text  # in the page footer, as a CSS string


def test_the_language_chosen_and_the_file_name():
    document = make_document(number="ZF/2026 0601", language="pl")
    assert document_language(document) == "pl"
    assert document_language(document, "vi") == "vi"
    assert document_language(document, "xx") == "pl"
    document.language = ""
    assert document_language(document) == "en"  # the test settings' LANGUAGE_CODE
    text = pdf_text(render_pdf(document, lang="cs"))
    assert "26 623,11 Kč" in flat(text)
    assert pdf_filename(document) == "ZF-2026-0601.pdf"


def test_css_string_escapes_what_would_end_the_string_or_the_style():
    assert css_string('a"b') == '"a\\22 b"'
    assert css_string("</style>") == '"\\3c /style\\3e "'
    assert css_string("x\\y\n") == '"x\\5c y\\a "'
