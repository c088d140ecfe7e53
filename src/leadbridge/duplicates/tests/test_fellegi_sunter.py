"""The Fellegi–Sunter estimator and the comparison levels (pure, no database)."""

import math

import numpy as np
import pytest

from leadbridge.duplicates import fellegi_sunter as fs
from leadbridge.duplicates.fellegi_sunter import DEFAULT, DEFAULT_BITS, Weights
from leadbridge.duplicates.levels import FIELDS, compare, level_code
from leadbridge.duplicates.matching import (
    blocking_keys,
    prepare,
    score,
    street_sound,
    surname_sound,
)

# Known m and u of three fields, far from the defaults, to generate pairs with.
TRUE_M = {
    "first_name": (0.80, 0.08, 0.02, 0.04, 0.03, 0.01, 0.02),
    "postcode": (0.70, 0.20, 0.04, 0.06),
    "street": (0.85, 0.10, 0.05),
}
TRUE_U = {
    "first_name": (0.01, 0.01, 0.001, 0.03, 0.05, 0.009, 0.89),
    "postcode": (0.05, 0.15, 0.30, 0.50),
    "street": (0.02, 0.08, 0.90),
}


def _generate(n: int, share: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    matches = rng.random(n) < share
    levels = {}
    for field in TRUE_M:
        column = np.where(
            matches,
            rng.choice(len(TRUE_M[field]), n, p=TRUE_M[field]),
            rng.choice(len(TRUE_U[field]), n, p=TRUE_U[field]),
        )
        column[rng.random(n) < 0.1] = -1  # a tenth of the pairs lack the field
        levels[field] = column.astype(np.int8)
    return levels


def test_em_recovers_the_m_and_u_the_pairs_were_drawn_with():
    rng = np.random.default_rng(7)
    levels = _generate(200_000, 0.3, rng)
    m, u, share = fs.expectation_maximisation(levels, iterations=200, tolerance=1e-7)
    assert share == pytest.approx(0.3, abs=0.01)
    for field in TRUE_M:
        assert np.allclose(m[field], TRUE_M[field], atol=0.02), (field, m[field])
        assert np.allclose(u[field], TRUE_U[field], atol=0.02), (field, u[field])


def test_u_from_random_pairs_is_their_level_frequencies():
    rng = np.random.default_rng(3)
    random_levels = {f: rng.choice(len(v), 100_000, p=v).astype(np.int8) for f, v in TRUE_U.items()}
    random_levels |= {f: np.full(10, -1, dtype=np.int8) for f in FIELDS if f not in TRUE_U}
    u = fs.estimate_u(random_levels)
    for field in TRUE_U:
        assert np.allclose(u[field], TRUE_U[field], atol=0.005)
    assert u["email"] == pytest.approx(DEFAULT.u["email"])  # never seen: the default stays


def test_the_defaults_are_probabilities_with_exactly_the_default_weights():
    for field, bits in DEFAULT_BITS.items():
        assert sum(DEFAULT.m[field]) == pytest.approx(1) and sum(DEFAULT.u[field]) == pytest.approx(
            1
        )
        assert DEFAULT.bits[field] == pytest.approx(bits)
        assert len(bits) == len(FIELDS[field])


def test_stored_weights_round_trip_and_old_shapes_fall_back_to_the_defaults():
    learned = Weights(
        m={**DEFAULT.m, "city": (0.9, 0.05, 0.05)},
        u={**DEFAULT.u, "city": (0.01, 0.01, 0.98)},
        prior=-12.0,
        tf={"city": {"brno": 0.04}},
        tf_floor={"city": 0.001},
    )
    again = Weights.from_json(learned.to_json(), version=4)
    assert again.bits == learned.bits and again.version == 4 and again.prior == -12.0
    stored = learned.to_json()
    stored["m"]["city"] = [0.5, 0.5]  # a level more or less than now: that field's defaults
    assert Weights.from_json(stored).bits["city"] == DEFAULT.bits["city"]


def test_term_frequency_adjusts_an_exact_agreement_within_bounds():
    w = Weights(
        m=DEFAULT.m, u=DEFAULT.u, tf={"last_name": {"novak": 0.2}}, tf_floor={"last_name": 1e-9}
    )
    u = DEFAULT.u["last_name"][0]
    assert w.tf_adjust("last_name", "novak") == pytest.approx(max(math.log2(u / 0.2), -5))
    assert w.tf_adjust("last_name", "zzz") == 3.0  # rare: bounded above
    assert w.tf_adjust("city", "brno") == 0.0  # no table: no adjustment


def test_the_prior_spreads_the_matches_found_over_all_pairs():
    assert fs.prior_bits(0.5, 2000, 1_000_000) == pytest.approx(math.log2(1000 / 999_000))
    assert fs.prior_bits(0.5, 0, 10) == fs.DEFAULT_PRIOR


# Levels, per language ---------------------------------------------------------------------


def _level(field: str, a: dict, b: dict) -> str:
    found = compare(prepare(a), prepare(b), [field])
    return FIELDS[field][found[field][0]] if field in found else "-"


@pytest.mark.parametrize(
    "a, b, level",
    [
        ("Jan", "Jan", "exact"),
        ("Šárka", "Sarka", "exact"),  # cs: accents folded
        ("Ľubomír", "Lubomir", "exact"),  # sk
        ("Małgorzata", "Malgorzata", "exact"),  # pl
        ("Agnieszka", "Agnieska", "jw92"),  # pl, a letter dropped
        ("Žydrūnas", "Zydrunass", "jw92"),  # lt
        ("Văn An", "Van An", "exact"),  # vi
        ("Martin", "Martyna", "jw88"),
        ("Jana", "Jaea", "typo1"),
        ("J.", "Jan", "initial"),
        ("Petr", "Eva", "other"),
        ("", "Eva", "-"),
    ],
)
def test_first_name_levels(a, b, level):
    assert (
        _level(
            "first_name", {"first_name": a, "last_name": "X"}, {"first_name": b, "last_name": "X"}
        )
        == level
    )


@pytest.mark.parametrize(
    "a, b, level",
    [
        ("Novák", "Novak", "exact"),
        ("Kowalski", "Kowalsky", "jw92"),
        ("Nowak", "Novak", "jw88"),
        ("Mslá", "Malá", "typo1"),
        ("Kazlauskas", "Petrauskienė", "other"),
        ("Nguyễn", "Nguyen", "exact"),
    ],
)
def test_last_name_levels(a, b, level):
    assert _level("last_name", {"last_name": a}, {"last_name": b}) == level


def test_swapped_names_are_one_level_of_the_first_name_and_count_once():
    a = {"first_name": "Anna", "last_name": "Nowak"}
    for b in (
        {"first_name": "Nowak", "last_name": "Anna"},
        {"first_name": "Nuwak", "last_name": "Anna"},
    ):
        found = compare(prepare(a), prepare(b), ["first_name", "last_name"])
        assert found["first_name"][0] == level_code("first_name", "swapped")
        assert "last_name" not in found
    _p, reasons = score(prepare(a), prepare({"first_name": "Nowak", "last_name": "Anna"}))
    assert reasons == ["first and last name swapped (+5.0)"]


@pytest.mark.parametrize(
    "field, a, b, level",
    [
        ("postcode", "602 00", "60200", "exact"),
        ("postcode", "LT-01100", "01100", "exact"),
        ("postcode", "60200", "60020", "typo1"),  # transposed
        ("postcode", "11000", "11099", "typo2"),
        ("postcode", "11000", "60200", "other"),
        ("registration_number", "CZ12345678", "12345678", "exact"),
        ("registration_number", "12345678", "12345687", "typo1"),
        ("registration_number", "12345678", "21345687", "typo2"),
        ("registration_number", "12345678", "87654321", "other"),
        ("phone", "+420603123456", "+420603123465", "typo1"),
        ("phone", "+48601234567", "+48 601 234 567", "exact"),
        ("number", "1511/230", "1511/230", "exact"),
        ("number", "12", "21", "typo1"),
        ("number", "12", "5", "other"),
    ],
)
def test_typo_levels(field, a, b, level):
    key = {"number": "street", "registration_number": "registration_number"}.get(field, field)
    if field == "number":
        a, b = f"Mlýnská {a}", f"Mlýnská {b}"
    assert _level(field, {key: a, "last_name": "X"}, {key: b, "last_name": "X"}) == level


@pytest.mark.parametrize(
    "field, a, b, level",
    [
        ("city", "Hà Nội", "Ha Noi", "exact"),
        ("city", "Kėdainiai", "Kedainiaj", "close"),
        ("city", "Brno", "Praha", "other"),
        ("street", "Vinohradská 1511/230", "Vinohradska 12", "exact"),
        ("street", "ul. Długa 5", "Dluga 5/3", "exact"),
        ("street", "Mlýnská 12", "Mlýnskáá 12", "close"),
        ("street", "Bedford 4", "Bedfordtreet 4", "close"),
        ("street", "Mlýnská 12", "Husova 12", "other"),
        ("street", "22 mathieson c rescent", "22 Mathieson Crescent", "exact"),  # split word
        # a long street word mistyped: the name is a prefix of the other
        ("street", "13 morgan c eescent", "Morgan Crescent", "close"),
        ("street", "hyndes creascent", "6 Hyndes Crescent", "close"),
        ("street", "Morgan 13", "Morganová 13", "close"),  # cs: a prefix too
        ("street", "Nová 13", "Novákova 13", "other"),  # too short to be read as one
        ("premises", "laughalel farm", "laughalple farm", "close"),
        ("premises", "Budova A", "budova  a", "exact"),
        ("premises", "Budova A", "Areál Zbrojovka", "other"),
    ],
)
def test_place_levels(field, a, b, level):
    key = {"premises": "street2"}.get(field, field)
    street = {"street": "Husova 5"} if field == "premises" else {}
    assert _level(field, {key: a, "last_name": "X", **street},
                  {key: b, "last_name": "X", **street}) == level  # fmt: skip


# Blocking, per language -------------------------------------------------------------------


def _meet(a: dict, b: dict) -> set[str]:
    return set(blocking_keys(prepare(a))) & set(blocking_keys(prepare(b)))


@pytest.mark.parametrize(
    "a, b, kind",
    [
        # cs: surname with a typo, the same given name in the same city (postcode mistyped)
        ({"first_name": "Jana", "last_name": "Kopřivová", "city": "Most", "postcode": "43401"},
         {"first_name": "Jana", "last_name": "Kopřiová", "city": "Most", "postcode": "43410"},
         "g"),
        # sk: given name mistyped, the same surname in the same postcode
        ({"first_name": "Ľubomír", "last_name": "Horváth", "postcode": "949 01"},
         {"first_name": "Lubomr", "last_name": "Horvath", "postcode": "94901"}, "s"),
        # pl: Szymański / Simanski sound alike (sz, y/i), without a place
        ({"first_name": "Piotr", "last_name": "Szymański"},
         {"first_name": "Piotr", "last_name": "Simanski"}, "d"),
        # lt: the whole name without a place
        ({"first_name": "Žydrūnas", "last_name": "Kazlauskas", "city": "Vilnius"},
         {"first_name": "Zydrunas", "last_name": "Kazlauskas", "city": "Kaunas"}, "z"),
        # vi: first and last name swapped, still the whole name
        ({"first_name": "Văn An", "last_name": "Nguyễn"},
         {"first_name": "Nguyen", "last_name": "Van An"}, "z"),
        # an id with one typo (a transposition) meets through its deletion neighbourhood
        ({"company_name": "Porost", "registration_number": "12345678"},
         {"company_name": "Prost", "registration_number": "12345687"}, "t"),
        ({"company_name": "Porost", "registration_number": "12345678"},
         {"company_name": "Prost", "registration_number": "1234568"}, "t"),
        # The street in its town, both names and the postcode retyped: cs, the house number
        # left out once
        ({"first_name": "Jana", "last_name": "Malá", "street": "Husova 5", "city": "Vimperk",
          "postcode": "38501"},
         {"first_name": "Janka", "last_name": "Malíková", "street": "Husova", "city": "Vimperk",
          "postcode": "38510"}, "b"),
        # pl: the street word and the accents differ
        ({"first_name": "Paweł", "last_name": "Wróbel", "street": "ul. Długa 5",
          "city": "Kraków"},
         {"first_name": "Pawel", "last_name": "Wrobelski", "street": "Dluga 5",
          "city": "Krakow"}, "b"),
        # lt: "pr." and "prospektas"
        ({"first_name": "Rūta", "last_name": "Kazlauskienė", "street": "Gedimino pr. 9",
          "city": "Vilnius"},
         {"first_name": "Ruta", "last_name": "Kazlauskaitė", "street": "Gedimino prospektas 9",
          "city": "Vilnius"}, "b"),
        # vi: a short first word takes the next one along ("le loi")
        ({"first_name": "Văn An", "last_name": "Nguyễn", "street": "Lê Lợi 12", "city": "Huế"},
         {"first_name": "An", "last_name": "Trần", "street": "Le Loi 12", "city": "Hue"}, "b"),
        # en (FEBRL): the street word mistyped, other names, the postcode transposed
        ({"first_name": "Nicholas", "last_name": "Matthews", "street": "26 Yampi Place",
          "city": "Greenwood", "postcode": "2089"},
         {"first_name": "Joanna", "last_name": "Matthews", "street": "26 Yampi Plvace",
          "city": "Greenwood", "postcode": "2098"}, "b"),
    ],
)  # fmt: skip
def test_typo_blocking_keys_meet(a, b, kind):
    assert kind in {key[0] for key in _meet(a, b)}


def test_typo_blocking_keys_keep_strangers_apart():
    assert not _meet(
        {"company_name": "A", "registration_number": "12345678"},
        {"company_name": "B", "registration_number": "12346687"[::-1]},
    )
    assert not {k for k in _meet({"first_name": "Jan", "last_name": "Novák"},
                                 {"first_name": "Petr", "last_name": "Dvořák"})}  # fmt: skip


@pytest.mark.parametrize(
    "a, b",
    [("szymanski", "simanski"), ("nowak", "novak"), ("krzyzanowski", "kzizanovski"),
     ("chmelar", "hmelar"), ("kazlauskas", "kazlauskass"), ("schmidt", "smidt")],
)  # fmt: skip
def test_surname_sounds_across_spellings(a, b):
    assert surname_sound(a) == surname_sound(b)


def test_a_street_in_another_town_is_another_block():
    a = {"last_name": "Malá", "street": "Husova 5", "city": "Vimperk"}
    assert not {k for k in _meet(a, {**a, "city": "Brno"}) if k[0] == "b"}
    assert not {k for k in _meet(a, {**a, "street": "Palackého 5"}) if k[0] == "b"}


@pytest.mark.parametrize(
    "a, b",
    [("yampi", "yampi plvace"), ("lance hill", "lance hlil"), ("le loi", "leloi"),
     ("vinohradska", "vinohradskaa")],
)  # fmt: skip
def test_a_street_sounds_by_its_first_word(a, b):
    assert street_sound(a) == street_sound(b)


@pytest.mark.parametrize(
    "a, b, level",
    [
        # en (FEBRL): the two lines swapped, the street word glued on the second line
        ({"street": "42 Stone Place", "street2": "Medical Centre"},
         {"street": "42 Medical Centre", "street2": "Stoneplace"}, "exact"),
        # only one record has a second line; the street mistyped there
        ({"street": "42 Stone Place"},
         {"street": "42 Medical Centre", "street2": "Stone Plaec"}, "close"),
        # cs: a building typed first, the street second
        ({"street": "Husova 5", "street2": "Areál Zbrojovka"},
         {"street": "Areál Zbrojovka 5", "street2": "Husova"}, "exact"),
        # another street on either line stays another street
        ({"street": "Husova 5", "street2": "Areál Zbrojovka"},
         {"street": "Palackého 5", "street2": "Budova A"}, "other"),
    ],
)  # fmt: skip
def test_address_lines_typed_the_other_way_round_compare_as_the_street(a, b, level):
    found = compare(prepare({**a, "last_name": "X"}), prepare({**b, "last_name": "X"}),
                    ["street", "premises"])  # fmt: skip
    assert FIELDS["street"][found["street"][0]] == level
    # The second lines were read as the street: not weighed again (unless nothing crossed).
    assert ("premises" in found) == (level == "other" and "street2" in b)
