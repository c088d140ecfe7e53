"""The pure matcher: normalizers of the seed countries, keys and the scorer."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadbridge.duplicates.matching import (
    blocking_keys,
    canonical_email,
    canonical_phone,
    company_id,
    company_name,
    person_name,
    phonetic,
    postcode,
    prepare,
    score,
    street,
)
from leadbridge.duplicates.similarity import street_similarity


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Jan.Novak+crm@Gmail.com", "jannovak@gmail.com"),
        ("jan.novak@googlemail.com", "jannovak@gmail.com"),
        ("Jan.Novak@Firma.cz", "jan.novak@firma.cz"),
        ("petra+newsletter@seznam.cz", "petra@seznam.cz"),
        ("not an address", ""),
        ("", ""),
    ],
)
def test_canonical_email(raw, expected):
    assert canonical_email(raw) == expected


@pytest.mark.parametrize(
    "raw, region, expected",
    [
        ("603 123 456", "CZ", "+420603123456"),
        ("+420 603-123-456", None, "+420603123456"),
        ("00420603123456", "CZ", "+420603123456"),
        ("0903 123 456", "SK", "+421903123456"),
        ("+48 512 345 678", None, "+48512345678"),
        ("512-345-678", "PL", "+48512345678"),
        ("8 612 34567", "LT", "+37061234567"),
        ("+370 612 34567", None, "+37061234567"),
        ("0912 345 678", "VN", "+84912345678"),
        ("12", "CZ", ""),
        ("213/467-1108", "SK", "#2134671108"),  # not possible in SK: compared by digits
        ("213-467-1108", None, "#2134671108"),
    ],
)
def test_canonical_phone(raw, region, expected):
    assert canonical_phone(raw, region) == expected


@pytest.mark.parametrize(
    "a, b",
    [
        ("Porost s.r.o.", "POROST, spol. s r.o."),
        ("Porost s. r. o.", "porost sro"),
        ("Kovo a.s.", "KOVO, akciová společnost"),
        ("Tatra Slovakia, s.r.o.", "Tatra Slovakia spol. s r.o."),
        ("Budimex Sp. z o.o.", "BUDIMEX SP Z O O"),
        ("Budimex S.A.", "Budimex spółka akcyjna"),
        ("UAB Baltic Solutions", "Baltic Solutions, UAB"),
        ("AB Šiaulių bankas", "Siauliu Bankas AB"),
        ("Công ty TNHH Minh Phát", "Minh Phat Co., Ltd"),
        ("Công ty Cổ phần Hòa Bình", "CTY CP Hoa Binh"),
        ("Acme GmbH", "ACME Inc."),
    ],
)
def test_company_names_without_legal_forms(a, b):
    assert company_name(a) == company_name(b) != ""


@pytest.mark.parametrize(
    "a, b",
    [
        ("Jan Novák", "novak jan"),
        ("Ing. Jan Novák, Ph.D.", "Jan Novak"),
        ("Šárka Kopřivová", "SARKA KOPRIVOVA"),
        ("Ľubomír Ďurček", "Lubomir Durcek"),
        ("Łukasz Wójcik", "Lukasz Wojcik"),
        ("Rūta Kazlauskienė", "Kazlauskiene Ruta"),
        ("Nguyễn Văn Anh", "Anh Nguyen Van"),
    ],
)
def test_person_names_fold_case_accents_titles_and_order(a, b):
    assert person_name(a) == person_name(b) != ""


def test_company_ids_drop_country_prefix_spaces_and_zeros():
    assert company_id("CZ 0012 3456") == company_id("00123456") == "123456"
    assert company_id("PL 525-000-12-34") == company_id("5250001234")
    assert company_id("LT100001234") == "100001234"


def test_postcodes_and_streets():
    assert postcode("110 00") == postcode("11000") == "11000"
    assert postcode("LT-01100") == "01100"
    assert postcode("00-950") == "00950"
    assert street("Vinohradská 1511/230") == ("vinohradska", "1511/230")
    assert street("ul. Marszałkowska 10") == ("marszalkowska", "10")
    assert street("Gedimino pr. 9") == ("gedimino", "9")


def test_phonetic_forgives_vowels_and_spellings():
    assert phonetic("nowak") == phonetic("novak")
    assert phonetic("novaak") == phonetic("novak")
    assert phonetic("kovalski") == phonetic("kowalsky")


text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@given(text)
def test_name_normalizers_are_idempotent(value):
    assert person_name(person_name(value)) == person_name(value)
    assert company_name(company_name(value)) == company_name(value)
    assert postcode(postcode(value)) == postcode(value)
    assert company_id(company_id(value)) == company_id(value)


@given(st.emails())
def test_email_normalizer_is_idempotent(value):
    assert canonical_email(canonical_email(value)) == canonical_email(value)


@given(st.from_regex(r"\+?[0-9 ()-]{0,20}", fullmatch=True))
def test_phone_normalizer_is_idempotent(value):
    once = canonical_phone(value, "CZ")
    assert canonical_phone(once, "CZ") == once


def _p(**values):
    return prepare(values)


def _bare(reasons: list[str]) -> list[str]:
    """Reasons without the weight each ends with ("same e-mail (+13.0)" -> "same e-mail")."""
    return [re.sub(r" \([+-][0-9.]+\)$", "", r) for r in reasons]


def test_same_email_is_a_duplicate_with_its_reason():
    a = _p(first_name="Jan", last_name="Novák", email="jan.novak@firma.cz")
    b = _p(first_name="Jan", last_name="Novak", email="JAN.NOVAK@firma.cz", phone="603123456")
    probability, reasons = score(a, b)
    assert probability > 0.99 and "same e-mail" in _bare(reasons)


def test_common_name_alone_is_not_a_duplicate():
    a = _p(first_name="Jan", last_name="Novák", email="jan@a.cz", postcode="11000")
    b = _p(first_name="Jan", last_name="Novák", email="honza@b.cz", postcode="60200")
    assert score(a, b)[0] < 0.5


def test_work_and_private_mail_with_same_phone_and_typo_in_name():
    a = _p(first_name="Šárka", last_name="Kopřivová", email="s.koprivova@porost.cz",
           phone="+420 603 123 456")  # fmt: skip
    b = _p(first_name="Sarka", last_name="Koprivova", email="sarka.k@gmail.com",
           mobile="603123456", country="CZ")  # fmt: skip
    probability, reasons = score(a, b)
    assert probability >= 0.9 and "same phone" in _bare(reasons)


def test_company_with_other_legal_form_and_same_id():
    a = _p(company_name="Porost s.r.o.", registration_number="12345678")
    b = _p(name="POROST, spol. s r.o.", kind="company", vat_id="CZ12345678")
    probability, reasons = score(a, b)
    assert probability > 0.99 and "same registration number" in _bare(reasons)
    c = _p(name="Porost a.s.", kind="company", registration_number="87654321")
    assert score(a, c)[0] < 0.5


def test_name_and_address_without_contact_data():
    a = _p(first_name="Tomasz", last_name="Kowalski", street="ul. Długa 5", postcode="00-950")
    b = _p(first_name="Tomasz", last_name="Kowalsky", street="Dluga 5", postcode="00950")
    assert score(a, b)[0] >= 0.9


def test_keys_share_for_swapped_and_accentless_names():
    a = _p(first_name="Rūta", last_name="Kazlauskienė", postcode="LT-01100")
    b = _p(first_name="Kazlauskiene", last_name="Ruta", postcode="01100")
    assert set(blocking_keys(a)) & set(blocking_keys(b))


def test_rules_limit_what_is_compared():
    a = _p(first_name="Jan", last_name="Novák", email="jan@x.cz")
    b = _p(first_name="Petr", last_name="Svoboda", email="jan@x.cz")
    assert score(a, b, ["email"])[0] > 0.9
    assert score(a, b, ["name"])[0] < 0.1


def test_profile_encoding_round_trips():
    from leadbridge.duplicates.matching import decode, encode

    values = {"first_name": "Šárka", "last_name": "Kopřivová", "email": "a@b.cz",
              "other_emails": ["c@d.cz"], "phone": "+420603123456",
              "company_name": "Porost s.r.o.", "street": "Husova 5", "postcode": "110 00",
              "city": "Praha"}  # fmt: skip
    p = prepare(values)
    assert decode(encode(p, "Šárka Kopřivová (Porost)")) == (p, "Šárka Kopřivová (Porost)")
    assert decode(encode(prepare({}), "")) == (prepare({}), "")


def test_same_person_at_the_same_company_without_shared_contact_data():
    a = _p(first_name="Tomáš", last_name="Dvořák", company_name="Agro Morava s.r.o.",
           email="dvorak@agromorava.cz")  # fmt: skip
    b = _p(first_name="Tomas", last_name="Dvorak", company_name="AGRO MORAVA, a.s.",
           email="tomas.dvorak@gmail.com")  # fmt: skip
    assert set(blocking_keys(a)) & set(blocking_keys(b))
    assert score(a, b)[0] >= 0.9


def test_long_values_give_keys_that_fit_and_still_match():
    a = _p(company_name="0" * 255, email=("x" * 60 + "@" + "y" * 150 + ".cz"))
    keys = blocking_keys(a)
    assert keys and all(len(k) <= 200 for k in keys)
    assert keys == blocking_keys(
        _p(company_name="0" * 255, email=("x" * 60 + "@" + "y" * 150 + ".cz"))
    )


def test_street_words_typed_glued_or_cut_count_as_a_typo():
    assert street("177 pridhamstreet") == ("pridham", "177")
    assert street("12 Long Crescent") == ("long", "12")
    assert street_similarity("pridham", "pridham tstreet") == 0.95
    assert street_similarity("bedford", "bedford s treet") == 0.95
    assert street_similarity("nova", "novakova") < 0.9  # too short to be a cut-off word
    assert street_similarity("vinohradska", "vinohradska") == 1.0


def test_the_second_street_line_counts_only_without_a_first():
    flat = prepare({"last_name": "Novák", "street": "Mlýnská 12", "street2": "byt 4"})
    assert (flat.street, flat.number) == ("mlynska", "12")
    only = prepare({"last_name": "Novák", "street2": "Mlýnská 12"})
    assert (only.street, only.number) == ("mlynska", "12")


def test_each_name_word_is_filed_at_its_house():
    keys = blocking_keys(prepare({"first_name": "Kyle", "last_name": "Bullivant",
                                  "street": "4 Woolrych Street", "postcode": "3912"}))  # fmt: skip
    moved = blocking_keys(prepare({"first_name": "Kyale", "last_name": "Bullivnt",
                                   "street": "4 Woolrych Street", "postcode": "3192"}))  # fmt: skip
    assert {k for k in keys if k.startswith("h:")} & set(moved)


def test_a_rare_shared_name_weighs_more_than_a_common_one():
    from dataclasses import replace

    from leadbridge.duplicates.fellegi_sunter import DEFAULT

    a = prepare({"first_name": "Harley", "last_name": "McCarthy", "postcode": "3165"})
    b = prepare({"first_name": "Harley", "last_name": "McCarthy", "postcode": "3165"})
    plain, _ = score(a, b)
    u = DEFAULT.u["last_name"][0]

    def weights(frequency: float):
        return replace(DEFAULT, tf={"last_name": {"mccarthy": frequency}})

    rare, reasons = score(a, b, weights=weights(u / 4))
    common, _ = score(a, b, weights=weights(u * 4))
    assert common < plain < rare
    assert "same last name (+5.5)" in reasons  # 3.5 bits and 2 for the rarity


def test_a_national_number_without_a_country_is_read_as_saving_reads_it():
    stored = prepare({"last_name": "Novák", "phone": "603 123 456"}, default_region="CZ")
    assert stored.phones == ("+420603123456",)
    assert prepare({"last_name": "Novák", "phone": "603 123 456", "country": "US"}).phones == (
        "#603123456",
    )


def test_reasons_are_translated_at_the_edge():
    from django.utils import translation

    from leadbridge.duplicates.reasons import translated

    assert translated(["same e-mail", "name 0.93"]) == ["same e-mail", "name 0.93"]
    with translation.override("cs"):
        out = translated(["name 0.93"])
    assert "0,93" in out[0]  # the score formatted for the language


def test_every_key_kind_belongs_to_a_finder_rule():
    from leadbridge.duplicates.finder import RULE_KEYS

    read = {kind for kinds in RULE_KEYS.values() for kind in kinds}
    made = {
        key[0]
        for values in (
            {"first_name": "Jan", "last_name": "Novák", "email": "jan.novak@firma.cz",
             "phone": "+420603123456", "company_name": "Porost s.r.o.", "registration_number":
             "12345678", "street": "Mlýnská 12", "postcode": "602 00", "city": "Brno"},
        )
        for key in blocking_keys(prepare(values))
    }  # fmt: skip
    assert made <= read
