"""The finder's bulk scorer gives exactly `matching.score`: probability and reasons."""

import random
from collections import Counter
from itertools import combinations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from leadbridge.duplicates import vectorized
from leadbridge.duplicates.fellegi_sunter import Weights
from leadbridge.duplicates.levels import FIELDS
from leadbridge.duplicates.matching import ALL_RULES, RULES, encode, prepare, score

FIRST = ["Jan", "Jana", "Petr", "Eva", "Honza", "Nguyễn Văn", "Agnieszka", "Jonas", "Jan Maria",
         "Martin", "Martyna"]  # fmt: skip
LAST = ["Novák", "Novak", "Nowak", "Černá", "Cerna", "Kowalska", "Kazlauskas", "Trần", "Novákk"]
COMPANIES = ["", "Porost s.r.o.", "POROST, spol. s r.o.", "Porost", "Acme Trading a.s.",
             "Acme Tradin", "Akme Tradin", "UAB Saulė", "Công ty TNHH Minh Anh", "Minh Anh JSC",
             "Nowak Sp. z o.o."]  # fmt: skip
STREETS = ["", "Mlýnská 12", "Mlynska 12", "Mlýnská 21", "Mlýnská 12a", "ul. Długa 5", "Dluga 5/3",
           "Mlýnskáá 12", "Bedford 4", "Bedfordtreet 4"]  # fmt: skip
POSTCODES = ["", "602 00", "60200", "60201", "60211", "00-950", "LT-01100"]


def _record(rng: random.Random) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice([f"{first}.{last}", f"{last}{rng.randint(1, 3)}", "info", "jn"])
    emails = [f"{local}@{rng.choice(['firma.cz', 'gmail.com', 'seznam.cz'])}"]
    emails += [f"x{rng.randint(1, 4)}@firma.cz" for _ in range(rng.choice([0, 0, 1, 4]))]
    phones = rng.sample(["+420603123456", "+420777111222", "+48601234567", "+37061234567",
                         "+84912345678", "+420603123465"], rng.choice([0, 1, 1, 2, 4]))  # fmt: skip
    return {
        "first_name": first if rng.random() > 0.1 else "",
        "last_name": last,
        "email": emails[0] if rng.random() > 0.2 else "",
        "other_emails": emails[1:],
        "phone": phones[0] if phones else "",
        "other_phones": phones[1:],
        "company_name": rng.choice(COMPANIES),
        "registration_number": rng.choice(
            ["", "", "12345678", "CZ12345678", "87654321", "12345687", "1234568", "21345687"]
        ),
        "street": rng.choice(STREETS),
        "street2": rng.choice(["", "", "Budova A", "budova a", "Budova AB", "Areál Zbrojovka"]),
        "postcode": rng.choice(POSTCODES),
        "city": rng.choice(["", "Brno", "Praha", "Vilnius", "Brnoo"]),
        "country": rng.choice(["CZ", "PL", "LT"]),
    }


def _profiles(prepared):
    profiles = vectorized.Profiles()
    for n, p in enumerate(prepared):
        profiles.add(1000 + n, encode(p, f"record {n}"))
    profiles.freeze()
    return profiles


def _learned_like(prepared) -> Weights:
    """Weights unlike the defaults, with term frequencies of the records' names and cities,
    so the parity covers the adjustment too."""
    m = {f: tuple(0.9 if k == 0 else 0.1 / (len(FIELDS[f]) - 1) for k in range(len(FIELDS[f])))
         for f in FIELDS}  # fmt: skip
    u = {f: tuple(0.002 * (k + 1) if k < len(FIELDS[f]) - 1 else 0.0 for k in range(len(FIELDS[f])))
         for f in FIELDS}  # fmt: skip
    u = {f: (*v[:-1], 1 - sum(v[:-1])) for f, v in u.items()}
    total = len(prepared)

    def shares(values, keep=None):
        return {k: c / total for k, c in list(Counter(v for v in values if v).items())[:keep]}

    tf = {
        "first_name": shares(p.given for p in prepared),
        "last_name": shares((p.family for p in prepared), keep=4),  # the rest: the floor
        "city": shares(p.city for p in prepared),
    }
    return Weights(m=m, u=u, prior=-12.5, version=3, tf=tf, tf_floor={"last_name": 1 / total})


def _compare(prepared, rules=ALL_RULES, weights=None):
    profiles = _profiles(prepared)
    pairs = np.array(list(combinations(range(len(prepared)), 2)), dtype=np.int64)
    scored = vectorized.score_pairs(profiles, pairs[:, 0], pairs[:, 1], frozenset(rules), weights)
    for i, (a, b) in enumerate(pairs.tolist()):
        expected = score(prepared[a], prepared[b], rules, weights)
        assert (float(scored.probability[i]), scored.reasons(i)) == expected, (a, b)
    return scored


def test_every_pair_of_varied_records_scores_as_the_scalar_scorer():
    rng = random.Random(5)
    prepared = [prepare(_record(rng)) for _ in range(160)]
    for weights in (None, _learned_like(prepared)):
        scored = _compare(prepared, weights=weights)
        # The data set reaches every level worth checking.
        for field, levels in FIELDS.items():
            seen = set(scored.levels[field].tolist())
            wanted = set(range(len(levels)))
            # swaps, name typos and initials: tested on their own below
            wanted -= {"first_name": {2, 4, 5}, "last_name": {3}}.get(field, set())
            assert wanted <= seen, (field, seen)
        assert (scored.probability >= 0.9).sum() > 20


def test_initials_and_swaps_score_as_the_scalar_scorer():
    rows = [
        {"first_name": "J.", "last_name": "Novák", "city": "Brno"},
        {"first_name": "Jan", "last_name": "Novák", "city": "Brno"},
        {"first_name": "Novák", "last_name": "Jan", "city": "Brnp"},
        {"first_name": "Nguyễn Văn", "last_name": "An", "city": "Hà Nội"},
        {"first_name": "An", "last_name": "Nguyen Van", "city": "Ha Noi"},
        {"first_name": "Jaea", "last_name": "Mslá", "city": "Most"},
        {"first_name": "Jana", "last_name": "Malá", "city": "Most"},
        {"first_name": "Nuwak", "last_name": "Anna", "city": "Toruń"},
        {"first_name": "Anna", "last_name": "Nowak", "city": "Torun"},
    ]
    prepared = [prepare(r) for r in rows]
    scored = _compare(prepared, weights=_learned_like(prepared))
    assert {2, 4, 5} <= set(scored.levels["first_name"].tolist())
    assert 3 in set(scored.levels["last_name"].tolist())


def test_crossed_address_lines_score_as_the_scalar_scorer():
    rows = [
        {"last_name": "Wieloch", "street": "42 Stone Place", "street2": "Medical Centre"},
        {"last_name": "Wieloch", "street": "42 Medical Centre", "street2": "Stoneplace"},
        {"last_name": "Wieloch", "street": "42 Medical Centre"},
        {"last_name": "Wieloch", "street": "42 Medical Centre", "street2": "Stone Plaec"},
        {"last_name": "Kuras", "street": "110 Milson Srteet", "street2": "Torbanlea"},
        {"last_name": "Kuras", "street": "110 Torbalea", "street2": "Milson Street"},
        {"last_name": "Kuras", "street": "Husova 5", "street2": "Budova A"},
        {"last_name": "Kuras", "street": "Budova A", "street2": "Husova"},
        {"last_name": "Ryan", "street": "13 Morgan C Eescent"},  # a street word cut or
        {"last_name": "Ryan", "street": "Morgan Crescent", "street2": "Morgan Creascent"},
        {"last_name": "Ryan", "street": "Westport", "street2": "Morganceescent"},  # moved
    ]
    prepared = [prepare(r) for r in rows]
    for weights in (None, _learned_like(prepared)):
        scored = _compare(prepared, weights=weights)
        crossed = (scored.levels["street"] <= 1) & (scored.levels["premises"] == -1)
        assert crossed.sum() >= 4


def test_rules_subsets_score_as_the_scalar_scorer():
    rng = random.Random(11)
    prepared = [prepare(_record(rng)) for _ in range(50)]
    weights = _learned_like(prepared)
    for n in range(1, len(RULES)):
        _compare(prepared, frozenset(RULES[:n]), weights)
        _compare(prepared, frozenset(RULES[n:]))


text = st.text(alphabet="aábcčdeěnoórsštuvwyz .-,0123456789", max_size=24)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "first_name": text, "last_name": text, "company_name": text, "street": text,
    "street2": text, "postcode": text, "city": text, "email": text.map(lambda t: f"{t}@x.cz"),
    "registration_number": text, "phone": text,
}), min_size=2, max_size=8))  # fmt: skip
def test_random_values_score_as_the_scalar_scorer(rows):
    prepared = [prepare(r) for r in rows]
    _compare(prepared)
    _compare(prepared, weights=_learned_like(prepared))


def test_chunks_cover_every_pair():
    assert vectorized.chunks(0) == []
    parts = vectorized.chunks(vectorized._CHUNK * 2 + 1)
    assert [p.stop - p.start for p in parts] == [vectorized._CHUNK, vectorized._CHUNK, 1]


def test_repeated_pairs_are_compared_once_and_give_each_pair_its_value():
    vocab = vectorized._Vocab()
    codes = [vocab.code(v) for v in ("60200", "60201", "602", "99999999", "60200")]
    assert codes[0] == codes[4]  # one code per distinct value
    ca = np.array([codes[0], codes[0], codes[1], codes[3], codes[0]])
    cb = np.array([codes[1], codes[1], codes[0], codes[0], codes[2]])
    left, right, inverse = vectorized._distinct_pairs(vocab.values, ca, cb)
    assert len(left) == 4  # (60200, 60201) twice, once
    assert [(left[i], right[i]) for i in inverse] == [
        ("60200", "60201"),
        ("60200", "60201"),
        ("60201", "60200"),
        ("99999999", "60200"),
        ("60200", "602"),
    ]
    # Damerau–Levenshtein up to the cut-off, every greater distance as cut-off + 1 ("other").
    typos = vectorized._typos(vocab, ca, cb).tolist()
    assert typos == [1, 1, 1, vectorized.TYPO_CUTOFF + 1, 2]
    jw = vectorized._similarity(vocab, ca, cb, vectorized.JaroWinkler.similarity)
    assert jw[0] == jw[1] == jw[2] and 0.9 < jw[0] < 1.0
