"""Cleaning the values of products, documents and lines: each problem recorded at its field
path (`lines.2.quantity`) in a `Collector`, so one answer lists them all, and everything
bounded before any work (lengths, digits, the number of lines)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from leadbridge.core.cleaning import text_problem
from leadbridge.core.errors import Collector

MAX_LINES = 200
MAX_NOTES = 5000
CUSTOMER_FIELDS = {
    "name": 255,
    "registration_number": 64,
    "vat_id": 64,
    "street": 255,
    "city": 255,
    "postcode": 32,
    "country": 2,
    "email": 254,
    "contact_name": 255,
}
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


def clean_text(value: Any, path: str, out: Collector, *, limit: int, required=False) -> Any:
    if value is None:
        value = ""
    if not isinstance(value, str):
        out.add(path, _("Must be text."))
        return None
    if problem := text_problem(value):
        out.add(path, problem)
        return None
    value = value.strip()
    if required and not value:
        out.add(path, _("This field is required."))
        return None
    if len(value) > limit:
        out.add(path, _("At most %(limit)s characters.") % {"limit": limit})
        return None
    return value


def clean_decimal(
    value: Any,
    path: str,
    out: Collector,
    *,
    places: int,
    digits: int,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
) -> Decimal | None:
    """A Decimal from a string or an integer (JSON numbers with a fraction arrive as strings
    or, through the API schema, as Decimals; a float is refused: it may not be exact)."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        out.add(path, _('Enter a number (as a string, e.g. "12.50").'))
        return None
    if isinstance(value, str) and len(value) > 40:
        out.add(path, _("Enter a number."))
        return None
    try:
        number = Decimal(str(value).strip().replace(" ", ""))
    except InvalidOperation:
        out.add(path, _("Enter a number."))
        return None
    if not number.is_finite():
        out.add(path, _("Enter a number."))
        return None
    if abs(number) >= Decimal(10) ** (digits - places):  # first: 1E+999999 cannot quantize
        out.add(path, _("The number is too large."))
        return None
    if number != number.quantize(Decimal(1).scaleb(-places)):
        out.add(path, _("At most %(places)s decimal places.") % {"places": places})
        return None
    if minimum is not None and number < minimum:
        out.add(path, _("Must be at least %(minimum)s.") % {"minimum": minimum})
        return None
    if maximum is not None and number > maximum:
        out.add(path, _("Must be at most %(maximum)s.") % {"maximum": maximum})
        return None
    return number.quantize(Decimal(1).scaleb(-places))


def clean_currency(value: Any, path: str, out: Collector) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        out.add(path, _("A three-letter currency code (CZK, EUR, PLN …)."))
        return None
    return value.strip().upper()


def clean_date(value: Any, path: str, out: Collector) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) <= 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    out.add(path, _("A date as YYYY-MM-DD."))
    return None


def clean_language(value: Any, path: str, out: Collector) -> str | None:
    if value in (None, ""):
        return ""
    if value not in LANGUAGES:
        out.add(path, _("Must be one of: %(choices)s.") % {"choices": ", ".join(LANGUAGES)})
        return None
    return value


def clean_customer(value: Any, out: Collector) -> dict[str, str]:
    """The customer's details as sent (only the keys sent; the caller merges them)."""
    if not isinstance(value, dict):
        out.add("customer", _("Must be an object."))
        return {}
    cleaned: dict[str, str] = {}
    for key, raw in value.items():
        if key not in CUSTOMER_FIELDS:
            out.add(f"customer.{key}", _("Unknown field."))
            continue
        text = clean_text(raw, f"customer.{key}", out, limit=CUSTOMER_FIELDS[key])
        if text is not None:
            cleaned[key] = text.upper() if key == "country" else text
    return cleaned
