"""String similarities the scorers share: names, streets, an e-mail's personal part.

Pure functions of normalized values (`matching.prepare` makes them); both the comparison
levels (`levels`) and the record preparation (`matching`) use them, so they live below both.
"""

from __future__ import annotations

from rapidfuzz.distance import Indel, JaroWinkler


def name_similarity(a: str, b: str) -> float:
    """Similarity of two names: the better of the whole sorted string and the words paired
    best-first by Jaro–Winkler (a typo in the first letter must not break the pairing that
    sorting gives)."""
    if a == b:
        return 1.0
    whole = Indel.normalized_similarity(a, b)
    wa, wb = a.split(), b.split()
    if not wa or not wb:
        return whole
    jw = JaroWinkler.similarity
    if len(wa) == len(wb) == 2:  # the usual first + last name: both pairings, no search
        words = max(jw(wa[0], wb[0]) + jw(wa[1], wb[1]), jw(wa[0], wb[1]) + jw(wa[1], wb[0]))
        return max(whole, words / 2)
    shorter, longer = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    left = list(longer)
    total = 0.0
    for word in shorter:
        sims = [jw(word, other) for other in left]
        best = max(range(len(left)), key=sims.__getitem__)
        total += sims[best]
        left.pop(best)
    words = total / len(shorter)
    if len(shorter) < len(longer):
        # one name has an extra word (a second first name, a maiden name)
        return max(whole, min(words, 0.85))
    return max(whole, words)


def from_name(email_name: str, person: str) -> bool:
    """True when an e-mail's personal part is just the person's name words (and digits)."""
    rest = email_name.rstrip("0123456789")
    for word in sorted(person.split(), key=len, reverse=True):
        rest = rest.replace(word, "", 1)
    return rest == ""


TRUNCATED = 0.95  # the similarity of a street name and the same with a mistyped street word
MIN_PREFIX, MAX_CUT = 5, 9  # that name's least length, and the most letters the word may have
# The least Indel similarity such a pair can have: pairs below it need not be checked.
TRUNCATED_FLOOR = 2 * MIN_PREFIX / (2 * MIN_PREFIX + MAX_CUT)


def street_similarity(a: str, b: str) -> float:
    """Similarity of two street names, compared without spaces; a name that only lacks the
    other's last few letters ("bedford" / "bedfordtreet", "morgan" / "morganceescent": a
    mistyped street word) counts as a typo (0.95), not as another street."""
    a, b = a.replace(" ", ""), b.replace(" ", "")
    s = Indel.normalized_similarity(a, b)
    if s < TRUNCATED and truncated(a, b):
        return TRUNCATED
    return s


def truncated(a: str, b: str) -> bool:
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= MIN_PREFIX and len(long) - len(short) <= MAX_CUT and long.startswith(short)


# Street words also typed glued to the name ("pridhamstreet"), stripped from a word's end.
GLUED_STREET_WORDS = ("street", "road", "avenue", "crescent", "place", "drive", "trida")
# More of them for a name whose street word a typo split ("c rescent", "c lose"): glued back,
# the name ends with one.
SPLIT_STREET_WORDS = (*GLUED_STREET_WORDS, "court", "close", "circuit", "parade", "terrace")


def unglue(word: str, suffixes: tuple[str, ...] = GLUED_STREET_WORDS) -> str:
    for suffix in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def line_as_street(line: str) -> str:
    """A second address line read as a street name, to compare with the other record's
    street when the two lines were typed the other way round: without spaces and without a
    street word at its end ("milson street" -> "milson")."""
    return unglue(line.replace(" ", ""), SPLIT_STREET_WORDS)
