"""Candidate pairs scored in bulk, for the finder. Pure (no ORM).

`matching.score` stays the definition of a pair's score; this module applies the same weights
to whole arrays of pairs, so a million records' pairs cost seconds, not minutes:

- the records' profiles are held as columns: hashes for the fields that are only compared for
  equality (e-mails, phones, ids, city), vocabulary codes for the strings whose similarity is
  measured (names, postcode, street), so memory is a few numbers a record;
- string similarities come from rapidfuzz's `cpdist` (C, over both cores), and only for the
  pairs whose codes differ;
- the rare shapes that do not fit the columns (a record with more than `SLOTS` e-mails, a name
  of three words against one of two) are scored one by one with `matching`'s own functions.

A test holds `score_pairs` equal to `matching.score` on every candidate pair of a generated
data set, probability and reasons alike.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Indel, JaroWinkler
from rapidfuzz.process import cpdist

from .matching import _FIELD, _ITEM, _PRIOR, _from_name, _name_similarity, _truncated, name_rarity

WORDS = 4  # words of a name compared in bulk; longer names are compared one by one
SLOTS = 3  # items of an e-mail, phone or id list held as columns; longer lists go to `extra`
_TUPLES = ("emails", "email_names", "phones", "ids")
_CHUNK = 400_000  # pairs scored at once (bounds the temporary arrays)


class _Vocab:
    """Distinct strings of a column and their codes; code 0 is the empty string."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {"": 0}
        self.values: list[str] = [""]
        self._words: tuple[np.ndarray, np.ndarray, list[str]] | None = None

    def code(self, value: str) -> int:
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code

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
        self._city = array("q")
        self.vocab = {f: _Vocab() for f in ("person", "company", "postcode", "sn", "number")}
        self._codes = {f: array("i") for f in self.vocab}
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
                continue
            items = part.split(_ITEM)
            # Python's hash: salted per process, which is all one run needs. Two different
            # values colliding among a million is about 1e-8 likely, and would only propose
            # a pair to a person. 0 marks an empty slot.
            hashes = [hash(v) or 1 for v in items]
            if len(items) > SLOTS:
                self.extra[name][row] = (
                    tuple((h, _from_name(v, person)) for h, v in zip(hashes, items, strict=True))
                    if n == 1
                    else tuple(hashes)
                )
            for k, column in enumerate(slots):
                column.append(hashes[k] if k < len(hashes) else 0)
            if n == 1:  # e-mail names: which are just the person's name
                bits = 0
                for k, value in enumerate(items[:SLOTS]):
                    bits |= _from_name(value, person) << k
                self._from_name.append(bits)
        street, number = parts[7], parts[8]
        codes, vocab = self._codes, self.vocab
        codes["person"].append(vocab["person"].code(person))
        codes["company"].append(vocab["company"].code(parts[5]))
        codes["postcode"].append(vocab["postcode"].code(parts[6]))
        codes["sn"].append(vocab["sn"].code(street.replace(" ", "")))
        codes["number"].append(vocab["number"].code(number))
        self._has_street.append(bool(street))
        self._city.append(hash(parts[9]) or 1 if parts[9] else 0)
        self.names.append(parts[10])

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
        self.city = np.frombuffer(self._city, dtype=np.int64)
        # Records per name, for the rarity of an exact name agreement.
        self.person_count = np.bincount(
            self.codes["person"], minlength=len(self.vocab["person"].values)
        )
        self.has_extra = {f: np.zeros(len(self.ids), dtype=bool) for f in _TUPLES}
        for f, rows in self.extra.items():
            if rows:
                self.has_extra[f][list(rows)] = True
        del self._slots, self._codes

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
    """Scores of pairs of rows (`a`, `b`), with what each reason needs."""

    a: np.ndarray
    b: np.ndarray
    probability: np.ndarray
    email: np.ndarray  # 0 not compared, 1 same, 2 same name other domain, 3 other
    phone: np.ndarray  # 0 not compared, 1 same, 2 other
    ids: np.ndarray  # 0 not compared, 1 same, 2 other
    name: np.ndarray  # similarity, NaN when not compared
    rarity: np.ndarray  # log2-odds for how rare an exactly shared name is (0: not shared)
    company: np.ndarray
    postcode: np.ndarray  # 0 not compared, 1 same, 2 close, 3 other, 4 same city
    street: np.ndarray  # similarity, NaN when not compared
    street_state: np.ndarray  # 0 not compared or other, 1 same street and number, 2 a typo

    def reasons(self, i: int) -> list[str]:
        """The reasons `matching.score` gives for pair i, in its order."""
        return self.reasons_of(np.array([i]))[0]

    def reasons_of(self, which: np.ndarray) -> list[list[str]]:
        """The reasons of the pairs `which` (their columns read once, as Python values)."""
        columns = zip(
            *(getattr(self, f)[which].tolist() for f in
              ("email", "phone", "ids", "name", "rarity", "company", "postcode", "street",
               "street_state")),
            strict=True,
        )  # fmt: skip
        return [_reasons(*values) for values in columns]


def _reasons(email, phone, ids, name, rarity, company, postcode, street, street_state) -> list[str]:
    out = []
    if email == 1:
        out.append("same e-mail")
    elif email == 2:
        out.append("same e-mail name, other domain")
    if phone == 1:
        out.append("same phone")
    if ids == 1:
        out.append("same registration number")
    elif ids == 2:
        out.append("other registration number")
    if name == name:  # not NaN: compared
        out.append("same name" if name >= 0.995 else f"name {name:.2f}")
        if rarity >= 2 or rarity <= -2:
            out.append("rare name" if rarity > 0 else "common name")
    if company == company:
        out.append("same company" if company >= 0.995 else f"company {company:.2f}")
    if postcode == 1:
        out.append("same postcode")
    elif postcode == 4:
        out.append("same city")
    if street_state == 1:
        out.append("same street and number")
    elif street_state == 2:
        out.append(f"street {street:.2f}")
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
        values = vocab.values
        left = [values[c] for c in ca[differ].tolist()]
        right = [values[c] for c in cb[differ].tolist()]
        out[differ] = cpdist(left, right, scorer=scorer, dtype=np.float64, workers=-1)
    return out


def name_similarity(vocab: _Vocab, ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
    """`matching._name_similarity` of the names behind codes ca, cb."""
    out = _similarity(vocab, ca, cb, Indel.normalized_similarity)
    differ = np.flatnonzero(ca != cb)
    if not len(differ):
        return out
    count, codes, words = vocab.words()
    ca, cb = ca[differ], cb[differ]
    na, nb = count[ca].astype(np.int64), count[cb].astype(np.int64)
    bulk = (na > 0) & (nb > 0) & (na <= WORDS) & (nb <= WORDS)
    for n in np.flatnonzero(~bulk & (na > 0) & (nb > 0)).tolist():
        out[differ[n]] = _name_similarity(vocab.values[int(ca[n])], vocab.values[int(cb[n])])
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
    left = [words[c] for c in a.tolist()]
    right = [words[c] for c in b.tolist()]
    return cpdist(left, right, scorer=JaroWinkler.similarity, dtype=np.float64, workers=-1)


def _greedy_words(words: list[str], shorter: np.ndarray, longer: np.ndarray) -> np.ndarray:
    """`_name_similarity`'s word pairing: each word of the shorter name in turn takes the
    most similar word left in the longer one (the first of equals); capped at 0.85 when the
    longer name has words over."""
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


def _rarity(counts: np.ndarray) -> np.ndarray:
    """`matching.name_rarity` of each count (by Python, on the few distinct counts)."""
    distinct, inverse = np.unique(counts, return_inverse=True)
    return np.array([name_rarity(int(c)) for c in distinct], dtype=np.int8)[inverse]


def _probability(w: np.ndarray) -> np.ndarray:
    """`matching.score`'s probability, computed by Python on each distinct weight (there are
    few), so it is bit for bit the scalar one."""
    distinct, inverse = np.unique(w, return_inverse=True)
    values = np.array([round(1.0 / (1.0 + 2.0 ** (-float(x))), 4) for x in distinct])
    return values[inverse]


def score_pairs(
    p: Profiles, a: np.ndarray, b: np.ndarray, rules: frozenset[str], name_counts: bool = True
) -> Scored:
    """`matching.score` of each pair of rows (a[i], b[i]); with `name_counts`, exact name
    agreements weigh by the name's rarity among the profiles (as `score` does given the
    records per name)."""
    n = len(a)
    w = np.full(n, _PRIOR)
    email = np.zeros(n, dtype=np.int8)
    if "email" in rules:
        both = np.flatnonzero(p.present("emails", a) & p.present("emails", b))
        same = _meet(p, "emails", a[both], b[both])
        email[both[same]] = 1
        w[both[same]] += 13
        rest = both[~same]
        named = _meet(p, "email_names", a[rest], b[rest])
        idx = rest[named]
        little = _names_from_person(p, a, b, idx)
        email[idx] = 2
        w[idx] += np.where(little, 1, 3)
        other = rest[~named]
        email[other] = 3
        w[other] -= 0.5
    phone = _same_or_other(p, "phones", a, b, "phone" in rules)
    w += np.select([phone == 1, phone == 2], [10.0, -1.0], 0.0)
    ids = _same_or_other(p, "ids", a, b, "registration_number" in rules)
    w += np.select([ids == 1, ids == 2], [14.0, -10.0], 0.0)

    name = np.full(n, np.nan)
    rarity = np.zeros(n, dtype=np.int8)
    if "name" in rules:
        ca, cb = p.codes["person"][a], p.codes["person"][b]
        both = np.flatnonzero((ca != 0) & (cb != 0))
        s = name_similarity(p.vocab["person"], ca[both], cb[both])
        name[both] = s
        weak = np.flatnonzero((s >= 0.6) & (s < 0.8))
        shared = _share_word(p.vocab["person"], ca[both[weak]], cb[both[weak]])
        mid = np.where(shared, -1.0, -3.0)
        weight = np.select([s >= 0.97, s >= 0.9, s >= 0.8], [6.0, 4.5, 2.5], -8.0)
        weight[weak] = mid
        w[both] += weight
        if name_counts:
            same = both[ca[both] == cb[both]]
            rarity[same] = _rarity(p.person_count[p.codes["person"][a[same]]])
            w[same] += rarity[same]
    company = np.full(n, np.nan)
    if "company" in rules:
        ca, cb = p.codes["company"][a], p.codes["company"][b]
        both = np.flatnonzero((ca != 0) & (cb != 0))
        s = name_similarity(p.vocab["company"], ca[both], cb[both])
        company[both] = s
        w[both] += np.select([s >= 0.95, s >= 0.88, s >= 0.75], [6.0, 3.0, 0.0], -2.0)
    postcode = np.zeros(n, dtype=np.int8)
    street = np.full(n, np.nan)
    street_state = np.zeros(n, dtype=np.int8)
    if "address" in rules:
        _address(p, a, b, w, postcode, street, street_state)
    return Scored(a, b, _probability(w), email, phone, ids, name, rarity, company, postcode,
                  street, street_state)  # fmt: skip


def _same_or_other(p: Profiles, field: str, a, b, on: bool) -> np.ndarray:
    state = np.zeros(len(a), dtype=np.int8)
    if on:
        both = np.flatnonzero(p.present(field, a) & p.present(field, b))
        same = _meet(p, field, a[both], b[both])
        state[both] = np.where(same, 1, 2)
    return state


def _share_word(vocab: _Vocab, ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
    values = vocab.values
    return np.fromiter(
        (
            bool(set(values[x].split()) & set(values[y].split()))
            for x, y in zip(ca.tolist(), cb.tolist(), strict=True)
        ),
        bool,
        len(ca),
    )


def _address(p: Profiles, a, b, w, postcode, street, street_state) -> None:
    pa, pb = p.codes["postcode"][a], p.codes["postcode"][b]
    both = np.flatnonzero((pa != 0) & (pb != 0))
    same = pa[both] == pb[both]
    close = _similarity(p.vocab["postcode"], pa[both], pb[both], Indel.normalized_similarity)
    state = np.select([same, close >= 0.75], [1, 2], 3)
    postcode[both] = state
    w[both] += np.select([state == 1, state == 2], [3.0, 1.0], -3.0)
    city = np.flatnonzero(~((pa != 0) & (pb != 0)) & (p.city[a] != 0) & (p.city[a] == p.city[b]))
    postcode[city] = 4
    w[city] += 1
    both = np.flatnonzero(p.has_street[a] & p.has_street[b])
    ca, cb = p.codes["sn"][a[both]], p.codes["sn"][b[both]]
    s = _similarity(p.vocab["sn"], ca, cb, Indel.normalized_similarity)
    na, nb = p.codes["number"][a[both]], p.codes["number"][b[both]]
    near = _similarity(p.vocab["number"], na, nb, Indel.normalized_similarity) >= 0.75
    values = p.vocab["sn"].values
    for k in np.flatnonzero((s < 0.95) & near).tolist():  # a mistyped street word cut off
        if _truncated(values[int(ca[k])], values[int(cb[k])]):
            s[k] = 0.95
    street[both] = s
    same = (s >= 0.999) & (na == nb)
    typo = ~same & (s >= 0.9) & near
    street_state[both] = np.select([same, typo], [1, 2], 0)
    w[both] += np.select([same, typo], [4.0, 2.0], -1.5)


def chunks(n: int) -> list[slice]:
    return [slice(i, min(i + _CHUNK, n)) for i in range(0, n, _CHUNK)]
