"""The finder's bulk scorer gives exactly `matching.score`: probability and reasons."""

import random
from collections import Counter
from itertools import combinations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from leadbridge.duplicates import vectorized
from leadbridge.duplicates.matching import ALL_RULES, RULES, encode, prepare, score

FIRST = ["Jan", "Jana", "Petr", "Eva", "Honza", "Nguyễn Văn", "Agnieszka", "Jonas", "Jan Maria"]
LAST = ["Novák", "Novak", "Nowak", "Černá", "Cerna", "Kowalska", "Kazlauskas", "Trần", "Novákk"]
COMPANIES = ["", "Porost s.r.o.", "POROST, spol. s r.o.", "Porost", "Acme Trading a.s.",
             "Acme Tradin", "UAB Saulė", "Công ty TNHH Minh Anh", "Minh Anh JSC",
             "Nowak Sp. z o.o."]  # fmt: skip
STREETS = ["", "Mlýnská 12", "Mlynska 12", "Mlýnská 21", "Mlýnská 12a", "ul. Długa 5", "Dluga 5/3"]
POSTCODES = ["", "602 00", "60200", "60201", "00-950", "LT-01100"]


def _record(rng: random.Random) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice([f"{first}.{last}", f"{last}{rng.randint(1, 3)}", "info", "jn"])
    emails = [f"{local}@{rng.choice(['firma.cz', 'gmail.com', 'seznam.cz'])}"]
    emails += [f"x{rng.randint(1, 4)}@firma.cz" for _ in range(rng.choice([0, 0, 1, 4]))]
    phones = rng.sample(["+420603123456", "+420777111222", "+48601234567", "+37061234567",
                         "+84912345678"], rng.choice([0, 1, 1, 2, 4]))  # fmt: skip
    return {
        "first_name": first if rng.random() > 0.1 else "",
        "last_name": last,
        "email": emails[0] if rng.random() > 0.2 else "",
        "other_emails": emails[1:],
        "phone": phones[0] if phones else "",
        "other_phones": phones[1:],
        "company_name": rng.choice(COMPANIES),
        "registration_number": rng.choice(["", "", "12345678", "CZ12345678", "87654321"]),
        "street": rng.choice(STREETS),
        "postcode": rng.choice(POSTCODES),
        "city": rng.choice(["", "Brno", "Praha", "Vilnius"]),
        "country": rng.choice(["CZ", "PL", "LT"]),
    }


def _profiles(prepared):
    profiles = vectorized.Profiles()
    for n, p in enumerate(prepared):
        profiles.add(1000 + n, encode(p, f"record {n}"))
    profiles.freeze()
    return profiles


def _compare(prepared, rules=ALL_RULES, name_counts=True):
    profiles = _profiles(prepared)
    pairs = np.array(list(combinations(range(len(prepared)), 2)), dtype=np.int64)
    scored = vectorized.score_pairs(
        profiles, pairs[:, 0], pairs[:, 1], frozenset(rules), name_counts=name_counts
    )
    counts = Counter(p.person for p in prepared if p.person) if name_counts else None
    for i, (a, b) in enumerate(pairs.tolist()):
        expected = score(prepared[a], prepared[b], rules, counts)
        assert (float(scored.probability[i]), scored.reasons(i)) == expected, (a, b)
    return scored


def test_every_pair_of_varied_records_scores_as_the_scalar_scorer():
    rng = random.Random(5)
    prepared = [prepare(_record(rng)) for _ in range(160)]
    scored = _compare(prepared)
    # The data set reaches every branch worth checking.
    assert {1, 2, 3} <= set(scored.email.tolist())
    assert {1, 2} <= set(scored.phone.tolist()) and {1, 2} <= set(scored.ids.tolist())
    assert {1, 2, 3, 4} <= set(scored.postcode.tolist())
    assert {0, 1, 2} <= set(scored.street_state.tolist())
    assert {2, 3} <= set(scored.rarity.tolist())
    assert (scored.probability >= 0.9).sum() > 20


def test_a_name_many_records_share_weighs_less():
    rng = random.Random(3)
    prepared = [
        prepare({**_record(rng), "first_name": "Jan", "last_name": "Novák"}) for _ in range(60)
    ]
    scored = _compare(prepared)
    assert set(scored.rarity.tolist()) == {-1}


def test_rules_subsets_score_as_the_scalar_scorer():
    rng = random.Random(11)
    prepared = [prepare(_record(rng)) for _ in range(50)]
    _compare(prepared, name_counts=False)
    for n in range(1, len(RULES)):
        _compare(prepared, frozenset(RULES[:n]))
        _compare(prepared, frozenset(RULES[n:]))


text = st.text(alphabet="aábcčdeěnoórsštuvwyz .-,0123456789", max_size=24)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "first_name": text, "last_name": text, "company_name": text, "street": text,
    "postcode": text, "city": text, "email": text.map(lambda t: f"{t}@x.cz"),
    "registration_number": text,
}), min_size=2, max_size=8))  # fmt: skip
def test_random_values_score_as_the_scalar_scorer(rows):
    _compare([prepare(r) for r in rows])


def test_chunks_cover_every_pair():
    assert vectorized.chunks(0) == []
    parts = vectorized.chunks(vectorized._CHUNK * 2 + 1)
    assert [p.stop - p.start for p in parts] == [vectorized._CHUNK, vectorized._CHUNK, 1]
