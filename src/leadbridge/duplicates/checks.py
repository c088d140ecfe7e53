"""The duplicate check every way in asks (F20): API and UI create/update, conversion, import,
web forms. One matcher, one answer shape; what is done with its answer is `intake.py`'s.

Cost: the values' blocking keys are looked up in the indexed key table (one query of a
handful of index probes), the best-sharing candidates' stored match profiles read with the
access check (one query by primary key), decoded and scored; nothing scans, nothing is
normalized again. For forty candidates the reference scorer is faster than the vectorized
one (whose set-up costs more than it saves on so few pairs; both give the same scores).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Q, Subquery

from leadbridge.core.registry import model_for
from leadbridge.leads.models import ConversionLink
from leadbridge.people import access

from .keys import MATCHED_FIELDS, NORMALIZED_FIELDS, prepared
from .matching import (
    BLOCK_LIMIT,
    DEFAULT_THRESHOLD,
    KIND_BLOCK_LIMITS,
    Prepared,
    blocking_keys,
    decode,
    prepare,
    score,
)
from .models import MatchKey, MatchProfile, NotDuplicate
from .reasons import matched_fields, translated
from .weights import current as current_weights

# What a record of each type is compared with: a lead against clients and contacts too.
TARGETS = {
    "lead": ("lead", "client", "contact"),
    "client": ("client", "lead"),
    "contact": ("contact", "lead"),
}
CANDIDATES = 40  # records sharing the most keys that are scored; the rest share fewer


def find_matches(
    *,
    actor: Any,
    record_type: str,
    values: dict,
    exclude: tuple[str, int] | None = None,
    targets: tuple[str, ...] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 10,
) -> list[dict]:
    """Live records the actor may see that are probably the record described by `values`.

    Each match is {"record_type", "id", "display_name", "score", "reasons", "fields"} (the
    fields whose values matched), best first.
    """
    mine, keys = _keys_of(values)
    if not keys:
        return []
    targets = targets or TARGETS.get(record_type, (record_type,))
    by_type: dict[str, list[int]] = defaultdict(list)
    taken = 0
    for row_type, record_id in _sharing(keys):
        if row_type not in targets or (row_type, record_id) == exclude:
            continue
        if taken >= CANDIDATES:
            break
        by_type[row_type].append(record_id)
        taken += 1
    rejected = (_not_duplicates(exclude) | _conversion_family(exclude)) if exclude else set()
    found = []
    weights = current_weights()
    for target, ids in by_type.items():
        for pk, theirs, display_name in _candidates(actor, target, ids):
            if (target, pk) in rejected:
                continue
            probability, reasons = score(mine, theirs, weights=weights)
            if probability >= threshold:
                found.append(
                    {
                        "record_type": target,
                        "id": pk,
                        "display_name": display_name,
                        "score": probability,
                        "reasons": translated(reasons),
                        "fields": matched_fields(reasons),
                    }
                )
    found.sort(key=lambda m: (-m["score"], m["record_type"], m["id"]))
    return found[:limit]


def _candidates(actor: Any, target: str, ids: list[int]) -> list[tuple[int, Prepared, str]]:
    """(id, prepared values, display name) of the records of `ids` the actor may see.

    The values come from the stored match profiles (kept with the keys, what the finder
    reads), in the same query as the access check: normalizing forty records again (names,
    streets, phones) cost a check more than scoring them. A record without a profile (none
    filed yet) is prepared from its columns."""
    model = model_for(target)
    profile = MatchProfile.objects.filter(record_type=target, record_id=OuterRef("pk"))
    qs = access.restrict(model.objects.alive(), actor, target, "view").filter(pk__in=ids)
    rows = list(
        qs.annotate(match_profile=Subquery(profile.values("data")[:1])).values_list(
            "pk", "match_profile"
        )
    )
    out = []
    missing = []
    for pk, data in rows:
        if data is None:
            missing.append(pk)
        else:
            theirs, display_name = decode(data)
            out.append((pk, theirs, display_name))
    if missing:
        fields = ["id", *(f for f in (*MATCHED_FIELDS, *NORMALIZED_FIELDS) if hasattr(model, f))]
        for obj in model.objects.filter(pk__in=missing).only(*fields):
            out.append((obj.pk, prepared(obj), obj.display_name))
    return out


# Keys one check looks up. Valid values give fewer (21 e-mails, 22 phones, the name and
# address keys); the bound keeps a caller that skipped validation from building a query
# with thousands of subqueries (SQLite refuses over 500, PostgreSQL runs out of stack).
MAX_KEYS = 100
# Which keys stay when there are more: the exact identifiers first, then company and name
# with a place, then the looser sound-alike keys (see `matching.blocking_keys`).
KEY_RANK = {kind: n for n, kind in enumerate("eipcmxnfahklsgytdzqov")}


def bounded(keys: list[str]) -> list[str]:
    if len(keys) <= MAX_KEYS:
        return keys
    return sorted(keys, key=lambda k: (KEY_RANK.get(k[0], len(KEY_RANK)), k))[:MAX_KEYS]


def _keys_of(values: dict) -> tuple[Prepared, list[str]]:
    mine = prepare(values, default_region=settings.DEFAULT_PHONE_REGION)
    return mine, bounded(blocking_keys(mine))


def lock_keys_of(values: dict) -> None:
    """Hold the advisory locks of the keys of `values` (below) until the transaction ends."""
    _lock_keys(_keys_of(values)[1])


def _lock_keys(keys: list[str]) -> None:
    """Hold a transaction-scoped PostgreSQL advisory lock on each key until the caller's
    transaction ends, so that two creates sharing a key check and create one after the
    other: the second sees the first's record (and its keys) once the first commits.

    The locks are taken in one statement in ascending order (unnest keeps the array's
    order), so two transactions wanting overlapping keys cannot deadlock. Other databases:
    SQLite has one writer at a time, and a lock table would cost every create a write."""
    if connection.vendor != "postgresql" or not keys:
        return
    ids = sorted({_lock_id(k) for k in keys})
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k", [ids])


def _lock_id(key: str) -> int:
    # 64 bits of a digest as PostgreSQL's signed bigint; "dup:" keeps them apart from any
    # other use of advisory locks.
    digest = hashlib.sha256(f"dup:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _limit_of(key: str) -> int:
    """Records a key may be shared by and still say something: its kind's block limit, the
    finder's (`finder.candidate_pairs`), so a check and the finder compare a record with the
    same others. A key more share (a common surname alone, a name in a big city, a company
    name thousands use) is dropped by both."""
    return KIND_BLOCK_LIMITS.get(key[:1], BLOCK_LIMIT)


def _sharing(keys: list[str]) -> list[tuple[str, int]]:
    """(record type, id) of the records sharing the most of `keys`, most first.

    Each key reads at most its limit + 1 rows, enough to tell that it is over the limit (then
    none of its rows count), so a key that thousands share costs no more than a rare one. The
    record type is filtered by the caller, not in SQL: with it in the WHERE clause SQLite's
    planner may pick the (record_type, record_id) index and scan a whole type."""
    table = MatchKey._meta.db_table
    params: list = keys
    if connection.vendor == "postgresql":
        # One lateral probe per key from two arrays: a plan of constant size. A UNION ALL of
        # twenty subqueries took PostgreSQL ~5 ms to plan and 0.5 ms to run.
        shared = (
            "SELECT m.record_type, m.record_id FROM unnest(%s::varchar[], %s::int[]) AS k(key, n)"
            " CROSS JOIN LATERAL (SELECT record_type, record_id, COUNT(*) OVER () AS c FROM"
            f" (SELECT record_type, record_id FROM {table} WHERE key = k.key"  # noqa: S608
            " LIMIT k.n + 1) AS r) AS m WHERE m.c <= k.n"
        )
        params = [keys, [_limit_of(key) for key in keys]]
    else:
        shared = " UNION ALL ".join(
            "SELECT record_type, record_id FROM (SELECT record_type, record_id, "  # noqa: S608
            f"COUNT(*) OVER () AS c FROM (SELECT record_type, record_id FROM {table} "
            f"WHERE key = %s LIMIT {_limit_of(key) + 1})) AS k{n} WHERE c <= {_limit_of(key)}"
            for n, key in enumerate(keys)
        )
    sql = (
        f"SELECT record_type, record_id, COUNT(*) AS n FROM ({shared}) AS shared "  # noqa: S608
        f"GROUP BY record_type, record_id ORDER BY n DESC, record_id DESC LIMIT {CANDIDATES * 3}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row_type, record_id) for row_type, record_id, _n in cursor.fetchall()]


def _not_duplicates(record: tuple[str, int]) -> set[tuple[str, int]]:
    kind, pk = record
    pairs = NotDuplicate.objects.filter(
        Q(a_type=kind, a_id=pk) | Q(b_type=kind, b_id=pk)
    ).values_list("a_type", "a_id", "b_type", "b_id")
    out = set()
    for a_type, a_id, b_type, b_id in pairs:
        out.add((b_type, b_id) if (a_type, a_id) == record else (a_type, a_id))
    return out


def _conversion_family(record: tuple[str, int]) -> set[tuple[str, int]]:
    """A lead and the records it was converted into hold the same person on purpose: none
    is offered as the other's duplicate (issue 18.11)."""
    kind, pk = record
    if kind == "lead":
        return set(
            ConversionLink.objects.filter(lead_id=pk).values_list("target_type", "target_id")
        )
    return {
        ("lead", lead_id)
        for lead_id in ConversionLink.objects.filter(target_type=kind, target_id=pk).values_list(
            "lead_id", flat=True
        )
    }
