"""Countries and currencies as a person picks them: names in the reader's language, the ISO
codes stored (the API, imports and exports keep speaking codes)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import Locale
from babel.numbers import get_territory_currencies

from .cleaning import COUNTRIES
from .labels import babel_locale
from .normalize import fold

# The currencies a Central European sales team picks most, first; the others follow by name.
COMMON_CURRENCIES = ("CZK", "EUR", "PLN", "USD", "GBP", "CHF", "HUF", "VND")


def country_choices() -> list[tuple[str, str]]:
    """(ISO 3166 code, name), ordered by the name in the active language."""
    return list(_countries(babel_locale()))


def currency_choices() -> list[tuple[str, str]]:
    """(ISO 4217 code, "CZK – Czech koruna"): the common ones first, then the others in use."""
    return list(_currencies(babel_locale()))


@lru_cache(maxsize=16)
def _countries(locale: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale).territories
    pairs = ((code, names.get(code, code)) for code in COUNTRIES)
    return tuple(sorted(pairs, key=lambda pair: fold(pair[1])))


@lru_cache(maxsize=1)
def _in_use() -> frozenset[str]:
    """Currencies some territory uses today (Babel's data): no "CSK" or "DEM" in the list."""
    today = dt.date.today()
    return frozenset(c for t in COUNTRIES for c in get_territory_currencies(t, today))


@lru_cache(maxsize=16)
def _currencies(locale: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale).currencies

    def label(code: str) -> str:
        return f"{code} – {names.get(code, code)}"

    common = [(code, label(code)) for code in COMMON_CURRENCIES]
    rest = sorted(
        ((code, label(code)) for code in _in_use() - set(COMMON_CURRENCIES)),
        key=lambda pair: pair[0],
    )
    return tuple(common + rest)
