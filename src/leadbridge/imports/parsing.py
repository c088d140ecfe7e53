"""Cell values as the services expect them: locale-aware numbers and dates. Pure (no ORM).

Spreadsheets bring typed cells (numbers, dates); CSV brings text written the local way:
"1 234,50" or "1.234,50" in Czech, Polish and Lithuanian, "1,234.50" in English; dates as
24.11.2026 (Czech, Slovak, Polish), 2026-11-24 (Lithuanian, ISO), 11/24/2026 (US).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

NUMBER_FORMATS = ("auto", "comma", "dot")  # decimal separator; auto decides per value
DATE_FORMATS = ("auto", "dmy", "mdy", "ymd")
_SPACES = re.compile(r"[\s\u00a0\u202f']+")
_CURRENCY = re.compile(r"^[^\d+-]*|[^\d]*$")
_DATE = re.compile(r"^\s*(\d{1,4})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{1,4})\.?(?:[ T].*)?$")


class CellError(ValueError):
    """The cell cannot be read as the field's kind; the message is for the user."""


def as_text(value: Any) -> str:
    """Any cell as text: a whole number from a spreadsheet loses its ".0" (a phone number
    or registration number typed into a number cell), dates become ISO."""
    if type(value) is str:  # every CSV cell: the common case first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_number(value: Any, fmt: str = "auto") -> Decimal | None:
    """A decimal from a typed cell or local text; None for an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("Must be a number."))
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    text = _SPACES.sub("", str(value))
    text = _CURRENCY.sub("", text)  # "CZK 1 200", "1 200 Kč", "€12"
    if not text:
        raise CellError(_("Must be a number."))
    comma, dot = text.rfind(","), text.rfind(".")
    if fmt == "auto":
        if comma >= 0 and dot >= 0:
            fmt = "comma" if comma > dot else "dot"
        elif comma >= 0:
            # "1,234" is ambiguous; three digits after a single comma read as thousands only
            # when the file says so (fmt="dot"): the seed countries write decimal commas.
            fmt = "comma"
        else:
            fmt = "dot" if text.count(".") == 1 else "comma"
    if fmt == "comma":
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("Must be a number.")) from None
    if not number.is_finite():
        raise CellError(_("Must be a number."))
    return number


def parse_date(value: Any, fmt: str = "auto") -> dt.date | None:
    """A date from a typed cell or local text; None for an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE.match(str(value))
    if not match:
        raise CellError(_("Must be a date such as 24.11.2026 or 2026-11-24."))
    a, b, c = match.groups()
    if fmt == "auto":
        fmt = "ymd" if len(a) == 4 else ("mdy" if "/" in str(value) and int(b) > 12 else "dmy")
    try:
        if fmt == "ymd":
            year, month, day = int(a), int(b), int(c)
        elif fmt == "mdy":
            month, day, year = int(a), int(b), int(c)
        else:
            day, month, year = int(a), int(b), int(c)
        if year < 100:
            year += 2000 if year < 70 else 1900
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(_("Not a valid date.")) from None


def detect_formats(samples: Iterable[str]) -> tuple[str, str]:
    """(number format, date format) that fit the sample texts of number and date columns:
    a value such as "1.234,5" fixes the decimal comma, "24/11/2026" rules out month first."""
    number, date = "auto", "auto"
    for text in samples:
        text = str(text)
        if _DATE.match(text):
            a, b, _c = (int(x) for x in _DATE.match(text).groups())  # type: ignore[union-attr]
            if a > 31:
                date = "ymd"
            elif a > 12 and date == "auto":
                date = "dmy"
            elif b > 12 and date == "auto":
                date = "mdy"
            continue
        compact = _SPACES.sub("", text)
        if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?|-?\d+,\d+", compact):
            number = "comma"
        elif re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", compact) and number == "auto":
            number = "dot"
    return number, date


def split_list(value: Any) -> list[str]:
    """A cell holding several values ("a@x.cz; b@y.cz", "vip, trade fair")."""
    text = as_text(value)
    return [part.strip() for part in re.split(r"[;,|\n]", text) if part.strip()]
