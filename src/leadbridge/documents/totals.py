"""Document totals: the amounts per VAT rate and in all, in `Decimal` only (no float ever).

The rule Leadbridge applies; it matches how Czech, Slovak, Polish and Lithuanian invoices are
usually totalled (a base and a VAT amount stated for each rate, as the EU VAT Directive
2006/112/EC, article 226, asks the taxable amount per rate of every invoice):

1. A line's base is quantity × unit price × (1 − discount % / 100), rounded half-up to
   0.01 (`line_base`).
2. For each VAT rate, the base is the sum of the bases of the lines at that rate, and the
   VAT is that sum × rate / 100, rounded **once**, half-up to 0.01 — not the sum of VAT
   rounded line by line. Polish law says it in so many words (ustawa o VAT, art. 106e ust. 1
   pkt 14: the tax on the sum of the net values, per rate; ust. 11: rounded to the full
   grosz, under half a grosz dropped, half a grosz and more rounded up).
3. The gross per rate is base + VAT; the totals are the sums of the per-rate amounts.
4. Reverse charge (an EU business customer with a valid VAT id): the customer accounts for
   the VAT, so the VAT of every rate is 0 and the gross equals the base; the rates stay listed.

Example: three lines of 0.50 at 21 % — VAT per line would be 3 × 0.11 = 0.33; per rate it is
1.50 × 0.21 = 0.315 → 0.32, the amount on the invoice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


def to_decimal(value: Any) -> Decimal:
    """A Decimal from a Decimal, int or string; a float is refused (it carries binary error)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError("money is Decimal: pass a string or a Decimal, not a float")
    return Decimal(str(value))


def money(value: Decimal) -> Decimal:
    """Rounded half-up to 0.01 (0.125 → 0.13, −0.125 → −0.13)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_base(quantity: Any, unit_price: Any, discount_percent: Any = 0) -> Decimal:
    q, p, d = to_decimal(quantity), to_decimal(unit_price), to_decimal(discount_percent or 0)
    return money(q * p * (HUNDRED - d) / HUNDRED)


@dataclass(frozen=True)
class RateTotal:
    rate: Decimal
    base: Decimal
    vat: Decimal
    gross: Decimal

    def as_dict(self) -> dict[str, str]:
        return {
            "rate": str(self.rate),
            "base": str(self.base),
            "vat": str(self.vat),
            "gross": str(self.gross),
        }


@dataclass(frozen=True)
class Totals:
    rates: list[RateTotal] = field(default_factory=list)
    base: Decimal = ZERO
    vat: Decimal = ZERO
    gross: Decimal = ZERO
    reverse_charge: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "rates": [r.as_dict() for r in self.rates],
            "base": str(self.base),
            "vat": str(self.vat),
            "gross": str(self.gross),
            "reverse_charge": self.reverse_charge,
        }


def _get(line: Any, name: str) -> Any:
    if isinstance(line, Mapping):
        return line.get(name)
    return getattr(line, name)


def normal_rate(value: Any) -> Decimal:
    """21, "21", "21.0" and Decimal("21.00") are one rate."""
    return to_decimal(value).quantize(CENT)


def compute_totals(lines: Iterable[Any], *, reverse_charge: bool = False) -> Totals:
    """Totals per rate (highest rate first) and in all, by the rule in the module docstring.
    `lines` are objects or dicts with quantity, unit_price, discount_percent, vat_rate."""
    bases: dict[Decimal, Decimal] = {}
    for line in lines:
        rate = normal_rate(_get(line, "vat_rate") or 0)
        base = line_base(
            _get(line, "quantity"), _get(line, "unit_price"), _get(line, "discount_percent")
        )
        bases[rate] = bases.get(rate, ZERO) + base
    rates = []
    for rate in sorted(bases, reverse=True):
        base = money(bases[rate])
        vat = ZERO if reverse_charge else money(base * rate / HUNDRED)
        rates.append(RateTotal(rate=rate, base=base, vat=vat, gross=base + vat))
    return Totals(
        rates=rates,
        base=sum((r.base for r in rates), ZERO),
        vat=sum((r.vat for r in rates), ZERO),
        gross=sum((r.gross for r in rates), ZERO),
        reverse_charge=reverse_charge,
    )


def document_totals(document: Any) -> Totals:
    return compute_totals(document.lines.all(), reverse_charge=document.reverse_charge)
