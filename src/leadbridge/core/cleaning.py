"""Turn submitted values into stored ones by field kind (pure: no ORM).

Errors go to the collector with the field named; an unparseable phone is kept as typed
with a warning, an invalid e-mail is refused (foundation contract).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django.utils.translation import gettext as _

from .errors import Collector
from .normalize import InvalidValue, normalize_email, normalize_phone, normalize_tags, tags_index
from .specs import FieldSpec

# ISO 3166-1 alpha-2: every region phonenumbers knows plus the few territories it lacks.
COUNTRIES = frozenset(phonenumbers.SUPPORTED_REGIONS) | {"AQ", "BV", "HM", "TF", "UM", "PN", "GS"}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_DECIMAL = Decimal("999999999999.99")
MAX_LIST = 20  # e-mails or phones of one record
MAX_TAGS = 50
MAX_TAG = 50
MAX_TAGS_INDEX = 1000  # the `tags_index` column
MAX_ID = 2**62  # row ids: positive and within what every database's integer column holds


def text_problem(value: Any, where: str = "") -> str | None:
    """Why a submitted value cannot be stored as text, or None: no database takes a NUL
    character, and an unpaired surrogate (JSON "\\ud800") is not encodable as UTF-8.

    The one check every way in uses (API schemas and filters, the record services, the
    public web form): lists and objects are searched, `where` names the item."""
    if isinstance(value, str):
        if "\x00" in value:
            return _("Contains a NUL character.").rstrip(".") + where + "."
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            message = _("Contains an invalid character (an unpaired surrogate).")
            return message.rstrip(".") + where + "."
        return None
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            if problem := text_problem(item, f" (item {i})" if not where else where):
                return problem
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = where or f" (key {str(key)[:50]!r})"
            if problem := text_problem(key, inner) or text_problem(item, inner):
                return problem
    return None


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidValue(_("Must be text."))
    if problem := text_problem(value):
        raise InvalidValue(problem)
    return value.strip()


def clean_value(spec: FieldSpec, value: Any, *, region: str, path: str, out: Collector) -> Any:
    """Clean one value; on error record it at `path` and return None."""
    try:
        return _clean(spec, value, region=region, path=path, out=out)
    except InvalidValue as exc:
        out.add(path, str(exc))
        return None


def _clean(spec: FieldSpec, value: Any, *, region: str, path: str, out: Collector) -> Any:
    kind = spec.kind
    if kind in ("text", "longtext", "url"):
        text = _as_text(value)
        if spec.max_length and len(text) > spec.max_length:
            raise InvalidValue(_("At most %(n)s characters.") % {"n": spec.max_length})
        return text
    if kind == "choice":
        text = _as_text(value)
        if text not in spec.choices:
            raise InvalidValue(
                _("Must be one of: %(choices)s.") % {"choices": ", ".join(spec.choices)}
            )
        return text
    if kind == "email":
        text = _as_text(value)
        if len(text) > (spec.max_length or 254):
            raise InvalidValue(_("At most 254 characters."))
        normalize_email(text)  # raises when invalid
        return text
    if kind == "phone":
        text = _as_text(value)
        if len(text) > (spec.max_length or 64):
            raise InvalidValue(_("At most 64 characters."))
        if text:
            try:
                normalize_phone(text, region)
            except InvalidValue as exc:
                out.warn(path, _("Stored as typed: %(exc)s") % {"exc": exc})
        return text
    if kind in ("emails", "phones", "tags"):
        if value is None:
            return []
        if not isinstance(value, list):
            raise InvalidValue(_("Must be a list."))
        if len(value) > (MAX_LIST if kind != "tags" else MAX_TAGS):
            raise InvalidValue(_("Too many items."))
        items: list[str] = []
        for i, item in enumerate(value):
            try:
                text = _as_text(item)
                if kind == "emails" and text:
                    if len(text) > 254:
                        raise InvalidValue(_("At most 254 characters."))
                    normalize_email(text)
                elif kind == "phones" and text:
                    if len(text) > 64:
                        raise InvalidValue(_("At most 64 characters."))
                    try:
                        normalize_phone(text, region)
                    except InvalidValue as exc:
                        out.warn(f"{path}.{i}", _("Stored as typed: %(exc)s") % {"exc": exc})
                elif kind == "tags" and len(text) > MAX_TAG:
                    raise InvalidValue(_("At most %(MAX_TAG)s characters.") % {"MAX_TAG": MAX_TAG})
            except InvalidValue as exc:
                out.add(f"{path}.{i}", str(exc))
                continue
            if text:
                items.append(text)
        if kind != "tags":
            return items
        tags = normalize_tags(items)
        if len(tags_index(tags)) > MAX_TAGS_INDEX:
            raise InvalidValue(
                _("The tags are too long together (at most %(n)s characters).")
                % {"n": MAX_TAGS_INDEX}
            )
        return tags
    if kind == "country":
        text = _as_text(value).upper()
        if text and text not in COUNTRIES:
            raise InvalidValue(_("Must be an ISO 3166 alpha-2 country code such as CZ."))
        return text
    if kind == "currency":
        text = _as_text(value).upper()
        if text and not _CURRENCY.match(text):
            raise InvalidValue(_("Must be a three-letter ISO 4217 code such as CZK."))
        return text
    if kind == "decimal":
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise InvalidValue(_("Must be a number."))
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise InvalidValue(_("Must be a number.")) from None
        if not number.is_finite():
            raise InvalidValue(_("Must be a finite number."))
        if abs(number) > MAX_DECIMAL:
            raise InvalidValue(_("The number is too large."))
        if number < 0:
            raise InvalidValue(_("Must not be negative."))
        return number.quantize(Decimal("0.01"))
    if kind == "date":
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise InvalidValue(_("Must be a date (YYYY-MM-DD).")) from None
    if kind == "ref":
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidValue(_("Must be an id."))
        try:
            ident = int(value)
        except ValueError:
            raise InvalidValue(_("Must be an id.")) from None
        if ident <= 0 or ident > MAX_ID:
            raise InvalidValue(_("Must be a positive id."))
        return ident
    raise AssertionError(f"unknown field kind {kind}")
