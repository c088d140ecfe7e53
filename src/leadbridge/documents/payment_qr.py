"""The payment QR code printed on a pro-forma invoice, so the customer's banking app fills the
transfer in: Czech "QR Platba" (Short Payment Descriptor, SPD 1.0) for CZK, the European
Payments Council's SEPA credit transfer QR (EPC069-12, version 002) for EUR; none otherwise,
because no bank reads either format for other currencies.

Both formats are built here field by field (a few lines each, per their published specs) and
drawn by segno, a maintained QR encoder. The variable symbol is the digits of the document's
number (see `variable_symbol`), which is also what the PDF prints beside the bank account.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import segno
from anyascii import anyascii
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError

SPD = "spd"
EPC = "epc"

# Limits from the specs: SPD's AM is at most 10 characters ("9999999.99"), MSG 60, RN 35,
# X-VS 10 digits; EPC's amount is EUR 0.01–999 999 999.99, the name 70, the remittance 140.
_SPD_MAX_AMOUNT = Decimal("9999999.99")
_EPC_MAX_AMOUNT = Decimal("999999999.99")
_VS_DIGITS = 10


class PaymentQRError(ValueError):
    """The supplier's bank details cannot make a payment QR (a bad IBAN or BIC)."""


@dataclass(frozen=True)
class PaymentQR:
    kind: str  # SPD or EPC
    payload: str

    def svg_data_uri(self, scale: int = 4) -> str:
        """The QR code as an SVG data: URI for an <img> (vector, sharp in print)."""
        return _qr(self.payload).svg_data_uri(scale=scale, border=2)

    def png_bytes(self, scale: int = 4) -> bytes:
        buffer = io.BytesIO()
        _qr(self.payload).save(buffer, kind="png", scale=scale, border=2)
        return buffer.getvalue()


def _qr(payload: str) -> Any:
    # Error correction M is what both specs ask for; UTF-8 in byte mode for EPC's names
    # ("1" in its third line), plain ASCII for SPD after the diacritics are removed.
    return segno.make(payload, error="m", micro=False, encoding="utf-8")


def variable_symbol(number: str) -> str:
    """The variable symbol of a document: the digits of its number, in order, the last ten if
    there are more (a variable symbol has at most ten digits). The same rule as the one
    `services.document_create` stores in `Document.variable_symbol`, which the PDF prefers.

    'ZF-2026-0001' -> '20260001'; a number without digits has none ('').
    """
    return re.sub(r"\D", "", number or "")[-_VS_DIGITS:]


def clean_iban(value: str) -> str:
    """The IBAN in its compact form, or PaymentQRError when the check digits are wrong."""
    try:
        return str(stdnum_iban.validate(value or ""))
    except ValidationError as exc:
        raise PaymentQRError(f"IBAN: {exc}") from exc


def clean_bic(value: str) -> str:
    if not (value or "").strip():
        return ""
    try:
        return str(stdnum_bic.validate(value))
    except ValidationError as exc:
        raise PaymentQRError(f"BIC: {exc}") from exc


def _amount(value: Decimal | str | int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _spd_text(value: str, limit: int) -> str:
    # SPD separates fields with '*'; its value characters are safest as plain ASCII (older
    # Czech banking apps read ISO-8859-1 only), so diacritics are transliterated.
    text = anyascii(value or "").replace("*", " ")
    return " ".join(text.split())[:limit].strip()


def spd_payload(
    *,
    iban: str,
    amount: Decimal,
    currency: str = "CZK",
    bic: str = "",
    vs: str = "",
    message: str = "",
    recipient: str = "",
    due: date | None = None,
) -> str:
    """'SPD*1.0*ACC:CZ…*AM:1234.50*CC:CZK*DT:20261231*X-VS:20260001*RN:…*MSG:…' (QR Platba)."""
    account = clean_iban(iban)
    bic = clean_bic(bic)
    value = _amount(amount)
    if not (Decimal("0") < value <= _SPD_MAX_AMOUNT):
        raise PaymentQRError("amount out of range for QR Platba")
    fields = [
        "SPD",
        "1.0",
        f"ACC:{account}{'+' + bic if bic else ''}",
        f"AM:{value:f}",
        f"CC:{currency.upper()}",
    ]
    if due:
        fields.append(f"DT:{due:%Y%m%d}")
    if vs_digits := re.sub(r"\D", "", vs)[:_VS_DIGITS]:
        fields.append(f"X-VS:{vs_digits}")
    if name := _spd_text(recipient, 35):
        fields.append(f"RN:{name}")
    if text := _spd_text(message, 60):
        fields.append(f"MSG:{text}")
    return "*".join(fields)


def epc_payload(
    *,
    iban: str,
    amount: Decimal,
    name: str,
    bic: str = "",
    remittance: str = "",
) -> str:
    """The EPC069-12 (version 002) SEPA credit transfer payload, lines joined by LF:
    BCD / 002 / 1 (UTF-8) / SCT / BIC / name / IBAN / EUR<amount> / purpose / reference /
    unstructured remittance. Trailing empty lines are left out, as the spec allows."""
    account = clean_iban(iban)
    bic = clean_bic(bic)
    value = _amount(amount)
    if not (Decimal("0.01") <= value <= _EPC_MAX_AMOUNT):
        raise PaymentQRError("amount out of range for an EPC QR")
    beneficiary = " ".join((name or "").split())[:70]
    if not beneficiary:
        raise PaymentQRError("the beneficiary's name is required")
    lines = [
        "BCD",
        "002",
        "1",
        "SCT",
        bic,
        beneficiary,
        account,
        f"EUR{value:f}",
        "",  # purpose code: none
        "",  # structured creditor reference: none (the remittance text carries the VS)
        " ".join((remittance or "").split())[:140],
    ]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def payment_qr(
    *,
    currency: str,
    iban: str,
    amount: Decimal,
    number: str,
    name: str,
    bic: str = "",
    due: date | None = None,
    vs: str | None = None,
) -> PaymentQR | None:
    """The payment QR of a pro-forma: SPD for CZK, EPC for EUR, None for other currencies,
    an amount of zero or no bank account. A malformed IBAN / BIC raises PaymentQRError.
    `vs`: the document's variable symbol; by default the one `number` gives."""
    currency = (currency or "").upper()
    if currency not in ("CZK", "EUR") or not (iban or "").strip():
        return None
    if _amount(amount) <= 0:
        return None
    vs = variable_symbol(number) if vs is None else vs
    if currency == "CZK":
        payload = spd_payload(
            iban=iban,
            bic=bic,
            amount=amount,
            currency="CZK",
            vs=vs,
            due=due,
            recipient=name,
            message=number,
        )
        return PaymentQR(SPD, payload)
    remittance = f"{number} VS {vs}" if vs else number
    return PaymentQR(
        EPC, epc_payload(iban=iban, bic=bic, amount=amount, name=name, remittance=remittance)
    )
