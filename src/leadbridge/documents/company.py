"""The supplier's details (company settings) and the documents' own settings.

They are runtime settings (`core.runtime_settings`, the `Setting` table), registered from
`apps.ready` so core imports nothing of this app. A document copies the company details into
its `supplier` snapshot when it is created; later edits here change only new documents.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError

from leadbridge.core.errors import Collector, field_error
from leadbridge.core.runtime_settings import get_setting, register_setting, set_setting

COMPANY_TEXT_FIELDS = {
    "name": 255,
    "registration_number": 64,
    "vat_id": 64,
    "street": 255,
    "city": 255,
    "postcode": 32,
    "country": 2,
    "iban": 42,
    "bic": 11,
    "email": 254,
    "phone": 64,
    "website": 500,
}
COMPANY_FIELDS = (*COMPANY_TEXT_FIELDS, "logo")
# A logo is kept as a data: URL in the setting and in each document's snapshot: bounded so a
# document row stays small (a 150 KB PNG is plenty for a print header).
LOGO_MAX_BYTES = 150_000
LOGO_TYPES = ("image/png", "image/jpeg", "image/svg+xml")

DEFAULT_PATTERNS = {"quote": "NAB-{year}-{seq:04d}", "proforma": "ZF-{year}-{seq:04d}"}
_PATTERN_FIELDS = re.compile(r"\{(\w+)(?::([^{}]*))?\}")
# A field's format: nothing, `d`, or a zero-padded width up to 12 (`04d`): no spec that
# makes a huge string or a float of the sequence.
_PATTERN_SPEC = re.compile(r"(0?(1[0-2]|[1-9]))?d?")


def empty_company() -> dict[str, str]:
    return {name: "" for name in COMPANY_FIELDS}


def clean_company(value: Any) -> dict[str, str]:
    """The company details as stored: every known key, strings within their lengths, the
    IBAN and BIC checked (their check digits) and compacted, the logo a small image."""
    if not isinstance(value, dict):
        raise field_error("company", _("Must be an object."))
    out = Collector()
    cleaned = empty_company()
    for key in value:
        if key not in COMPANY_FIELDS:
            out.add(f"company.{key}", _("Unknown field."))
    for key, limit in COMPANY_TEXT_FIELDS.items():
        raw = value.get(key, "")
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            out.add(f"company.{key}", _("Must be text."))
            continue
        raw = raw.strip()
        if len(raw) > limit:
            out.add(
                f"company.{key}",
                _("At most %(limit)s characters.") % {"limit": limit},
            )
            continue
        cleaned[key] = raw
    cleaned["country"] = cleaned["country"].upper()
    if cleaned["country"] and not re.fullmatch(r"[A-Z]{2}", cleaned["country"]):
        out.add("company.country", _("A two-letter country code (CZ, SK, PL, LT …)."))
    if cleaned["iban"]:
        try:
            cleaned["iban"] = stdnum_iban.validate(cleaned["iban"])
        except StdnumError:
            out.add("company.iban", _("Not a valid IBAN."))
    if cleaned["bic"]:
        try:
            cleaned["bic"] = stdnum_bic.validate(cleaned["bic"])
        except StdnumError:
            out.add("company.bic", _("Not a valid BIC."))
    cleaned["logo"] = _clean_logo(value.get("logo"), out)
    out.raise_if_any()
    return cleaned


def _clean_logo(raw: Any, out: Collector) -> str:
    if raw in (None, ""):
        return ""
    if not isinstance(raw, str) or len(raw) > LOGO_MAX_BYTES * 4 // 3 + 100:
        out.add("company.logo", _("The logo must be an image of at most 150 KB."))
        return ""
    match = re.fullmatch(r"data:([\w/+.-]+);base64,([A-Za-z0-9+/=\s]+)", raw)
    if not match or match.group(1) not in LOGO_TYPES:
        out.add("company.logo", _("The logo must be a PNG, JPEG or SVG image (a data: URL)."))
        return ""
    try:
        data = base64.b64decode(match.group(2), validate=False)
    except (binascii.Error, ValueError):
        out.add("company.logo", _("The logo is not valid base64."))
        return ""
    if len(data) > LOGO_MAX_BYTES:
        out.add("company.logo", _("The logo must be an image of at most 150 KB."))
        return ""
    return raw


def clean_pattern(value: Any) -> str:
    """A numbering pattern: text with `{seq}` (required, e.g. `{seq:04d}`) and optionally
    `{year}` (four digits) or `{yy}` (two); a formatted number must fit in 50 characters."""
    if not isinstance(value, str) or not value.strip():
        raise field_error("pattern", _("Enter a pattern with {seq}, e.g. NAB-{year}-{seq:04d}."))
    value = value.strip()
    if len(value) > 100:
        raise field_error("pattern", _("A number made with this pattern is too long."))
    fields = _PATTERN_FIELDS.findall(value)
    names = {name for name, _spec in fields}
    bad_spec = any(not _PATTERN_SPEC.fullmatch(spec or "") for _name, spec in fields)
    if "seq" not in names or names - {"seq", "year", "yy"} or bad_spec:
        raise field_error(
            "pattern", _("Use {seq} (required), {year} and {yy}, e.g. NAB-{year}-{seq:04d}.")
        )
    try:
        sample = format_number(value, year=2026, seq=999999)
    except (ValueError, KeyError, IndexError):
        raise field_error("pattern", _("The pattern cannot be formatted.")) from None
    if len(sample) > 50:
        raise field_error("pattern", _("A number made with this pattern is too long."))
    return value


def format_number(pattern: str, *, year: int, seq: int) -> str:
    return pattern.format(year=year, yy=f"{year % 100:02d}", seq=seq)


def _clean_days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 365:
        raise field_error("days", _("A whole number of days from 0 to 365."))
    return value


def register_settings() -> None:
    register_setting("company", empty_company, clean_company)
    register_setting("documents.quote_pattern", lambda: DEFAULT_PATTERNS["quote"], clean_pattern)
    register_setting(
        "documents.proforma_pattern", lambda: DEFAULT_PATTERNS["proforma"], clean_pattern
    )
    register_setting("documents.quote_valid_days", lambda: 14, _clean_days)
    register_setting("documents.proforma_due_days", lambda: 14, _clean_days)
    # Accepting a quote sets the value (and currency) of the deal it is linked to.
    register_setting("documents.accept_sets_deal_value", lambda: True, bool)


def company_get() -> dict[str, str]:
    """The company details, every key present (empty strings for what is not set)."""
    stored = get_setting("company") or {}
    return empty_company() | {k: v for k, v in stored.items() if k in COMPANY_FIELDS}


def company_set(*, actor: Any, data: dict) -> dict[str, str]:
    """Administrators only (`set_setting` checks). Keys not sent keep their value."""
    if not isinstance(data, dict):
        raise field_error("company", _("Must be an object."))
    merged = company_get() | data
    return set_setting(actor=actor, key="company", value=merged)


def documents_settings_get() -> dict[str, Any]:
    return {
        "quote_pattern": get_setting("documents.quote_pattern"),
        "proforma_pattern": get_setting("documents.proforma_pattern"),
        "quote_valid_days": get_setting("documents.quote_valid_days"),
        "proforma_due_days": get_setting("documents.proforma_due_days"),
        "accept_sets_deal_value": get_setting("documents.accept_sets_deal_value"),
    }


def documents_settings_set(*, actor: Any, data: dict) -> dict[str, Any]:
    """All or nothing: a bad value leaves every setting as it was."""
    with transaction.atomic():
        for name, value in data.items():
            set_setting(actor=actor, key=f"documents.{name}", value=value)
    return documents_settings_get()
