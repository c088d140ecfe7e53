"""Translated names for stored codes, and locale-aware money formatting, in one place."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal
from django.utils.translation import get_language, pgettext_lazy, to_locale

RECORD_TYPES = {
    "lead": pgettext_lazy("record type", "lead"),
    "client": pgettext_lazy("record type", "client"),
    "contact": pgettext_lazy("record type", "contact person"),
    "deal": pgettext_lazy("record type", "deal"),
}


# The built-in roles (people migration 0002) by key; their stored names stay editable data.
ROLES = {
    "administrator": pgettext_lazy("role", "Administrator"),
    "marketing": pgettext_lazy("role", "Marketing"),
    "sales": pgettext_lazy("role", "Sales"),
    "sales_manager": pgettext_lazy("role", "Sales manager"),
}


def role(obj) -> str:
    """A role's name; a built-in one still under its shipped English name is translated."""
    from leadbridge.people.roles import BUILTIN_ROLES

    if obj is None:
        return "—"
    if obj.key in ROLES and BUILTIN_ROLES.get(obj.key, {}).get("name") == obj.name:
        return str(ROLES[obj.key])
    return obj.name


def yes_no(value) -> str:
    return str(pgettext_lazy("boolean", "yes") if value else pgettext_lazy("boolean", "no"))


RECORD_TYPES_PLURAL = {
    "lead": pgettext_lazy("record types", "leads"),
    "client": pgettext_lazy("record types", "clients"),
    "contact": pgettext_lazy("record types", "contact persons"),
    "deal": pgettext_lazy("record types", "deals"),
}


# Codes of the specs' choice fields (core/specs.py) that a form offers.
CHOICES = {
    "company": pgettext_lazy("client kind", "company"),
    "person": pgettext_lazy("client kind", "natural person"),
}


def choice_label(code: str) -> str:
    return CHOICES.get(code, code)


def record_types(code: str) -> str:
    return str(RECORD_TYPES_PLURAL.get(code, code))


# What happened to an activity or a file on the timeline (history rows store the code).
ACTIONS = {
    "created": pgettext_lazy("timeline", "created"),
    "updated": pgettext_lazy("timeline", "updated"),
    "deleted": pgettext_lazy("timeline", "deleted"),
    "added": pgettext_lazy("timeline", "added"),
    "removed": pgettext_lazy("timeline", "removed"),
    "email_sent": pgettext_lazy("timeline", "e-mail sent"),
    "email_failed": pgettext_lazy("timeline", "e-mail not sent"),
}


def action(code: str) -> str:
    return str(ACTIONS.get(code, code))


# Access rights as a verb phrase ("You may not update this lead.").
RIGHTS = {
    "view": pgettext_lazy("access right", "view"),
    "create": pgettext_lazy("access right", "create"),
    "update": pgettext_lazy("access right", "update"),
    "delete": pgettext_lazy("access right", "delete"),
    "convert": pgettext_lazy("access right", "convert"),
    "merge": pgettext_lazy("access right", "merge"),
    "export": pgettext_lazy("access right", "export"),
    "import": pgettext_lazy("access right", "import"),
    "privacy": pgettext_lazy("access right", "export or erase personal data of"),
    "documents": pgettext_lazy("access right", "issue quotes and invoices on"),
}


def right(code: str) -> str:
    return str(RIGHTS.get(code, code))


def record_type(code: str) -> str:
    return str(RECORD_TYPES.get(code, code))


def babel_locale() -> str:
    """The Babel locale of the active language ('cs', 'en'…); English when none is active."""
    return _babel_locale(get_language() or "en")


@lru_cache(maxsize=32)
def _babel_locale(language: str) -> str:
    locale = to_locale(language)
    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return "en"  # a language Babel has no data for (the test pseudo-locale)
    return locale


# CLDR's currency spacing, which Babel leaves out: a code or letters beside the digits get a
# no-break space ("CZK 396,000.00", not "CZK396,000.00"); symbols such as € stay attached.
_CODE_BEFORE = re.compile(r"^(-?)([^\W\d_]{2,}\.?)(?=[-\d])")
_CODE_AFTER = re.compile(r"(\d)([^\W\d_]{2,}\.?)$")


def _currency_spacing(text: str) -> str:
    text = _CODE_BEFORE.sub("\\1\\2\xa0", text)
    return _CODE_AFTER.sub("\\1\xa0\\2", text)


def money(value, currency: str = "") -> str:
    """'12345.5', 'CZK' -> '12 345,50 Kč' in Czech, 'CZK 12,345.50' in English.

    Without a currency the number alone is grouped and rounded to two places. Values that are
    not numbers (None, '') come back empty so templates need no guard.
    """
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    locale = babel_locale()
    try:
        if currency:
            return _currency_spacing(format_currency(amount, currency, locale=locale))
        return format_decimal(amount, format="#,##0.00", locale=locale)
    except (ValueError, LookupError):
        # An unknown locale or currency code: plain digits rather than an error page.
        return f"{amount:.2f} {currency}".strip()
