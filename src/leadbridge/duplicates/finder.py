"""The duplicate finder (F21): every likely duplicate group among the records a user may see.

1. Blocks: the key table's rows (a hash of each key and its record) sorted by hash in numpy,
   keeping keys of the chosen rules that 2..BLOCK_LIMIT records share; each block yields
   candidate pairs.
2. The stored match profiles of the records in some pair are read once (streamed) into
   columns (`vectorized.Profiles`).
3. Each pair is scored on the chosen rules by `vectorized.score_pairs` (the weights of
   `matching.score`, over arrays of pairs); pairs at or above the threshold that nobody marked
   "not a duplicate" are kept.
4. Kept pairs are joined into groups (connected components), and a group whose weakest
   bond is far below the threshold is split again, so A~B~C chains do not glue strangers.

Memory is bounded by the records in candidate pairs (a few numbers each, and their distinct
names and streets) and the pairs themselves (numpy arrays), not by the table.
"""

from __future__ import annotations

import logging
import math
import time
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import combinations
from typing import Any

import numpy as np
import psycopg
from django.db import connection, transaction

from leadbridge.core.registry import model_for
from leadbridge.core.selectors import ListParams, filtered_queryset, record_get
from leadbridge.people import access

from . import vectorized
from .matching import BLOCK_LIMIT, DEFAULT_THRESHOLD, KIND_BLOCK_LIMITS, RULES
from .models import MatchKey, MatchProfile, NotDuplicate
from .vectorized import Profiles
from .weights import current as current_weights

# Which key kinds (prefix before ':') each rule reads.
RULE_KEYS = {
    "email": ("e", "l"),
    "phone": ("p",),
    "registration_number": ("i", "t"),
    "name": ("m", "n", "x", "h", "s", "g", "y", "d", "z", "o", "v"),
    "company": ("c", "k", "f"),
    "address": ("a", "h", "q", "b"),
}
SYNC_LIMIT = 5000  # records a request may scan synchronously; above, a background job
SPLIT_MARGIN = 0.35  # a group is split where a bond is this far below the threshold
Progress = Callable[[float], None]


def _blocks(record_type: str, kinds: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(ids, sizes): the records of every useful block (a key of one of `kinds` that 2 up to
    its kind's limit records of the type share), one block after another, and each block's
    size. A million records have some twenty million keys, nearly all of a single record
    or of too many: only the useful blocks leave the database's side in bulk."""
    if connection.vendor == "postgresql":
        return _pg_blocks(record_type, kinds)
    return _sqlite_blocks(record_type, kinds)


def _limit_sql(column: str) -> str:
    cases = " ".join(
        f"WHEN '{letter}' THEN {limit}" for letter, limit in sorted(KIND_BLOCK_LIMITS.items())
    )
    return f"CASE substr({column}, 1, 1) {cases} ELSE {BLOCK_LIMIT} END"


def _sqlite_blocks(record_type: str, kinds: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """SQLite groups the keys itself, in the order of the primary key's covering index
    (key, record type, record id: no sort, no temporary tree; `+record_type` keeps the
    planner off the record index, which would need both), and returns each useful block's
    records as one string."""
    table = MatchKey._meta.db_table
    letters = ",".join(f"'{chr(k)}'" for k in kinds)
    sql = (
        f"SELECT COUNT(*), group_concat(record_id) FROM {table} "  # noqa: S608
        f"WHERE +record_type = %s AND substr(key, 1, 1) IN ({letters}) GROUP BY key "
        f"HAVING COUNT(*) >= 2 AND COUNT(*) <= {_limit_sql('key')}"
    )
    sizes, ids = array("q"), array("q")
    with connection.cursor() as cursor:
        cursor.execute(sql, [record_type])
        while rows := cursor.fetchmany(50000):
            counts, members = zip(*rows, strict=True)
            sizes.extend(counts)
            ids.extend(map(int, ",".join(members).split(",")))
    return np.frombuffer(ids, dtype=np.int64), np.frombuffer(sizes, dtype=np.int64)


def _pg_blocks(record_type: str, kinds: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """PostgreSQL packs (64-bit hash of the key, record id, kind letter) of every key into
    binary blobs of fixed-size rows, one per range of record ids (read by the record index,
    so the aggregate neither hashes nor spills to disk), which numpy reads as they are and
    sorts by hash into blocks. Grouping twenty million keys by text in the database took
    longer; a binary COPY sends a message per row, which Python reads one by one."""
    table = MatchKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(record_id), MAX(record_id) FROM {table} WHERE record_type = %s",  # noqa: S608
            [record_type],
        )
        low, high = cursor.fetchone()
    if low is None:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    query = (
        "SELECT (SELECT string_agg(int8send(hashtextextended(key, 0)) || int8send(record_id)"  # noqa: S608
        f" || int4send(ascii(key)), ''::bytea) FROM {table} WHERE record_type = %s"
        " AND record_id >= g AND record_id < g + %s AND ascii(key) = ANY(%s))"
        " FROM generate_series(%s::bigint, %s::bigint, %s) AS g"
    )
    step = 1 << 14
    id_type = np.int32 if high < 2**31 else np.int64  # half the memory for a million records
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    connection.ensure_connection()
    # Django's psycopg cursors bind on the client, which gives no binary results; a server
    # cursor streams the blobs, so they are not all held at once.
    with transaction.atomic(), psycopg.ServerCursor(connection.connection, "blocks") as cursor:
        cursor.execute(query, [record_type, step, kinds, low, high, step], binary=True)
        while blobs := cursor.fetchmany(4):
            for (blob,) in blobs:
                rows = np.frombuffer(blob or b"", dtype=_PACKED)
                parts.append((rows["h"].astype(np.int64), rows["id"].astype(id_type),
                              rows["k"].astype(np.uint8)))  # fmt: skip
    hashes, ids, kind = (list(column) for column in zip(*parts, strict=True))
    parts.clear()
    key = np.concatenate(hashes)
    del hashes
    order = np.argsort(key)
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else key
    del key
    sizes = np.diff(np.r_[starts, len(order)])
    first_kind = np.concatenate(kind)[order[starts]]
    del kind
    limit = np.full(len(starts), BLOCK_LIMIT)
    for letter, block_limit in KIND_BLOCK_LIMITS.items():
        limit[first_kind == ord(letter)] = block_limit
    useful = (sizes >= 2) & (sizes <= limit)
    starts, sizes = starts[useful], sizes[useful]
    # The members of the useful blocks, in block order.
    member = np.repeat(starts - np.r_[0, np.cumsum(sizes)[:-1]], sizes) + np.arange(sizes.sum())
    return np.concatenate(ids)[order[member]], sizes


_PACKED = np.dtype([("h", ">i8"), ("id", ">i8"), ("k", ">i4")])  # one key as packed above


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (by sorting: several times faster than np.unique's hashing on
    millions of integers)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def candidate_pairs(record_type: str, rules: Iterable[str], allowed: set[int] | None) -> np.ndarray:
    """Unique (a, b) id pairs with a < b sharing a key of the rules, as an (n, 2) array
    (int32 when every id fits).

    A key shared by more than its kind's block limit says too little to compare on; the
    limit counts every record of the type, also those outside `allowed`."""
    kinds = sorted({ord(k) for rule in rules for k in RULE_KEYS[rule]})
    ids, sizes = _blocks(record_type, kinds)
    starts = np.r_[0, np.cumsum(sizes)[:-1]] if len(sizes) else sizes
    codes = [np.empty(0, dtype=np.int64)]
    for size in np.unique(sizes).tolist():
        first = starts[sizes == size]
        i, j = np.triu_indices(size, 1)
        a = ids[first[:, None] + i].ravel().astype(np.int64)
        b = ids[first[:, None] + j].ravel().astype(np.int64)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        codes.append((lo << 32 | hi)[lo != hi])
    del ids
    merged = _distinct(np.concatenate(codes))
    del codes
    # Half the memory for the pairs of a million records: ids fit 32 bits as a rule.
    small = not len(merged) or merged[-1] >> 32 < 2**31
    pairs = np.empty((len(merged), 2), dtype=np.int32 if small else np.int64)
    pairs[:, 0], pairs[:, 1] = merged >> 32, merged & 0xFFFFFFFF
    del merged
    if allowed is not None:
        scope = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
        pairs = pairs[np.isin(pairs[:, 0], scope) & np.isin(pairs[:, 1], scope)]
    return pairs


def _load_profiles(record_type: str, ids: np.ndarray, progress: Progress | None) -> Profiles:
    """The stored match profiles of the records in some pair (live ones: converted leads
    are left out, deleted records have none), as columns."""
    wanted = set(ids.tolist())
    if record_type == "lead":
        wanted -= set(
            model_for("lead").objects.filter(is_converted=True).values_list("id", flat=True)
        )
    profiles = Profiles()
    if not wanted:
        profiles.freeze()
        return profiles
    table = MatchProfile._meta.db_table
    sql = f"SELECT record_id, data FROM {table} WHERE record_type = %s"  # noqa: S608
    params: list = [record_type]
    if len(wanted) < 2000:
        sql += (
            " AND record_id IN (" + ",".join(["%s"] * len(wanted)) + ")" if wanted else " AND 0=1"
        )
        params += sorted(wanted)
    total = max(len(wanted), 1)
    # chunked_cursor: a server-side cursor on PostgreSQL, so rows stream instead of piling up.
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(20000):
            for record_id, data in rows:
                if record_id in wanted:
                    profiles.add(record_id, data)
            if progress:
                progress(0.2 + 0.3 * len(profiles) / total)
    profiles.freeze()
    return profiles


def _rejected_codes(record_type: str) -> np.ndarray:
    rows = NotDuplicate.objects.filter(a_type=record_type, b_type=record_type).values_list(
        "a_id", "b_id"
    )
    return np.array(sorted({min(a, b) << 32 | max(a, b) for a, b in rows}), dtype=np.int64)


def find_groups(
    *,
    actor: Any,
    record_type: str,
    rules: Iterable[str] | None = None,
    threshold: float | None = None,
    filters: dict | None = None,
    progress: Progress | None = None,
    stats: dict | None = None,
) -> list[dict]:
    """Groups of likely duplicates among the records `actor` may see (and `filters` select):
    [{"records": [match, ...], "score", "reasons"}], strongest first. `stats`, if given,
    receives the seconds of each phase and the counts (for the benchmark)."""
    rules = frozenset(r for r in (rules or RULES) if r in RULES) or frozenset(RULES)
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    stats = {} if stats is None else stats
    clock = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stats[f"{name}_s"] = round(now - clock, 2)
        clock = now

    scope = scope_ids(actor, record_type, filters)
    pairs = candidate_pairs(record_type, rules, scope)
    phase("blocks")
    if progress:
        progress(0.2)
    profiles = _load_profiles(record_type, _distinct(pairs.ravel()), progress)
    phase("prepare")
    kept = _score_pairs(pairs, profiles, rules, threshold, _rejected_codes(record_type), progress)
    phase("score")
    groups = cluster(kept, threshold, profiles, rules)
    phase("cluster")
    stats.update(records=len(profiles), pairs=len(pairs), kept=len(kept))
    out = _describe(profiles, record_type, groups)
    phase("describe")
    _refresh_weights(record_type)
    return out


_after_run: list[Callable[[str], object]] = []


def after_run(hook: Callable[[str], object]) -> None:
    """Register `hook(record_type)` to run after each finder run (`apps.ready` registers the
    weights refresh: a finder run is where grown data shows, and the finder does not import
    the training that uses it)."""
    if hook not in _after_run:
        _after_run.append(hook)


def _refresh_weights(record_type: str) -> None:
    """Run the after-run hooks (a queued job at most; the run's answer never waits for
    them nor fails by them)."""
    for hook in _after_run:
        try:
            hook(record_type)
        except Exception:  # the finder's answer matters more than a refresh
            logging.getLogger(__name__).exception("after-run hook %s failed", hook)


Edge = tuple[int, int, float, list[str]]  # rows a < b, probability, reasons


def _score_pairs(pairs, profiles, rules, threshold, rejected, progress) -> list[Edge]:
    """Score every candidate pair (in chunks, so temporary arrays stay small); keep those at
    or above the threshold that nobody marked "not a duplicate"."""
    kept: list[Edge] = []
    weights = current_weights()
    parts = vectorized.chunks(len(pairs))
    for n, part in enumerate(parts):
        chunk = pairs[part].astype(np.int64)
        if len(rejected):
            chunk = chunk[~np.isin(chunk[:, 0] << 32 | chunk[:, 1], rejected)]
        a, b = profiles.rows(chunk[:, 0]), profiles.rows(chunk[:, 1])
        live = (a >= 0) & (b >= 0)
        scored = vectorized.score_pairs(profiles, a[live], b[live], rules, weights)
        which = np.flatnonzero(scored.probability >= threshold)
        kept.extend(
            zip(
                scored.a[which].tolist(),
                scored.b[which].tolist(),
                scored.probability[which].tolist(),
                scored.reasons_of(which),
                strict=True,
            )
        )
        if progress:
            progress(0.5 + 0.45 * (n + 1) / len(parts))
    return kept


def scope_ids(actor: Any, record_type: str, filters: dict | None) -> set[int] | None:
    """Ids the run may look at: None when that is every live record (a user who sees all,
    without filters), so a big run does not hold a million ids for nothing."""
    scope, _rights = access.grant(actor, record_type)
    if not filters and scope == "all":
        return None
    filters = dict(filters or {})
    params = ListParams(**{k: filters.pop(k) for k in list(filters) if k in _PARAMS})
    custom = {k[3:]: str(v) for k, v in list(filters.items()) if k.startswith("cf_")}
    type_filters = {k: v for k, v in filters.items() if not k.startswith("cf_")}
    qs = filtered_queryset(
        actor=actor,
        record_type=record_type,
        params=params,
        type_filters=type_filters,
        custom_filters=custom,
    )
    return set(qs.values_list("id", flat=True).iterator(chunk_size=10000))


_PARAMS = {"q", "owner_id", "team_id", "tag", "created_after", "created_before"} | {
    "updated_after",
    "updated_before",
}


def live(record_type: str) -> Any:
    qs = model_for(record_type).objects.alive()
    return qs.filter(is_converted=False) if record_type == "lead" else qs


def cluster(
    pairs: list[Edge], threshold: float, profiles: Profiles, rules: frozenset[str]
) -> list[tuple[list[int], float, list[str]]]:
    """Connected groups of the kept pairs; a group with a member far from another is rebuilt
    strongest bond first, joining only where every member stays close to every other."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _p, _r in pairs:
        parent[root(a)] = root(b)
    members: dict[int, list[int]] = defaultdict(list)
    for x in list(parent):
        members[root(x)].append(x)
    bonds: dict[int, list[Edge]] = defaultdict(list)
    for pair in pairs:
        bonds[root(pair[0])].append(pair)
    out = []
    floor = threshold - SPLIT_MARGIN
    bigger = [ids for ids in members.values() if len(ids) > 2]
    known = _within(profiles, bigger, rules)
    for key, ids in members.items():
        edges = sorted(bonds[key], key=lambda e: -e[2])
        if len(ids) <= 2:
            out.append((sorted(ids), edges[0][2], edges[0][3]))
            continue
        out.extend(_split(edges, profiles, rules, floor, known))
    out.sort(key=lambda g: (-g[1], g[0]))
    return out


WITHIN_LIMIT = 300  # members of a group whose every pair is scored up front


def _within(profiles: Profiles, groups: list[list[int]], rules) -> dict[tuple[int, int], float]:
    """The probability of every pair inside the (not too big) groups, in one batch."""
    pairs = [
        (x, y)
        for ids in groups
        if len(ids) <= WITHIN_LIMIT
        for x, y in combinations(sorted(ids), 2)
    ]
    if not pairs:
        return {}
    rows = np.array(pairs, dtype=np.int64)
    scored = vectorized.score_pairs(profiles, rows[:, 0], rows[:, 1], rules, current_weights())
    return dict(zip(pairs, scored.probability.tolist(), strict=True))


def _bits(probability: float) -> float:
    """The log2-odds of a probability (scores are rounded to 4 places: kept finite)."""
    p = min(max(probability, 1e-4), 1 - 1e-4)
    return math.log2(p / (1 - p))


def _split(edges, profiles, rules, floor, known) -> list[tuple[list[int], float, list[str]]]:
    def far(ga: set[int], gb: set[int]) -> bool:
        cross = [(min(x, y), max(x, y)) for x in ga for y in gb]
        missing = [c for c in cross if c not in known]
        if missing:
            rows = np.array(missing, dtype=np.int64)
            weights = current_weights()
            scored = vectorized.score_pairs(profiles, rows[:, 0], rows[:, 1], rules, weights)
            known.update(zip(missing, scored.probability.tolist(), strict=True))
        # Average linkage on the log-odds: two parts join when their cross pairs weigh, on
        # average, at least the floor. "Any pair under the floor" split FEBRL's entities of
        # five records, one of them retyped with other names, into pieces.
        return sum(_bits(known[c]) for c in cross) < _bits(floor) * len(cross)

    group_of: dict[int, set[int]] = {}
    best: dict[int, tuple[float, list[str]]] = {}
    for a, b, probability, reasons in edges:
        ga, gb = group_of.get(a, {a}), group_of.get(b, {b})
        if ga is gb:
            continue
        if len(ga) * len(gb) > 1 and far(ga, gb):
            continue
        joined = ga | gb
        for x in joined:
            group_of[x] = joined
        if id(joined) not in best or best[id(joined)][0] < probability:
            best[id(joined)] = (probability, reasons)
    seen: set[int] = set()
    out = []
    for group in group_of.values():
        if id(group) in seen or len(group) < 2:
            continue
        seen.add(id(group))
        strongest = max((e for e in edges if e[0] in group and e[1] in group), key=lambda e: e[2])
        out.append((sorted(group), strongest[2], strongest[3]))
    return out


def _describe(profiles: Profiles, record_type: str, groups) -> list[dict]:
    ids, names = profiles.ids, profiles.names
    return [
        {
            "records": [
                {
                    "record_type": record_type,
                    "id": ids[row],
                    "display_name": names[row],
                    "score": probability,
                    "reasons": reasons,
                }
                for row in rows
            ],
            "score": probability,
            "reasons": reasons,
        }
        for rows, probability, reasons in groups
    ]


def scope_size(scope: set[int] | None, record_type: str) -> int:
    """How many records a run looks at (decides between an answer now and a job)."""
    return len(scope) if scope is not None else live(record_type).count()


def visible_or_404(actor: Any, record_type: str, pk: int) -> Any:

    return record_get(actor=actor, record_type=record_type, pk=pk)
