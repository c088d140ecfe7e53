"""Candidate pairs scored in bulk, for the finder. Pure (no ORM).

`matching.score` (with `levels.compare`) stays the definition of a pair's score; this module
computes the same comparison levels and applies the same weights to whole arrays of pairs, so
a million records' pairs cost seconds, not minutes:

- the records' profiles are held as columns: hashes for the lists that are only compared for
  a shared item (e-mails, phones, ids), vocabulary codes for the strings whose similarity or
  typos are measured (names, postcode, street, city, the first phone and id), so memory is a
  few numbers a record;
- string similarities come from rapidfuzz's `cpdist` (C, over both cores), and only for the
  pairs whose codes differ;
- the rare shapes that do not fit the columns (a record with more than `SLOTS` e-mails, a name
  of three words against one of two) are scored one by one with `matching`'s own functions.

A test holds `score_pairs` equal to `matching.score` on every candidate pair of a generated
data set, probability and reasons alike.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import OSA, DamerauLevenshtein, Indel, JaroWinkler
from rapidfuzz.process import cpdist

from . import levels as lv
from . import similarity
from .fellegi_sunter import DEFAULT, Weights
from .levels import TF_FIELDS
from .matching import (
    _FIELD,
    _ITEM,
    SWAPPED,
    probability_of,
)
from .similarity import from_name, truncated

WORDS = 4  # words of a name compared in bulk; longer names are compared one by one
SLOTS = 3  # items of an e-mail, phone or id list held as columns; longer lists go to `extra`
_TUPLES = ("emails", "email_names", "phones", "ids")
# Typos beyond which every level is "other" (`levels`: ids and phones 2, postcodes 2,
# house numbers 1, names 1), so a distance is computed no further.
TYPO_CUTOFF = 2
_CHUNK = 400_000  # pairs scored at once (bounds the temporary arrays)


class _Vocab:
    """Distinct strings of a column and their codes; code 0 is the empty string."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {"": 0}
        self.values: list[str] = [""]
        self._words: tuple[np.ndarray, np.ndarray, list[str]] | None = None
        self._heads: tuple[np.ndarray, np.ndarray] | None = None

    def code(self, value: str) -> int:
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code

    def heads(self) -> tuple[np.ndarray, np.ndarray]:
        """Each value's length and its first character's code point (0 for the empty one),
        computed once, so a test of initials runs over arrays."""
        if self._heads is None or len(self._heads[0]) != len(self.values):
            self._heads = (
                np.fromiter(map(len, self.values), dtype=np.int64, count=len(self.values)),
                np.fromiter(
                    (ord(v[0]) if v else 0 for v in self.values),
                    dtype=np.int64,
                    count=len(self.values),
                ),
            )
        return self._heads

    def words(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Each value split into words once: (number of words, codes of its first WORDS
        words in a vocabulary of words, that vocabulary's words)."""
        if self._words is None:
            index: dict[str, int] = {"": 0}
            count = np.zeros(len(self.values), dtype=np.int16)
            codes = np.zeros((WORDS, len(self.values)), dtype=np.int32)
            for n, value in enumerate(self.values):
                words = value.split()
                count[n] = len(words)
                for k, word in enumerate(words[:WORDS]):
                    codes[k, n] = index.setdefault(word, len(index))
            self._words = count, codes, list(index)
        return self._words


class Profiles:
    """Prepared records as columns; row i is the record `ids[i]`. Built from the stored
    match profiles (`matching.encode`) without making a `Prepared` per record."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.names: list[str] = []
        self._slots = {f: [array("q") for _ in range(SLOTS)] for f in _TUPLES}
        self._from_name = array("b")  # bit k: e-mail name k is just the person's name
        self.extra: dict[str, dict[int, tuple]] = {f: {} for f in _TUPLES}
        # "pn": first and last names in one vocabulary, so a swap compares codes of both.
        self.vocab = {
            f: _Vocab() for f in ("person", "company", "postcode", "sn", "number", "city", "pn",
                                  "phone0", "id0", "country", "premises")
        }  # fmt: skip
        self._name_codes = {"given": array("i"), "family": array("i")}
        self._first = {"phones": array("i"), "ids": array("i")}
        self._codes = {
            f: array("i")
            for f in (
                "person",
                "company",
                "postcode",
                "sn",
                "number",
                "city",
                "country",
                "premises",
            )
        }
        self._has_street = array("b")

    def add(self, record_id: int, text: str) -> None:
        """One stored profile (the text of `matching.encode`)."""
        parts = text.split(_FIELD)
        row = len(self.ids)
        self.ids.append(record_id)
        person = parts[4]
        for n, name in enumerate(_TUPLES):
            slots = self._slots[name]
            part = parts[n]
            if not part:
                for column in slots:
                    column.append(0)
                if n == 1:
                    self._from_name.append(0)
                if name in self._first:
                    self._first[name].append(0)
                continue
            items = part.split(_ITEM)
            if name in self._first:  # the first item, compared for a typo
                self._first[name].append(self.vocab["phone0" if n == 2 else "id0"].code(items[0]))
            # Python's hash: salted per process, which is all one run needs. Two different
            # values colliding among a million is about 1e-8 likely, and would only propose
            # a pair to a person. 0 marks an empty slot.
            hashes = [hash(v) or 1 for v in items]
            if len(items) > SLOTS:
                self.extra[name][row] = (
                    tuple((h, from_name(v, person)) for h, v in zip(hashes, items, strict=True))
                    if n == 1
                    else tuple(hashes)
                )
            for k, column in enumerate(slots):
                column.append(hashes[k] if k < len(hashes) else 0)
            if n == 1:  # e-mail names: which are just the person's name
                bits = 0
                for k, value in enumerate(items[:SLOTS]):
                    bits |= from_name(value, person) << k
                self._from_name.append(bits)
        street, number = parts[7], parts[8]
        codes, vocab = self._codes, self.vocab
        codes["person"].append(vocab["person"].code(person))
        codes["company"].append(vocab["company"].code(parts[5]))
        codes["postcode"].append(vocab["postcode"].code(parts[6]))
        codes["sn"].append(vocab["sn"].code(street.replace(" ", "")))
        codes["number"].append(vocab["number"].code(number))
        self._has_street.append(bool(street))
        codes["city"].append(vocab["city"].code(parts[9]))
        self.names.append(parts[10])
        given, family, country, line2 = (parts[11:15] + ["", "", "", ""])[:4]
        codes["country"].append(vocab["country"].code(country))
        codes["premises"].append(vocab["premises"].code(line2.replace(" ", "")))
        self._name_codes["given"].append(vocab["pn"].code(given))
        self._name_codes["family"].append(vocab["pn"].code(family))

    def freeze(self) -> None:
        """Columns as numpy arrays (after the last `add`)."""
        self.id_array = np.frombuffer(self.ids, dtype=np.int64)
        # Rows by record id through a sorted copy (a dict of a million ids costs ~100 MB).
        self._by_id = np.argsort(self.id_array, kind="stable")
        self._sorted_ids = self.id_array[self._by_id]
        self.slots = {f: np.stack([np.frombuffer(c, dtype=np.int64) for c in cols]) for f, cols
                      in self._slots.items()}  # fmt: skip
        self.from_name = np.frombuffer(self._from_name, dtype=np.int8)
        self.codes = {f: np.frombuffer(c, dtype=np.int32) for f, c in self._codes.items()}
        self.has_street = np.frombuffer(self._has_street, dtype=np.int8).astype(bool)
        for f, c in (*self._name_codes.items(), *self._first.items()):
            self.codes[f] = np.frombuffer(c, dtype=np.int32)
        self.has_extra = {f: np.zeros(len(self.ids), dtype=bool) for f in _TUPLES}
        for f, rows in self.extra.items():
            if rows:
                self.has_extra[f][list(rows)] = True
        del self._slots, self._codes, self._name_codes, self._first

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, record_ids: np.ndarray) -> np.ndarray:
        """Row of each record id; -1 for ids without a profile."""
        if not len(self._by_id):
            return np.full(len(record_ids), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted_ids, record_ids), len(self._by_id) - 1)
        return np.where(self._sorted_ids[at] == record_ids, self._by_id[at], -1)

    def present(self, field: str, rows: np.ndarray) -> np.ndarray:
        return self.slots[field][0][rows] != 0


@dataclass
class Scored:
    """Scores of pairs of rows (`a`, `b`): each field's level (-1 not compared), the
    similarity behind it, and its weight in bits (0 where not compared)."""

    a: np.ndarray
    b: np.ndarray
    probability: np.ndarray
    levels: dict[str, np.ndarray]
    similarity: dict[str, np.ndarray]
    weight: dict[str, np.ndarray]

    def reasons(self, i: int) -> list[str]:
        """The reasons `matching.score` gives for pair i, in its order."""
        return self.reasons_of(np.array([i]))[0]

    def reasons_of(self, which: np.ndarray) -> list[list[str]]:
        """The reasons of the pairs `which` (their columns read once, as Python values)."""
        out: list[list[str]] = [[] for _ in range(len(which))]
        for field in self.levels:
            levels = self.levels[field][which].tolist()
            sims = self.similarity[field][which].tolist()
            weights = self.weight[field][which].tolist()
            for n, (level, sim, weight) in enumerate(zip(levels, sims, weights, strict=True)):
                if level >= 0 and (text := lv.reason(field, level, sim, weight)):
                    out[n].append(text)
        return out


def _meet(p: Profiles, field: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairs whose lists of `field` share an item."""
    sa, sb = p.slots[field][:, a], p.slots[field][:, b]
    hit = np.zeros(len(a), dtype=bool)
    for i in range(SLOTS):
        for j in range(SLOTS):
            hit |= (sa[i] == sb[j]) & (sa[i] != 0)
    long = np.flatnonzero(p.has_extra[field][a] | p.has_extra[field][b])
    for k in long.tolist():
        hit[k] = bool(_items(p, field, int(a[k])) & _items(p, field, int(b[k])))
    return hit


def _items(p: Profiles, field: str, row: int) -> set[int]:
    extra = p.extra[field].get(row)
    if extra is None:
        return {int(h) for h in p.slots[field][:, row] if h}
    return {h[0] if isinstance(h, tuple) else h for h in extra}


def _names_from_person(p: Profiles, a: np.ndarray, b: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """For pairs (with other e-mails) sharing an e-mail name: True when every shared name of
    `a` is just a's person's name ("jana.cerna" of Jana Černá), which says little."""
    ra, rb = a[idx], b[idx]
    sa, sb = p.slots["email_names"][:, ra], p.slots["email_names"][:, rb]
    bits = p.from_name[ra]
    out = np.ones(len(idx), dtype=bool)
    for j in range(SLOTS):
        shared = (sa[j] != 0) & (sa[j] == sb).any(axis=0)
        out &= ~shared | ((bits >> j) & 1).astype(bool)
    extra = p.extra["email_names"]
    for n in np.flatnonzero(p.has_extra["email_names"][ra] | p.has_extra["email_names"][rb]):
        x, y = int(ra[n]), int(rb[n])
        theirs = _items(p, "email_names", y)
        mine = extra.get(x) or tuple(
            (int(sa[j, n]), bool(bits[n] >> j & 1)) for j in range(SLOTS) if sa[j, n]
        )
        out[n] = all(flag for h, flag in mine if h in theirs)
    return out


def _similarity(vocab: _Vocab, ca: np.ndarray, cb: np.ndarray, scorer) -> np.ndarray:
    """scorer(a, b) of the strings behind codes ca, cb (1.0 where the codes are equal)."""
    out = np.ones(len(ca), dtype=np.float64)
    differ = np.flatnonzero(ca != cb)
    if len(differ):
        left, right, inverse = _distinct_pairs(vocab.values, ca[differ], cb[differ])
        out[differ] = cpdist(left, right, scorer=scorer, dtype=np.float64, workers=-1)[inverse]
    return out


def _distinct_pairs(
    values: list[str], ca: np.ndarray, cb: np.ndarray
) -> tuple[list[str], list[str], np.ndarray]:
    """The distinct (a, b) string pairs behind codes ca, cb, and for each given pair the
    place of its distinct one. Blocks repeat pairs of values (the records of a surname in a
    city meet each other under several keys, a street and a city recur in every pair of
    its block): each distinct pair is compared once."""
    pair = ca.astype(np.int64) << 32 | cb.astype(np.int64)
    distinct, inverse = np.unique(pair, return_inverse=True)
    left = [values[c] for c in (distinct >> 32).tolist()]
    right = [values[c] for c in (distinct & 0xFFFFFFFF).tolist()]
    return left, right, inverse.reshape(-1)


def _typos(vocab: _Vocab, ca: np.ndarray, cb: np.ndarray, most: int = TYPO_CUTOFF) -> np.ndarray:
    """Damerau–Levenshtein distance of the strings behind codes ca, cb (0 where equal), or
    `most` + 1 for any greater one: no level tells 3 typos from 30, and with the cut-off the
    distance stops early on long values that differ.

    Up to one typo the optimal-string-alignment distance is the same number (one edit or
    one swap of neighbours either way) at a third of the cost, so it answers there."""
    out = np.zeros(len(ca), dtype=np.int64)
    differ = np.flatnonzero(ca != cb)
    if len(differ):
        left, right, inverse = _distinct_pairs(vocab.values, ca[differ], cb[differ])
        distance = cpdist(
            left,
            right,
            scorer=OSA.distance if most <= 1 else DamerauLevenshtein.distance,
            dtype=np.int64,
            workers=-1,
            score_cutoff=most,
        )
        out[differ] = distance[inverse]
    return out


def name_similarity(vocab: _Vocab, ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
    """`similarity.name_similarity` of the names behind codes ca, cb."""
    out = _similarity(vocab, ca, cb, Indel.normalized_similarity)
    differ = np.flatnonzero(ca != cb)
    if not len(differ):
        return out
    count, codes, words = vocab.words()
    ca, cb = ca[differ], cb[differ]
    na, nb = count[ca].astype(np.int64), count[cb].astype(np.int64)
    bulk = (na > 0) & (nb > 0) & (na <= WORDS) & (nb <= WORDS)
    for n in np.flatnonzero(~bulk & (na > 0) & (nb > 0)).tolist():
        out[differ[n]] = similarity.name_similarity(
            vocab.values[int(ca[n])], vocab.values[int(cb[n])]
        )
    shapes = np.unique(na[bulk] * 16 + nb[bulk]).tolist()
    for shape in shapes:
        la, lb = divmod(shape, 16)
        at = np.flatnonzero(bulk & (na == la) & (nb == lb))
        wa, wb = codes[:la, ca[at]], codes[:lb, cb[at]]
        if la == lb == 2:  # the usual first + last name: both pairings, no search
            best = np.maximum(_jw(words, wa[0], wb[0]) + _jw(words, wa[1], wb[1]),
                              _jw(words, wa[0], wb[1]) + _jw(words, wa[1], wb[0])) / 2  # fmt: skip
        else:
            best = _greedy_words(words, wa, wb) if la <= lb else _greedy_words(words, wb, wa)
        out[differ[at]] = np.maximum(out[differ[at]], best)
    return out


def _jw(words: list[str], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    left, right, inverse = _distinct_pairs(words, a, b)
    similarity = cpdist(left, right, scorer=JaroWinkler.similarity, dtype=np.float64, workers=-1)
    return similarity[inverse]


def _greedy_words(words: list[str], shorter: np.ndarray, longer: np.ndarray) -> np.ndarray:
    """`similarity.name_similarity`'s word pairing: each word of the shorter name in turn
    takes the most similar word left in the longer one (the first of equals); capped at 0.85
    when the longer name has words over."""
    ls, ll, n = shorter.shape[0], longer.shape[0], shorter.shape[1]
    sims = np.stack([np.stack([_jw(words, shorter[i], longer[j]) for j in range(ll)], axis=1)
                     for i in range(ls)])  # fmt: skip
    total = np.zeros(n)
    rows = np.arange(n)
    for i in range(ls):
        best = np.argmax(sims[i], axis=1)
        total += sims[i][rows, best]
        sims[:, rows, best] = -np.inf
    result = total / ls
    return np.minimum(result, 0.85) if ls < ll else result


def _probability(w: np.ndarray) -> np.ndarray:
    """`matching.score`'s probability, computed by Python on each distinct weight (there are
    few), so it is bit for bit the scalar one."""
    distinct, inverse = np.unique(w, return_inverse=True)
    values = np.array([probability_of(float(x)) for x in distinct])
    return values[inverse].reshape(w.shape)


Levels = dict[str, tuple[np.ndarray, np.ndarray]]


def levels_of(p: Profiles, a: np.ndarray, b: np.ndarray, fields: tuple[str, ...]) -> Levels:
    """`levels.compare` of each pair of rows (a[i], b[i]): {field: (level, similarity)}, the
    level -1 where a record lacks the field."""
    n = len(a)
    out: Levels = {}

    def column() -> tuple[np.ndarray, np.ndarray]:
        return np.full(n, -1, dtype=np.int8), np.zeros(n)

    if "email" in fields:
        level, sim = column()
        both = np.flatnonzero(p.present("emails", a) & p.present("emails", b))
        same = _meet(p, "emails", a[both], b[both])
        level[both[same]], sim[both[same]] = 0, 1.0
        rest = both[~same]
        named = _meet(p, "email_names", a[rest], b[rest])
        idx = rest[named]
        level[idx] = np.where(_names_from_person(p, a, b, idx), 2, 1)
        sim[idx] = 1.0
        level[rest[~named]] = 3
        out["email"] = (level, sim)
    for field, name, first, steps in (("phone", "phones", "phone0", 1),
                                      ("registration_number", "ids", "id0", 2)):  # fmt: skip
        if field not in fields:
            continue
        level, sim = column()
        both = np.flatnonzero(p.present(name, a) & p.present(name, b))
        same = _meet(p, name, a[both], b[both])
        rest = both[~same]
        d = _typos(p.vocab[first], p.codes[name][a[rest]], p.codes[name][b[rest]], steps)
        level[both[same]], sim[both[same]] = 0, 1.0
        level[rest] = np.minimum(d, steps + 1)
        out[field] = (level, sim)
    if "first_name" in fields or "last_name" in fields:
        _names(p, a, b, fields, out, column)
    if "company" in fields:
        level, sim = column()
        ca, cb = p.codes["company"][a], p.codes["company"][b]
        both = np.flatnonzero((ca != 0) & (cb != 0))
        s = name_similarity(p.vocab["company"], ca[both], cb[both])
        exact = ca[both] == cb[both]
        level[both] = np.select(
            [exact, s >= lv.COMPANY_CLOSE, s >= lv.COMPANY_SIMILAR], [0, 1, 2], 3
        )
        sim[both] = s
        out["company"] = (level, sim)

    def typo_levels(name: str, other: int) -> None:
        """Exact / 1 typo / 2 typos … up to `other`, where both records have a value."""
        level, sim = column()
        ca, cb = p.codes[name][a], p.codes[name][b]
        both = np.flatnonzero((ca != 0) & (cb != 0))
        typos = _typos(p.vocab[name], ca[both], cb[both], other - 1)
        level[both] = np.minimum(typos, other)
        out[name] = (level, sim)

    def close_levels(name: str) -> None:
        """Exact / Jaro–Winkler at least CITY_CLOSE / other, where both have a value."""
        level, sim = column()
        ca, cb = p.codes[name][a], p.codes[name][b]
        both = np.flatnonzero((ca != 0) & (cb != 0))
        s = _similarity(p.vocab[name], ca[both], cb[both], JaroWinkler.similarity)
        level[both] = np.select([ca[both] == cb[both], s >= lv.CITY_CLOSE], [0, 1], 2)
        sim[both] = s
        out[name] = (level, sim)

    if "postcode" in fields:
        typo_levels("postcode", 3)
    if "city" in fields:
        close_levels("city")
    if "street" in fields:
        level, sim = column()
        both = np.flatnonzero(p.has_street[a] & p.has_street[b])
        ca, cb = p.codes["sn"][a[both]], p.codes["sn"][b[both]]
        s = _similarity(p.vocab["sn"], ca, cb, Indel.normalized_similarity)
        values = p.vocab["sn"].values
        _truncated(s, lambda k: (values[int(ca[k])], values[int(cb[k])]))
        level[both] = np.select([ca == cb, s >= lv.STREET_CLOSE], [0, 1], 2)
        sim[both] = s
        crossed = _crossed_lines(p, a, b, both[level[both] == 2], level, sim)
        out["street"] = (level, sim)
    else:
        crossed = np.empty(0, dtype=np.int64)
    if "number" in fields:
        typo_levels("number", 2)
    if "premises" in fields:
        close_levels("premises")
        out["premises"][0][crossed] = -1  # read as the street (`levels._crossed_lines`)
        out["premises"][1][crossed] = 0.0
    return {f: out[f] for f in fields if f in out}


def _street_similarity(streets: list[str], lines: list[str]) -> np.ndarray:
    """`similarity.street_similarity` of space-less street names and lines read as streets."""
    s = cpdist(streets, lines, scorer=Indel.normalized_similarity, dtype=np.float64, workers=-1)
    _truncated(s, lambda k: (streets[k], lines[k]))
    return s


def _truncated(s: np.ndarray, pair: Callable[[int], tuple[str, str]]) -> None:
    """A mistyped street word cut off (`similarity.street_similarity`): only the pairs whose
    similarity a truncated pair can have are checked, by their strings `pair(k)`."""
    for k in np.flatnonzero((s < similarity.TRUNCATED) & (s >= similarity.TRUNCATED_FLOOR)):
        if truncated(*pair(int(k))):
            s[k] = similarity.TRUNCATED


def _crossed_lines(
    p: Profiles, a: np.ndarray, b: np.ndarray, idx: np.ndarray, level: np.ndarray, sim: np.ndarray
) -> np.ndarray:
    """`levels._crossed_lines` for the pairs `idx` (whose streets differ): where a street
    is exact or close to the other record's second line, that becomes the street's level and
    similarity (in `level`, `sim`). Returns those pairs."""
    best_level = np.full(len(idx), 2, dtype=np.int8)
    best_sim = np.zeros(len(idx))
    streets, premises = p.vocab["sn"].values, p.vocab["premises"].values
    for x, y in ((a, b), (b, a)):
        cs, cl = p.codes["sn"][x[idx]], p.codes["premises"][y[idx]]
        has = np.flatnonzero(cl != 0)
        if not len(has):
            continue
        pair = cs[has].astype(np.int64) << 32 | cl[has].astype(np.int64)
        distinct, inverse = np.unique(pair, return_inverse=True)
        left = [streets[c] for c in (distinct >> 32).tolist()]
        right = [similarity.line_as_street(premises[c]) for c in (distinct & 0xFFFFFFFF).tolist()]
        same = np.array([u == v for u, v in zip(left, right, strict=True)], dtype=bool)
        s = np.where(same, 1.0, _street_similarity(left, right))
        lv_ = np.select([same, s >= lv.STREET_CLOSE], [0, 1], 2)
        lv_, s = lv_[inverse.reshape(-1)], s[inverse.reshape(-1)]
        better = (lv_ < best_level[has]) | ((lv_ == best_level[has]) & (s > best_sim[has]))
        best_level[has[better]], best_sim[has[better]] = lv_[better], s[better]
    hit = idx[best_level < 2]
    level[hit], sim[hit] = best_level[best_level < 2], best_sim[best_level < 2]
    return hit


def _names(p: Profiles, a, b, fields, out: Levels, column) -> None:
    vocab = p.vocab["pn"]
    ga, gb = p.codes["given"][a], p.codes["given"][b]
    fa, fb = p.codes["family"][a], p.codes["family"][b]
    swap = np.zeros(len(a), dtype=bool)
    four = np.flatnonzero((ga != 0) & (gb != 0) & (fa != 0) & (fb != 0))
    if len(four):
        jw = JaroWinkler.similarity
        x = _similarity(vocab, ga[four], fb[four], jw)
        y = _similarity(vocab, fa[four], gb[four], jw)
        swap[four] = (x >= lv.SWAP_EACH) & (y >= lv.SWAP_EACH) & (x + y >= 2 * lv.SWAP_MEAN)
    if "first_name" in fields:
        level, sim = column()
        both = np.flatnonzero((ga != 0) & (gb != 0))
        x, y = ga[both], gb[both]
        s = _similarity(vocab, x, y, JaroWinkler.similarity)
        weak = np.flatnonzero(s < lv.JW_LOW)
        typo = np.zeros(len(both), dtype=bool)
        typo[weak] = _typos(vocab, x[weak], y[weak], 1) <= 1
        initial = np.zeros(len(both), dtype=bool)
        length, head = vocab.heads()  # an initial: one of the two a letter, the other's first
        u, v = x[weak], y[weak]
        initial[weak] = ((length[u] == 1) | (length[v] == 1)) & (head[u] == head[v])
        choices = [x == y, s >= lv.JW_HIGH, swap[both], s >= lv.JW_LOW, typo, initial]
        level[both] = np.select(choices, [0, 1, 2, 3, 4, 5], 6)
        sim[both] = s
        out["first_name"] = (level, sim)
        swapped = level == 2  # the last name is not compared again (`levels.compare`)
    else:
        swapped = np.zeros(len(a), dtype=bool)
    if "last_name" in fields:
        level, sim = column()
        both = np.flatnonzero((fa != 0) & (fb != 0) & ~swapped)
        x, y = fa[both], fb[both]
        s = _similarity(vocab, x, y, JaroWinkler.similarity)
        weak = np.flatnonzero(s < lv.JW_LOW)
        typo = np.zeros(len(both), dtype=bool)
        typo[weak] = _typos(vocab, x[weak], y[weak], 1) <= 1
        choices = [x == y, s >= lv.JW_HIGH, s >= lv.JW_LOW, typo]
        level[both] = np.select(choices, [0, 1, 2, 3], 4)
        sim[both] = s
        out["last_name"] = (level, sim)


def _tf(vocab: _Vocab, codes: np.ndarray, field: str, weights: Weights) -> np.ndarray:
    """`Weights.tf_adjust` of the values behind `codes` (by Python, once per distinct one)."""
    if not weights.tf.get(field) or not len(codes):
        return np.zeros(len(codes))
    distinct, inverse = np.unique(codes, return_inverse=True)
    values = vocab.values
    adjust = np.array([weights.tf_adjust(field, values[c]) for c in distinct.tolist()])
    return adjust[inverse].reshape(codes.shape)


_TF_CODES = {"first_name": ("pn", "given"), "last_name": ("pn", "family"), "city": ("city", "city")}


def score_pairs(
    p: Profiles, a: np.ndarray, b: np.ndarray, rules: frozenset[str], weights: Weights | None = None
) -> Scored:
    """`matching.score` of each pair of rows (a[i], b[i]) with `weights` (the defaults when
    not given)."""
    weights = weights or DEFAULT
    found = levels_of(p, a, b, lv.fields_of(rules))
    w = np.full(len(a), weights.prior)
    contributions = {}
    for field, (level, _sim) in found.items():
        table = np.asarray((*weights.bits[field], 0.0))  # index -1: not compared
        contribution = table[level]
        if field in TF_FIELDS:
            exact = np.flatnonzero(level == 0)
            vocab, column = _TF_CODES[field]
            adjust = _tf(p.vocab[vocab], p.codes[column][a[exact]], field, weights)
            contribution[exact] = contribution[exact] + adjust
        if field == "first_name":  # a swap weighs by both names (`matching._tf`)
            swap = np.flatnonzero(level == SWAPPED)
            pn = p.vocab["pn"]
            adjust = _tf(pn, p.codes["given"][a[swap]], "first_name", weights) + _tf(
                pn, p.codes["family"][a[swap]], "last_name", weights
            )
            contribution[swap] = contribution[swap] + adjust
        w += contribution
        contributions[field] = contribution
    return Scored(
        a,
        b,
        _probability(w),
        {f: v[0] for f, v in found.items()},
        {f: v[1] for f, v in found.items()},
        contributions,
    )


def chunks(n: int) -> list[slice]:
    return [slice(i, min(i + _CHUNK, n)) for i in range(0, n, _CHUNK)]
