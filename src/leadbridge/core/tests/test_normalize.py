"""The pure normalizers: accent folding, stemming, search terms, e-mail and phone (E.164)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadbridge.core.normalize import (
    InvalidValue,
    fold,
    normalize_email,
    normalize_phone,
    normalize_tags,
    phone_digits,
    search_document,
    search_terms,
    stem,
    tags_index,
)

# fold ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Kopřivová  Šárka", "koprivova sarka"),
        ("KOPŘIVA", "kopriva"),
        ("Nováková", "novakova"),
        ("Łukasz Wiśniewski", "lukasz wisniewski"),
        ("Žemaitė Kazlauskienė", "zemaite kazlauskiene"),
        ("Nguyễn Thị Hương", "nguyen thi huong"),
        ("Ľubomír Štefánik", "lubomir stefanik"),
        ("  tabs\tand\nnewlines  ", "tabs and newlines"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold(value, expected):
    assert fold(value) == expected


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fold_is_idempotent(text):
    once = fold(text)
    assert fold(once) == once
    assert once == once.strip() and "  " not in once
    assert once.isascii()


# stem and search terms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word, expected",
    [
        ("koprivova", "kopriv"),
        ("kopriva", "kopriv"),
        ("novakova", "novak"),
        ("novak", "novak"),
        ("kowalska", "kowalsk"),
        ("kowalski", "kowalsk"),
        ("kazlauskiene", "kazlausk"),
        ("kazlauskaite", "kazlausk"),
        ("kazlauskas", "kazlausk"),
        ("eva", "eva"),  # too short to stem
        ("ana", "ana"),
        ("", ""),
    ],
)
def test_stem(word, expected):
    assert stem(word) == expected


def test_search_terms():
    assert search_terms("Kopřiva") == ["kopriv"]
    assert search_terms("  KOPŘIVOVÁ   Šárka ") == ["kopriv", "sark"]
    assert search_terms("603 123 456") == ["603", "123", "456"]
    assert search_terms("") == [] and search_terms(None) == []


@pytest.mark.parametrize(
    "query, name",
    [
        ("kopriva", "Kopřivová"),
        ("KOPŘIVA", "Kopřivová"),
        ("koprivova", "Kopřiva"),
        ("novak", "Nováková"),
        ("kowalski", "Kowalska"),
        ("kazlauskas", "Kazlauskienė"),
    ],
)
def test_search_terms_find_inflected_names(query, name):
    document = search_document(name)
    assert all(term in document for term in search_terms(query)), (query, document)


def test_search_document_lists_and_empty_values():
    assert search_document("Nováková", None, "", ["A@B.cz", ""]) == "novakova a@b.cz"
    assert search_document() == ""


# e-mail ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Sarka@Example.CZ", "sarka@example.cz"),
        ("  jan.novak@firma.cz ", "jan.novak@firma.cz"),
        ("Jonas@Ąžuolas.LT", "jonas@ąžuolas.lt"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_email(value, expected):
    assert normalize_email(value) == expected


@pytest.mark.parametrize(
    "value", ["no-at-sign", "a@", "@b.cz", "a b@c.cz", "a@b", "a@@b.cz", "a@b..cz"]
)
def test_normalize_email_refuses_invalid(value):
    with pytest.raises(InvalidValue):
        normalize_email(value)


# phone -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, region, expected",
    [
        # Czech Republic
        ("603 123 456", "CZ", "+420603123456"),
        ("+420 603 123 456", None, "+420603123456"),
        ("00420603123456", "CZ", "+420603123456"),
        ("603-123-456", "cz", "+420603123456"),
        # Slovakia
        ("0905 123 456", "SK", "+421905123456"),
        ("+421 2 1234 5678", None, "+421212345678"),
        # Poland
        ("512 345 678", "PL", "+48512345678"),
        ("+48 22 123 45 67", "CZ", "+48221234567"),
        # Lithuania (national prefix 8)
        ("8 612 34567", "LT", "+37061234567"),
        ("+370 612 34567", "CZ", "+37061234567"),
        # Vietnam
        ("0912 345 678", "VN", "+84912345678"),
        ("+84 91 234 56 78", None, "+84912345678"),
        ("", "CZ", ""),
        (None, "CZ", ""),
    ],
)
def test_normalize_phone(value, region, expected):
    assert normalize_phone(value, region) == expected


@pytest.mark.parametrize(
    "value, region",
    [("call me", "CZ"), ("12", "CZ"), ("603 123 456", None), ("+", "CZ"), ("+999 1234", None)],
)
def test_normalize_phone_refuses_unparseable(value, region):
    with pytest.raises(InvalidValue):
        normalize_phone(value, region)


REGIONS = st.sampled_from(["CZ", "SK", "PL", "LT", "VN", "DE", "US", None])
PHONE_LIKE = st.text(alphabet="0123456789 +-()/.", min_size=1, max_size=24)


@settings(max_examples=400, deadline=None)
@given(st.one_of(PHONE_LIKE, st.text(max_size=30)), REGIONS)
def test_normalize_phone_is_idempotent(value, region):
    try:
        once = normalize_phone(value, region)
    except InvalidValue:
        return
    if not once:
        return
    assert once.startswith("+") and once[1:].isdigit()
    assert normalize_phone(once, region) == once
    assert normalize_phone(once, None) == once


def test_phone_digits():
    assert phone_digits("+420 603-123/456") == "420603123456"
    assert phone_digits(None) == ""


# tags ------------------------------------------------------------------------------------------


def test_tags():
    tags = normalize_tags(["  VIP ", "vip", "Trade   fair", "", "b2b"])
    assert tags == ["VIP", "Trade fair", "b2b"]
    assert tags_index(tags) == "|vip|trade fair|b2b|"
    assert tags_index([]) == ""


# The fast path of `normalize_email` (domain validated once) against email-validator on the
# whole address: the same result or the same refusal.
_LOCAL = st.text(alphabet="abcXYZ09._%+-!#'~", min_size=0, max_size=70)
_DOMAIN = st.sampled_from(
    [
        "firma.cz",
        "FIRMA.CZ",
        "xn--lu-ola.cz",
        "localhost",
        "b.test",
        "x.cz.",
        "-x.cz",
        "a..cz",
        "sub.firma-1.example.com",
        "a" * 64 + ".cz",
        ("a" * 60 + ".") * 4 + "cz",
        "ž.cz",
        "",
    ]
)


def _reference(value: str) -> str | None:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


@settings(max_examples=400, deadline=None)
@given(_LOCAL, _DOMAIN)
def test_normalize_email_fast_path_equals_email_validator(local, domain):
    value = f"{local}@{domain}"
    try:
        ours = normalize_email(value)
    except InvalidValue:
        ours = None
    assert ours == _reference(value)


def test_normalize_phone_reaches_a_fixed_point():
    # Found by hypothesis: E.164 of a national number of zeros parsed back to another number.
    once = normalize_phone("00000000", "SK")
    assert normalize_phone(once, "SK") == once == normalize_phone(once, None)


def _phone_reference(value: str, region: str | None) -> str:
    """`normalize_phone` without its shortcut for input typed in E.164: always the fixed
    point loop."""
    import phonenumbers

    if not value.strip():
        return ""
    number = phonenumbers.parse(value.strip(), region)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
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


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="+0123456789 -./()", min_size=1, max_size=20),
    st.sampled_from(["CZ", "SK", "PL", "LT", "VN", "DE", None]),
)
def test_normalize_phone_shortcut_equals_the_fixed_point_loop(value, region):
    normalize_phone.cache_clear()
    try:
        fast = normalize_phone(value, region)
    except InvalidValue:
        return
    assert fast == _phone_reference(value, region)


@given(st.text(alphabet="abeiknoasuvyt", max_size=14))
def test_a_stem_is_a_prefix_of_its_word(word):
    # Why the search document holds no stems: a stemmed query term found in a word's stem
    # is found in the word itself.
    assert word.startswith(stem(word))
