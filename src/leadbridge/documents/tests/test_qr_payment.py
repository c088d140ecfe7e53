"""The pro-forma's payment QR: the payloads parse back (with parsers written from the specs, not
from the builder) to the amount, currency, account and variable symbol; bad IBANs are refused;
and the code printed on the PDF scans back (zxing-cpp) to the same payload."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest

from leadbridge.documents.payment_qr import (
    EPC,
    SPD,
    PaymentQRError,
    epc_payload,
    payment_qr,
    spd_payload,
    variable_symbol,
)

# Real-format test accounts (the check digits are right): a Czech one and an Austrian one.
CZ_IBAN = "CZ65 0800 0000 1920 0014 5399"
AT_IBAN = "AT61 1904 3002 3457 3201"


def mod97_ok(iban: str) -> bool:
    """ISO 13616 check, written out: move the first four characters to the end, letters to
    numbers (A=10 … Z=35), and the whole must leave 1 when divided by 97."""
    compact = iban.replace(" ", "").upper()
    moved = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in moved)
    return int(digits) % 97 == 1


def parse_spd(payload: str) -> dict[str, str]:
    """QR Platba: 'SPD*1.0*KEY:value*KEY:value…'."""
    head, version, *pairs = payload.split("*")
    assert (head, version) == ("SPD", "1.0")
    fields = {}
    for pair in pairs:
        key, _, value = pair.partition(":")
        assert key and key not in fields, pair
        fields[key] = value
    return fields


def parse_epc(payload: str) -> dict[str, str]:
    """EPC069-12: fixed lines, LF-separated; trailing empty ones may be missing."""
    names = [
        "service",
        "version",
        "charset",
        "identification",
        "bic",
        "name",
        "iban",
        "amount",
        "purpose",
        "reference",
        "text",
    ]
    lines = payload.split("\n")
    assert len(lines) <= len(names)
    fields = dict(zip(names, lines + [""] * (len(names) - len(lines)), strict=True))
    assert fields["service"] == "BCD" and fields["version"] in ("001", "002")
    assert fields["charset"] == "1" and fields["identification"] == "SCT"
    assert fields["amount"].startswith("EUR")
    assert len(payload.encode()) <= 331
    return fields


def test_variable_symbol_is_the_digits_of_the_number():
    assert variable_symbol("ZF-2026-0001") == "20260001"
    assert variable_symbol("ZF-2026-0042") == "20260042"
    assert variable_symbol("0007/2026") == "00072026"  # leading zeros kept (banks ignore them)
    # More than ten digits: the last ten (the running number and the end of the year).
    assert variable_symbol("PF-2026-12345678901") == "2345678901"
    assert variable_symbol("INV-2026-123456789012") == "3456789012"
    assert len(variable_symbol("X-99999-99999-99999")) == 10
    assert variable_symbol("DRAFT") == ""


def test_spd_payload_parses_to_the_amount_currency_account_and_vs():
    payload = spd_payload(
        iban=CZ_IBAN,
        amount=Decimal("12100.5"),
        vs="20260001",
        recipient="Dodavatel s.r.o.",
        message="Zálohová faktura ZF-2026-0001",
        due=date(2026, 12, 31),
    )
    fields = parse_spd(payload)
    assert Decimal(fields["AM"]) == Decimal("12100.50")
    assert fields["AM"] == "12100.50"  # two decimals, a dot
    assert fields["CC"] == "CZK"
    assert fields["ACC"] == "CZ6508000000192000145399"
    assert mod97_ok(fields["ACC"])
    assert fields["X-VS"] == "20260001"
    assert fields["DT"] == "20261231"
    assert fields["RN"] == "Dodavatel s.r.o."
    # Diacritics transliterated for old readers; the document number is kept.
    assert fields["MSG"] == "Zalohova faktura ZF-2026-0001"


def test_spd_escapes_the_separator_and_bounds_lengths():
    fields = parse_spd(
        spd_payload(
            iban=CZ_IBAN,
            amount=Decimal("1"),
            recipient="A*B " + "x" * 100,
            message="*" * 10 + "m" * 100,
            bic="GIBACZPX",
        )
    )
    assert "*" not in fields["RN"] and len(fields["RN"]) <= 35
    assert len(fields["MSG"]) <= 60
    assert fields["ACC"] == "CZ6508000000192000145399+GIBACZPX"
    assert fields["AM"] == "1.00"


def test_epc_payload_parses_to_the_amount_and_account():
    fields = parse_epc(
        epc_payload(
            iban=AT_IBAN,
            bic="BKAUATWW",
            amount=Decimal("1234.5"),
            name="Dodávateľ s.r.o.",
            remittance="ZF-2026-0002 VS 20260002",
        )
    )
    assert fields["amount"] == "EUR1234.50"
    assert Decimal(fields["amount"][3:]) == Decimal("1234.50")
    assert fields["iban"] == "AT611904300234573201" and mod97_ok(fields["iban"])
    assert fields["bic"] == "BKAUATWW"
    assert fields["name"] == "Dodávateľ s.r.o."  # UTF-8 (charset 1) keeps the accents
    assert fields["text"] == "ZF-2026-0002 VS 20260002"


@pytest.mark.parametrize(
    "bad", ["CZ65 0800 0000 1920 0014 5398", "CZ00", "", "not an iban", "DE89370400440532013001"]
)
def test_a_bad_iban_is_refused(bad):
    assert not mod97_ok(CZ_IBAN[:-1] + "8")  # the written-out check agrees: one digit off
    with pytest.raises(PaymentQRError):
        spd_payload(iban=bad, amount=Decimal("10"))
    with pytest.raises(PaymentQRError):
        epc_payload(iban=bad, amount=Decimal("10"), name="X")


def test_a_bad_bic_and_amounts_out_of_range_are_refused():
    with pytest.raises(PaymentQRError):
        epc_payload(iban=AT_IBAN, bic="NOTABIC!", amount=Decimal("10"), name="X")
    with pytest.raises(PaymentQRError):
        spd_payload(iban=CZ_IBAN, amount=Decimal("10000000.00"))
    with pytest.raises(PaymentQRError):
        epc_payload(iban=AT_IBAN, amount=Decimal("0.001"), name="X")


def test_payment_qr_chooses_the_format_by_currency():
    czk = payment_qr(
        currency="CZK", iban=CZ_IBAN, amount=Decimal("605.00"), number="ZF-2026-0007", name="S"
    )
    assert czk is not None and czk.kind == SPD
    spd = parse_spd(czk.payload)
    assert (spd["AM"], spd["CC"], spd["X-VS"]) == ("605.00", "CZK", "20260007")

    eur = payment_qr(
        currency="eur", iban=AT_IBAN, amount=Decimal("99.99"), number="ZF-2026-0008", name="S"
    )
    assert eur is not None and eur.kind == EPC
    epc = parse_epc(eur.payload)
    assert (epc["amount"], epc["iban"]) == ("EUR99.99", "AT611904300234573201")
    assert "20260008" in epc["text"]

    assert (
        payment_qr(currency="PLN", iban=CZ_IBAN, amount=Decimal("1"), number="1", name="S") is None
    )
    assert payment_qr(currency="CZK", iban="", amount=Decimal("1"), number="1", name="S") is None
    assert (
        payment_qr(currency="CZK", iban=CZ_IBAN, amount=Decimal("0"), number="1", name="S") is None
    )


def test_the_qr_image_is_an_svg_and_a_png():
    qr = payment_qr(
        currency="CZK", iban=CZ_IBAN, amount=Decimal("605.00"), number="ZF-2026-0007", name="S"
    )
    assert qr is not None
    assert qr.svg_data_uri().startswith("data:image/svg+xml")
    assert qr.png_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.django_db
@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils (pdftoppm) missing")
@pytest.mark.parametrize("currency", ["CZK", "EUR"])
def test_the_qr_printed_on_the_pdf_scans_to_the_amount_account_and_vs(currency, tmp_path):
    """End to end: the pro-forma's PDF page as an image, the QR found and decoded by zxing-cpp
    (as a banking app would), and its payload parsed back."""
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    from leadbridge.documents.pdf import render_pdf

    from .pdf_samples import make_document

    document = make_document(number="ZF-2026-0077", currency=currency, variable_symbol="20260077")
    (tmp_path / "d.pdf").write_bytes(render_pdf(document))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-singlefile", tmp_path / "d.pdf", tmp_path / "page"],
        check=True,
    )
    [code] = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    assert document.total_gross == Decimal("26623.11")
    if currency == "CZK":
        fields = parse_spd(code.text)
        assert (fields["AM"], fields["CC"], fields["X-VS"]) == ("26623.11", "CZK", "20260077")
        assert fields["ACC"].split("+")[0] == "CZ6508000000192000145399"
    else:
        fields = parse_epc(code.text)
        assert fields["amount"] == "EUR26623.11" and fields["iban"] == "CZ6508000000192000145399"
        assert fields["text"] == "ZF-2026-0077 VS 20260077"
