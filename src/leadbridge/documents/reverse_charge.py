"""Reverse charge: an EU business customer in another member state, with a VAT id VIES
confirms, accounts for the VAT itself (Council Directive 2006/112/EC, art. 196), so the
document shows no VAT and carries the legal note.

The check goes through the registry app's VIES provider (its cache and its errors): the
answer is stored on the document (`vat_check`) as the evidence the supplier must keep.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from leadbridge.registry.providers import Vies, registry_lookup

REVERSE_CHARGE_NOTE = gettext_lazy(
    "Reverse charge: VAT to be accounted for by the customer "
    "(Article 196 of Council Directive 2006/112/EC)."
)
EU_PREFIXES = frozenset(Vies.countries) | {"GR"}


def compact_vat_id(vat_id: str) -> str:
    return re.sub(r"[\s.\-]", "", vat_id or "").upper()


def vat_country(vat_id: str, fallback: str = "") -> str:
    """The member state of a VAT id: its prefix (EL is Greece), else the fallback."""
    value = compact_vat_id(vat_id)
    prefix = value[:2] if value[:2].isalpha() else (fallback or "").upper()
    return "GR" if prefix == "EL" else prefix


def is_cross_border(supplier: dict, customer: dict) -> bool:
    """The customer's VAT id is of another EU member state than the supplier's."""
    theirs = vat_country(customer.get("vat_id", ""), customer.get("country", ""))
    ours = vat_country(supplier.get("vat_id", ""), supplier.get("country", ""))
    return bool(theirs and ours) and theirs != ours and theirs in EU_PREFIXES


def check_vat_id(vat_id: str, country: str = "") -> dict[str, Any]:
    """Ask VIES; {vat_id, valid, name, checked_at, source}. Raises `RegistryUnavailable`
    (503) when VIES cannot answer and a field error (422 at `q`) for a malformed number."""
    value = compact_vat_id(vat_id)
    answer = registry_lookup(country=vat_country(value, country), q=value, provider="vies")
    results = answer.get("results") or []
    return {
        "vat_id": value,
        "valid": bool(results),
        "name": results[0].get("name", "") if results else "",
        "checked_at": timezone.now().isoformat(),
        "source": "vies",
    }
