"""Comparison levels of a pair of prepared records, field by field. Pure (no ORM).

Fellegi–Sunter compares two records field by field, and each field's comparison falls into
one of a few *levels* (exact, one typo, similar, other); each level has its own weight,
learned from the installation's records (see `fellegi_sunter`). A field that one of the two
records lacks is not compared (level -1) and weighs nothing.

`compare` is the definition; `vectorized.levels_of` computes the same levels over arrays of
pairs, and a test holds the two equal on every pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from .similarity import from_name, line_as_street, name_similarity, street_similarity

if TYPE_CHECKING:
    from .prepared import Prepared  # type only

# Fields in scoring order, each with its levels, strongest first; "other" is always last.
FIELDS: dict[str, tuple[str, ...]] = {
    "email": ("exact", "local", "local_name", "other"),
    "phone": ("exact", "typo1", "other"),
    "registration_number": ("exact", "typo1", "typo2", "other"),
    "first_name": ("exact", "jw92", "swapped", "jw88", "typo1", "initial", "other"),
    "last_name": ("exact", "jw92", "jw88", "typo1", "other"),
    "company": ("exact", "close", "similar", "other"),
    "postcode": ("exact", "typo1", "typo2", "other"),
    "city": ("exact", "close", "other"),
    "street": ("exact", "close", "other"),
    "number": ("exact", "typo1", "other"),
    "premises": ("exact", "close", "other"),
}
FIELD_NAMES = tuple(FIELDS)
# The rules a user picks (e-mail, phone, …) and the fields each switches on.
RULE_FIELDS = {
    "email": ("email",),
    "phone": ("phone",),
    "registration_number": ("registration_number",),
    "name": ("first_name", "last_name"),
    "company": ("company",),
    "address": ("postcode", "city", "street", "number", "premises"),
}
# Fields whose exact agreement weighs by how common the value is (term frequency).
TF_FIELDS = ("first_name", "last_name", "city")
# Fields whose level comes from a similarity worth showing ("first name 0.93").
SIMILARITY_FIELDS = ("first_name", "last_name", "company", "city", "street")

JW_HIGH, JW_LOW = 0.92, 0.88
CITY_CLOSE = 0.9
STREET_CLOSE = 0.9
COMPANY_CLOSE, COMPANY_SIMILAR = 0.95, 0.88


def fields_of(rules: Iterable[str]) -> tuple[str, ...]:
    wanted = {f for rule in rules for f in RULE_FIELDS.get(rule, ())}
    return tuple(f for f in FIELD_NAMES if f in wanted)


def level_code(field: str, level: str) -> int:
    return FIELDS[field].index(level)


def _typos(a: str, b: str) -> int:
    return DamerauLevenshtein.distance(a, b)


SWAP_EACH, SWAP_MEAN = 0.8, 0.9


def swapped(a: Prepared, b: Prepared) -> bool:
    """First and last name typed in each other's place, a typo allowed: each name close to
    the other's (Jaro–Winkler ≥ 0.8) and the two on average ≥ 0.9."""
    if not (a.given and a.family and b.given and b.family):
        return False
    jw = JaroWinkler.similarity
    x, y = jw(a.given, b.family), jw(a.family, b.given)
    return x >= SWAP_EACH and y >= SWAP_EACH and x + y >= 2 * SWAP_MEAN


def _first_name_level(x: str, y: str, swap: bool) -> tuple[int, float]:
    if x == y:
        return 0, 1.0
    s = JaroWinkler.similarity(x, y)
    if s >= JW_HIGH:
        return 1, s
    if swap:
        return 2, s
    if s >= JW_LOW:
        return 3, s
    if _typos(x, y) <= 1:
        return 4, s
    if (len(x) == 1 or len(y) == 1) and x[0] == y[0]:
        return 5, s
    return 6, s


def _last_name_level(x: str, y: str) -> tuple[int, float]:
    if x == y:
        return 0, 1.0
    s = JaroWinkler.similarity(x, y)
    if s >= JW_LOW:
        return (1 if s >= JW_HIGH else 2), s
    return (3 if _typos(x, y) <= 1 else 4), s


def _street_level(x: str, y: str) -> tuple[int, float]:
    if x.replace(" ", "") == y.replace(" ", ""):
        return 0, 1.0
    s = street_similarity(x, y)
    return (1 if s >= STREET_CLOSE else 2), s


def _crossed_lines(a: Prepared, b: Prepared) -> tuple[int, float] | None:
    """The street level of two records whose address lines were typed the other way round
    ("42 Medical Centre" / "Stone Place" against "42 Stone Place" / "Medical Centre"): the
    best of each street against the other's second line, when that is exact or close. The
    second lines then count no more (they were read as the street)."""
    crossings = [
        _street_level(street, line_as_street(line))
        for street, line in ((a.street, b.line2), (b.street, a.line2))
        if line
    ]
    best = min(crossings, key=lambda level: (level[0], -level[1]), default=None)
    return best if best is not None and best[0] < 2 else None


def compare(a: Prepared, b: Prepared, fields: Iterable[str]) -> dict[str, tuple[int, float]]:
    """{field: (level index, similarity)} of the fields both records have."""
    out: dict[str, tuple[int, float]] = {}
    fields = set(fields)
    if "email" in fields and a.emails and b.emails:
        if any(e in b.emails for e in a.emails):
            out["email"] = (0, 1.0)
        elif shared := set(a.email_names) & set(b.email_names):
            # "jana.cerna@" says little beyond the name when the person is Jana Černá.
            out["email"] = (2 if all(from_name(n, a.person) for n in shared) else 1, 1.0)
        else:
            out["email"] = (3, 0.0)
    for field, name, steps in (("phone", "phones", 1), ("registration_number", "ids", 2)):
        x, y = getattr(a, name), getattr(b, name)
        if field in fields and x and y:
            if any(v in y for v in x):
                out[field] = (0, 1.0)
            else:  # a typo compares the first of each (sorted) list
                d = _typos(x[0], y[0])
                out[field] = (d if d <= steps else steps + 1, 0.0)
    # A swap (first_name's level 2) stands for both names: the last name is then not
    # compared again, so the one piece of evidence is not counted twice.
    swap = False
    if "first_name" in fields and a.given and b.given:
        out["first_name"] = _first_name_level(a.given, b.given, swapped(a, b))
        swap = out["first_name"][0] == 2
    if "last_name" in fields and a.family and b.family and not swap:
        out["last_name"] = _last_name_level(a.family, b.family)
    if "company" in fields and a.company and b.company:
        s = 1.0 if a.company == b.company else name_similarity(a.company, b.company)
        level = 0 if a.company == b.company else 1 if s >= COMPANY_CLOSE else 2
        out["company"] = (level if s >= COMPANY_SIMILAR else 3, s)
    if "postcode" in fields and a.postcode and b.postcode:
        d = 0 if a.postcode == b.postcode else _typos(a.postcode, b.postcode)
        out["postcode"] = (min(d, 3), 0.0)
    if "city" in fields and a.city and b.city:
        if a.city == b.city:
            out["city"] = (0, 1.0)
        else:
            s = JaroWinkler.similarity(a.city, b.city)
            out["city"] = (1 if s >= CITY_CLOSE else 2, s)
    crossed = False
    if "street" in fields and a.street and b.street:
        out["street"] = _street_level(a.street, b.street)
        if out["street"][0] == 2 and (crossing := _crossed_lines(a, b)):
            out["street"], crossed = crossing, True
    if "number" in fields and a.number and b.number:
        d = 0 if a.number == b.number else _typos(a.number, b.number)
        out["number"] = (min(d, 2), 0.0)
    if "premises" in fields and a.line2 and b.line2 and not crossed:
        la, lb = a.line2.replace(" ", ""), b.line2.replace(" ", "")
        if la == lb:
            out["premises"] = (0, 1.0)
        else:
            s = JaroWinkler.similarity(la, lb)
            out["premises"] = (1 if s >= CITY_CLOSE else 2, s)
    return out


# Reasons ------------------------------------------------------------------------------------

_FIXED_REASONS = {
    ("email", 0): "same e-mail",
    ("email", 1): "same e-mail name, other domain",
    ("email", 2): "same e-mail name, other domain",
    ("phone", 0): "same phone",
    ("phone", 1): "phone 1 typo",
    ("registration_number", 0): "same registration number",
    ("registration_number", 1): "registration number 1 typo",
    ("registration_number", 2): "registration number 2 typos",
    ("registration_number", 3): "other registration number",
    ("first_name", 0): "same first name",
    ("first_name", 2): "first and last name swapped",
    ("first_name", 4): "first name 1 typo",
    ("first_name", 5): "first name initial",
    ("last_name", 3): "last name 1 typo",
    ("last_name", 0): "same last name",
    ("company", 0): "same company",
    ("postcode", 0): "same postcode",
    ("postcode", 1): "postcode 1 typo",
    ("postcode", 2): "postcode 2 typos",
    ("city", 0): "same city",
    ("street", 0): "same street",
    ("number", 0): "same house number",
    ("number", 1): "house number 1 typo",
    ("premises", 0): "same address line 2",
    ("premises", 1): "similar address line 2",
}
_SCORED_LABEL = {
    "first_name": "first name",
    "last_name": "last name",
    "company": "company",
    "city": "city",
    "street": "street",
}


def reason(field: str, level: int, similarity: float, weight: float) -> str | None:
    """What a field's comparison says, with its weight in bits: "postcode 1 typo (+3.1)",
    "first name 0.93 (+4.2)". Fields that count against the pair are left out, but for another
    registration number, which alone tells two companies apart."""
    if weight <= 0 and (field, level) != ("registration_number", 3):
        return None
    text = _FIXED_REASONS.get((field, level))
    if text is None:
        if field not in _SCORED_LABEL:
            return None
        text = f"{_SCORED_LABEL[field]} {similarity:.2f}"
    return f"{text} ({weight:+.1f})"
