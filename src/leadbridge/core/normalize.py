"""Pure normalization functions (no ORM): e-mail, phone, accent folding.

Create, import, the duplicate finder and search all use these, so a value is
normalized the same way whichever way it came in.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from anyascii import anyascii
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z@.+_-]+")


class InvalidValue(ValueError):
    """The value cannot be normalized; the message says why, for the user."""


# The caches below are sized for what repeats (cities, first names, companies, e-mail
# domains) and for the second call within one save: each checking process of an import holds
# its own, so larger ones cost memory more than they save time.
@lru_cache(maxsize=16384)
def fold(text: str | None) -> str:
    """Lower-case ASCII with accents removed and runs of spaces collapsed.

    >>> fold("Kopřivová  Šárka")
    'koprivova sarka'
    """
    if not text:
        return ""
    return _SPACES.sub(" ", anyascii(str(text)).lower()).strip()


# Inflection endings of the seed languages' names, longest first: Czech and Slovak feminine
# surnames (Kopřiva / Kopřivová), Polish (Kowalski / Kowalska), Lithuanian (Kazlauskas /
# Kazlauskienė / Kazlauskaitė), and final vowels of declined forms.
_ENDINGS = (
    "iene",
    "aite",
    "ovou",
    "ova",
    "yte",
    "ute",
    "as",
    "is",
    "ys",
    "us",
    "a",
    "e",
    "i",
    "o",
    "u",
    "y",
)
_MIN_STEM = 3


@lru_cache(maxsize=16384)  # names, companies and cities repeat: an import stems each word once
def stem(word: str) -> str:
    """A light stem of a folded word so that name variants find each other.

    >>> stem("koprivova"), stem("kopriva"), stem("kazlauskiene"), stem("kazlauskas")
    ('kopriv', 'kopriv', 'kazlausk', 'kazlausk')
    """
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM:
            return word[: -len(ending)]
    return word


def search_terms(query: str | None) -> list[str]:
    """Split a search query into folded, stemmed terms, each to be found in the search column.

    "kopriva" becomes "kopriv", which the document of "Kopřivová" contains.
    """
    return [stem(t) for t in fold(query).split(" ") if t]


_PHONE_QUERY = re.compile(r"\+?[\d\s\-./()]+")
_MIN_PHONE_DIGITS = 7


def phone_query_digits(query: str | None) -> str:
    """The digits a phone-looking query is found by ('' for any other query).

    The document holds each number in E.164 ("+420603123456") beside the typed form, so the
    query's digits without the international or trunk prefix ("00", "0") are a substring of
    it however the number was typed: "+420 603-123-456", "00420603123456", "0903 123 456".
    """
    query = (query or "").strip()
    if not _PHONE_QUERY.fullmatch(query):
        return ""
    digits = phone_digits(query)
    if len(digits) < _MIN_PHONE_DIGITS:
        return ""
    if digits.startswith("00"):
        return digits[2:]
    return digits[1:] if digits.startswith("0") else digits


def search_document(*values: object) -> str:
    """The folded text the `q` search looks in: every searchable value, space-separated.

    Query terms are stemmed (`search_terms`) and found as substrings, and a stem is always
    a prefix of its word, so the words themselves let "kopriv" find "koprivova": the
    document holds no stems of its own (they would only lengthen the trigram index).
    """
    parts: list[str] = []
    for value in values:
        if value is None or value == "":
            continue
        if isinstance(value, list | tuple):
            parts.extend(fold(str(v)) for v in value if v)
        else:
            parts.append(fold(str(value)))
    return " ".join(p for p in parts if p)


# A plain ASCII address ("jan.novak+crm@firma.cz"): its local part needs no Unicode
# normalization or quoting, so only its domain is worth the full validation, once per domain.
_PLAIN_EMAIL = re.compile(r"([A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*)@([A-Za-z0-9.-]+)")
_MAX_LOCAL, _MAX_EMAIL = 64, 254  # email-validator's limits (RFC 5321)


@lru_cache(maxsize=8192)
def normalize_email(value: str | None) -> str:
    """Validate an e-mail address and return it lower-cased; '' for empty input.

    Raises InvalidValue with a readable reason when the address is not valid.
    """
    if value is None:
        return ""
    value = value.strip()
    if not value:
        return ""
    plain = _PLAIN_EMAIL.fullmatch(value)
    if plain and len(plain[1]) <= _MAX_LOCAL and len(value) <= _MAX_EMAIL:
        # Real files repeat few domains: an import validates each once, not per row. The
        # result is what `validate_email` gives for the whole address (tested side by side).
        domains = _email_domain(plain[2])
        if domains is not None:
            domain, ascii_domain = domains
            normalized = f"{plain[1]}@{domain}"
            if max(len(normalized.encode()), len(plain[1]) + 1 + len(ascii_domain)) <= _MAX_EMAIL:
                return normalized.lower()
    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        # The library's reason is English only; ours is in the reader's language.
        raise InvalidValue(_("Enter a valid e-mail address.")) from None
    return info.normalized.lower()


@lru_cache(maxsize=16384)
def _email_domain(domain: str) -> tuple[str, str] | None:
    """(domain, its IDNA ASCII form) as email-validator checks and normalizes it, or None
    when it is not valid (the caller then validates the whole address for the message)."""
    try:
        info = validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return None
    return info.domain, info.ascii_domain


_PHONE_PUNCT = re.compile(r"[\s\-./()]+")


@lru_cache(maxsize=8192)
def normalize_phone(value: str | None, region: str | None = None) -> str:
    """Return the number in E.164 (+420603123456), using `region` for national numbers.

    Raises InvalidValue when the number cannot be parsed as a possible number.
    """
    if value is None:
        return ""
    value = value.strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, (region or "").upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(_("Not a phone number: %(exc)s") % {"exc": exc}) from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidValue(_("Not a possible phone number for its country."))
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if _PHONE_PUNCT.sub("", value) == e164:
        # Typed in E.164 already, give or take spaces and dashes: parsing `e164` would read
        # the same digits after the same "+" again, so it is its own fixed point.
        return e164
    # A few national inputs format to a string that parses back to another number ("00000000"
    # in SK -> +4210000000 -> +421000000); the fixed point keeps normalizing idempotent.
    for _attempt in range(3):
        try:
            again = phonenumbers.format_number(
                phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.E164
            )
        except phonenumbers.NumberParseException:
            break
        if again == e164:
            break
        e164 = again
    return e164


def phone_digits(value: str | None) -> str:
    return re.sub(r"\D+", "", value or "")


def normalize_tags(values: list[str] | None) -> list[str]:
    """Tags trimmed, spaces collapsed, de-duplicated case-insensitively, order kept."""
    seen: set[str] = set()
    out: list[str] = []
    for raw in values or []:
        tag = _SPACES.sub(" ", str(raw)).strip()
        if not tag:
            continue
        key = tag.lower()
        if key not in seen:
            seen.add(key)
            out.append(tag)
    return out


def tags_index(tags: list[str]) -> str:
    """A '|a|b|' column that lets both databases filter on one tag with a plain LIKE."""
    return "|" + "|".join(t.lower() for t in tags) + "|" if tags else ""
