"""The `q` search of every list: which records match, in what order, and "Did you mean".

Matching stays loose on purpose: each folded, stemmed query word is found as a substring of
the record's folded search column (`normalize.search_document`), so "kopriva" finds
"Kopřivová" and a phone typed in another format finds the number. Ordering is strict: a
rank computed in SQL over the same column, so it pages in the database on SQLite and
PostgreSQL alike (lower is better; newest first within a rank):

    0  the document begins with the whole query: the record's name exactly ("jana novakova",
       or surname first, "novakova jana"); the name fields come first in the document
    1  the whole query as consecutive whole words (a company "stavby novak s.r.o."), or the
       digits of a phone-looking query
    2  every query word as a whole word, in any order
    3  every query word as the beginning of a word ("kazlausk", "ruta.kaz")
    4  the rest: stemmed or inner matches ("novakova" finding Novák)

So a feminine surname typed in full ("kazlauskiene", "novakova") puts that person above the
masculine form, which only the stem matches, and the masculine form typed in full puts the
man first. A query that finds nothing gets the closest names by trigram similarity.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.functions import Concat

from .normalize import fold, phone_query_digits, search_terms

MAX_ROTATED = 4
RANK_EXACT, RANK_PHRASE, RANK_WORDS, RANK_PREFIX, RANK_OTHER = range(5)
RANK_DESCRIPTION = (
    "Relevance of the record to `q` when the list is ranked (`q` given, no `ordering`): "
    "0 the name is the query or begins with its words (first and last name in either "
    "order), 1 the query as consecutive whole words, 2 every query "
    "word as a whole word, 3 as the beginning of a word, 4 a stemmed or inner match. "
    "Case and accents are ignored; newest first within a rank."
)


def search_filter(qs: QuerySet, q: str | None) -> QuerySet:
    """The records whose search column holds every stemmed query word, or the digits of a
    phone-looking query ("+420 603-123-456" finds the number stored as +420603123456)."""
    terms = search_terms(q)
    if not terms:
        return qs
    condition = Q(*(Q(search_text__contains=term) for term in terms))
    digits = phone_query_digits(q)
    if digits:
        condition |= Q(search_text__contains=digits)
    return qs.filter(condition)


def query_words(q: str | None) -> list[str]:
    """The folded words of a query, unstemmed: what the rank compares whole words with."""
    return [w for w in fold(q).split(" ") if w]


def relevance(q: str | None) -> Case | None:
    """The rank expression for a query (None when it has no words). Reads the `_padded`
    alias that `ranked` adds: the document between two spaces, so that " word " finds a
    whole word at its start and end too."""
    words = query_words(q)
    if not words:
        return None
    whole = " ".join(words)
    exact = Q()
    # The name typed surname first too: "novakova jana", "nguyen van an" (first name "Văn
    # An"): each rotation of the words, for the few words a name has.
    for start in range(len(words) if len(words) <= MAX_ROTATED else 1):
        name = " ".join(words[start:] + words[:start])
        exact |= Q(search_text=name) | Q(search_text__startswith=f"{name} ")
    phrase = Q(_padded__contains=f" {whole} ")
    # Ranks 0-3 need every word, unstemmed, somewhere in the document: one plain LIKE per
    # word settles most stemmed matches first (a surname's stem finds a tenth of 100,000
    # leads), before the padded comparisons (half the rank's cost at that size).
    unstemmed = Q(*(Q(search_text__contains=w) for w in words))
    digits = phone_query_digits(q)
    if digits:  # the whole number, however typed
        phrase |= Q(search_text__contains=digits)
        unstemmed |= Q(search_text__contains=digits)
    whens = [
        When(~unstemmed, then=Value(RANK_OTHER)),
        When(exact, then=Value(RANK_EXACT)),
        When(phrase, then=Value(RANK_PHRASE)),
    ]
    if len(words) > 1:  # one word: whole word is the phrase already
        whens.append(
            When(Q(*(Q(_padded__contains=f" {w} ") for w in words)), then=Value(RANK_WORDS))
        )
    whens.append(When(Q(*(Q(_padded__contains=f" {w}") for w in words)), then=Value(RANK_PREFIX)))
    return Case(*whens, default=Value(RANK_OTHER), output_field=IntegerField())


def ranked_page(
    qs: QuerySet, q: str | None, *, offset: int, limit: int, related: tuple[str, ...] = ()
) -> tuple[QuerySet, int] | None:
    """One page of `qs` by relevance and the number of all matches (None when the query has
    no words to rank by).

    The rank orders every matching row, so the page's ids are picked from the bare rows
    first and only they are joined to their owner, status… (`related`): joining the 10,000
    matches of a common surname before sorting them cost more than ranking them. The count
    comes with the ids (`COUNT(*) OVER ()`): reading those 10,000 rows is most of the cost
    of both, so one pass instead of two nearly halves a ranked search of a common name.
    """
    by_rank = ranked(qs, q)
    if by_rank is None:
        return None
    rows = list(
        by_rank.annotate(_total=Window(Count("pk"))).values_list("pk", "_total")[
            offset : offset + limit
        ]
    )
    if rows:
        count = rows[0][1]
    else:  # past the last match (or none): the window had no row to carry the count
        count = qs.count() if offset else 0
    chosen = qs.model.objects.filter(pk__in=[pk for pk, _ in rows]).select_related(*related)
    page = ranked(chosen, q)
    assert page is not None  # the same query ranked above
    return page, count


def ranked(qs: QuerySet, q: str | None) -> QuerySet | None:
    """`qs` annotated with `rank` and ordered by it, newest first within a rank; None when
    the query has no words to rank by."""
    rank = relevance(q)
    if rank is None:
        return None
    padded = Concat(Value(" "), F("search_text"), Value(" "), output_field=TextField())
    return qs.alias(_padded=padded).annotate(rank=rank).order_by("rank", "-created_at", "-id")


# --- "Did you mean": the closest names when a query finds nothing -------------------------

# The fields a suggestion is taken from (the names people type), per record type; a person's
# first and last name are also offered together.
NAME_FIELDS = {
    "lead": ("last_name", "company_name"),
    "client": ("name", "last_name"),
    "contact": ("last_name",),
    "deal": ("title",),
}
PERSON = {"lead", "contact", "client"}
MIN_SIMILARITY = 0.3  # below it a "suggestion" is noise ("novak" for "kowalska")
CANDIDATES = 50  # records scored in Python after the database picked the likeliest


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams of a folded text: each word padded with two spaces before and one
    after ("  ab", " ab", "ab ")…), so both databases score a pair the same way."""
    out: set[str] = set()
    for word in text.split():
        padded = f"  {word} "
        out.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return out


def similarity(a: str, b: str) -> float:
    """pg_trgm's `similarity`: shared trigrams over all trigrams of both texts."""
    ta, tb = trigrams(a), trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


class _WordSimilar(Func):
    """PostgreSQL `query <% document`: the document has a stretch similar to the query
    (pg_trgm's word similarity; the search column's trigram index serves it)."""

    arg_joiner = " <%% "
    template = "(%(expressions)s)"
    output_field = BooleanField()


# Word-similarity thresholds tried in turn: the closest names first ("kazlauskiene" is 0.83
# from "kazlauskene", "kazlauskas" 0.67), looser only when nothing that close exists.
THRESHOLDS = (0.7, 0.5, 0.4)
# A strict pass whose index candidates mostly fail the exact check (a typo of a word a tenth
# of the rows hold: "tatrra") reads them all, ~60 µs each; past this it gives way to the next.
PASS_BUDGET_MS = 150


def _postgres_candidates(qs: QuerySet, folded: str) -> list[Any]:
    """Records with a stretch similar to the query, by the trigram index, at the strictest
    threshold that finds any. Not ordered by similarity: that would compute it for every
    row of a common name (10,000 "Kazlauskas" take a second); any row above the threshold
    will do, as the names are scored again in Python."""
    query = Value(folded, output_field=TextField())
    for threshold in THRESHOLDS:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                # SET LOCAL ends with this transaction (a savepoint inside a request's).
                cursor.execute("SET LOCAL pg_trgm.word_similarity_threshold = %s", [threshold])
                cursor.execute(f"SET LOCAL statement_timeout = {PASS_BUDGET_MS}")
                found = list(qs.filter(_WordSimilar(query, F("search_text")))[:CANDIDATES])
        except OperationalError:  # over budget (query_canceled): try the looser threshold
            continue
        if found:
            return found
    return []


def _portable_candidates(qs: QuerySet, folded: str) -> list[Any]:
    """The records sharing most inner trigrams with the query: a LIKE per trigram, counted
    in SQL (SQLite has no trigram index; the folded column is scanned, as for search)."""
    inner = sorted({t for t in trigrams(folded) if " " not in t})[:16]
    if not inner:
        return []
    hits = sum(
        (Case(When(search_text__contains=t, then=Value(1)), default=Value(0)) for t in inner[1:]),
        start=Case(When(search_text__contains=inner[0], then=Value(1)), default=Value(0)),
    )
    needed = max(1, math.ceil(len(inner) / 2))
    return list(
        qs.annotate(_hits=hits).filter(_hits__gte=needed).order_by("-_hits", "-id")[:CANDIDATES]
    )


def _names(record_type: str, obj: Any) -> Iterable[str]:
    for name in NAME_FIELDS[record_type]:
        value = getattr(obj, name, "")
        if value:
            yield value
    if record_type in PERSON:
        full = " ".join(p for p in (obj.first_name, obj.last_name) if p)
        if full:
            yield full


def suggestions(qs: QuerySet, record_type: str, q: str | None, *, limit: int = 3) -> list[str]:
    """The names (as written, accents and all) closest to a query among the records of `qs`
    (the visible ones: the caller restricts it), best first: "Kazlauskienė" for
    "kazlauskene"."""
    folded = fold(q)
    if len(folded.replace(" ", "")) < 3:
        return []
    if connection.vendor == "postgresql":
        candidates = _postgres_candidates(qs, folded)
    else:
        candidates = _portable_candidates(qs, folded)
    best: dict[str, tuple[float, str]] = {}
    for obj in candidates:
        # One name a record: the one closest to the query ("Kazlauskienė" for "kazlauskene",
        # "Rūta Kazlauskienė" for "ruta kazlauskene").
        score, name = max(
            ((similarity(folded, fold(n)), n) for n in _names(record_type, obj)), default=(0.0, "")
        )
        key = fold(name)
        if score >= MIN_SIMILARITY and score > best.get(key, (0.0, ""))[0]:
            best[key] = (score, name)
    ordered = sorted(best.values(), key=lambda pair: (-pair[0], pair[1]))
    return [name for _score, name in ordered[:limit]]
