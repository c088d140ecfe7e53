"""Learning a version of the match weights from the installation's own records.

`weights_train` is what the background job (`tasks.run_weights_training`) runs: the blocked
pairs the finder would compare, every record's match profile, then `learn` (pure: u from
random pairs, m by EM, the prior, term frequencies; `fellegi_sunter` has the method). The
new version is saved and becomes `weights.current()` for every scorer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from django.db import connection, transaction

from . import fellegi_sunter as fs
from . import (
    finder,
    vectorized,
    weights,  # its limits are read at call time: one place to set (and patch) them
)
from .levels import FIELD_NAMES
from .matching import RULES
from .models import MatchProfile, MatchWeights
from .vectorized import Profiles
from .weights import Weights, forget_cache

log = logging.getLogger(__name__)

Progress = Callable[[float], None]


def weights_train(
    *, actor: Any = None, record_type: str = "lead", progress: Progress | None = None
) -> MatchWeights | None:
    """Learn a version of the weights from the records of `record_type` and save it as the
    current one; None (the defaults stay) below `weights.MIN_RECORDS` records."""
    started = time.perf_counter()
    report = progress or (lambda _value: None)
    rng = np.random.default_rng(21)
    report(0.01)  # started: reading the blocks takes a while at a million records
    pairs = finder.candidate_pairs(record_type, RULES, None)
    blocked = len(pairs)
    if blocked > weights.BLOCKED_SAMPLE:
        pairs = pairs[rng.choice(blocked, weights.BLOCKED_SAMPLE, replace=False)]
    report(0.1)
    profiles = _all_profiles(record_type, report)
    records = len(profiles)
    if records < weights.MIN_RECORDS:
        return None
    learned = learn(profiles, pairs, blocked, rng=rng, progress=report)
    with transaction.atomic():
        newest = MatchWeights.objects.select_for_update().order_by("-version").first()
        row = MatchWeights.objects.create(
            version=(newest.version if newest else 0) + 1,
            record_type=record_type,
            record_count=records,
            pair_count=blocked,
            seconds=round(time.perf_counter() - started, 2),
            data=learned.to_json(),
        )
    forget_cache()
    log.info("match weights v%s: %s records, %s blocked pairs", row.version, records, blocked)
    report(1.0)
    return row


def learn(
    profiles: Any,
    pairs: np.ndarray,
    blocked: int,
    *,
    rng: np.random.Generator | None = None,
    progress: Progress | None = None,
) -> Weights:
    """Weights learned from `profiles` (`vectorized.Profiles`, every record): u from random
    pairs of them, m by EM over `pairs` (record ids of blocked pairs, a sample of `blocked`),
    the prior from EM's share of matches, term frequencies from the profiles. Pure.
    (`_random_pairs` says why the random pairs are of one country.)"""

    report = progress or (lambda _value: None)
    rng = rng or np.random.default_rng(21)
    records = len(profiles)
    fields = FIELD_NAMES
    a, b = profiles.rows(pairs[:, 0]), profiles.rows(pairs[:, 1])
    live = (a >= 0) & (b >= 0)
    a, b = a[live], b[live]
    blocked_levels = vectorized.levels_of(profiles, a, b, fields)
    report(0.55)
    ra, rb, pairs_total = _random_pairs(profiles.codes["country"], rng)
    random_levels = vectorized.levels_of(profiles, ra, rb, fields)
    u = fs.estimate_u({f: random_levels[f][0] for f in fields})
    report(0.7)
    patterns, counts = _patterns({f: blocked_levels[f][0] for f in fields})
    m, _u_blocked, share = fs.expectation_maximisation(
        patterns, counts=counts, progress=lambda value: report(0.7 + 0.25 * value)
    )
    values, counts = _value_counts(profiles)
    # Frequencies among the records of one's own country, as u is counted (the expected
    # size of a record's country group).
    sizes = np.bincount(profiles.codes["country"]).astype(np.float64)
    group = max(int(round(float((sizes**2).sum()) / max(records, 1))), 1)
    tf, floor = fs.term_frequencies(values, counts, group)
    prior = fs.prior_bits(share, blocked, pairs_total)
    return Weights(m=m, u=u, prior=prior, tf=tf, tf_floor=floor)


def _patterns(levels: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The distinct combinations of levels among the pairs and how many pairs have each.
    EM treats pairs with the same levels alike, so it runs over these (thousands) instead
    of a million pairs, with the same result."""
    fields = list(levels)
    if len(fields) > 15 or any(int(levels[f].max(initial=0)) > 14 for f in fields):
        return levels, np.ones(len(levels[fields[0]]))  # does not fit a 64-bit code
    code = np.zeros(len(levels[fields[0]]) if fields else 0, dtype=np.int64)
    for f in fields:  # 4 bits a field: level + 1 (-1 not compared .. 14)
        code = code << 4 | (levels[f].astype(np.int64) + 1)
    distinct, counts = np.unique(code, return_counts=True)
    out = {}
    for f in reversed(fields):
        out[f] = ((distinct & 15) - 1).astype(np.int8)
        distinct = distinct >> 4
    return {f: out[f] for f in fields}, counts.astype(np.float64)


def _random_pairs(country: np.ndarray, rng: np.random.Generator) -> tuple:
    """`weights.RANDOM_PAIRS` random pairs of records of one country (records without one form a
    group of their own), and how many such pairs there are.

    Why of one country: the pairs a scorer meets are nearly all of one country (blocks
    join a name with a place), and among them a shared first name, surname or city is far
    more common than between two records drawn from a whole international installation,
    most of whose pairs are of different countries and languages. A u counted over those
    would weigh a shared common name and city as if they were independent of the country;
    the prior is then the share of matches among the pairs of one country too. An
    installation of one country (or none) gets plain random pairs."""
    order = np.argsort(country, kind="stable")
    codes, starts, sizes = np.unique(country[order], return_index=True, return_counts=True)
    del codes
    pairs_total = int((sizes * (sizes - 1) // 2).sum())
    weight = sizes * (sizes - 1) / 2.0
    if pairs_total == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, 0
    group = rng.choice(len(sizes), weights.RANDOM_PAIRS, p=weight / weight.sum())
    first = rng.integers(0, sizes[group])
    second = rng.integers(0, sizes[group] - 1)
    second = second + (second >= first)  # another record of the same group
    return order[starts[group] + first], order[starts[group] + second], pairs_total


def _all_profiles(record_type: str, report: Progress) -> Any:
    profiles = Profiles()
    table = MatchProfile._meta.db_table
    total = max(MatchProfile.objects.filter(record_type=record_type).count(), 1)
    sql = f"SELECT record_id, data FROM {table} WHERE record_type = %s"  # noqa: S608
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, [record_type])
        while rows := cursor.fetchmany(20000):
            for record_id, data in rows:
                profiles.add(record_id, data)
            report(0.1 + 0.35 * len(profiles) / total)
    profiles.freeze()
    return profiles


def _value_counts(profiles: Any) -> tuple[dict[str, list[str]], dict[str, np.ndarray]]:
    pn = profiles.vocab["pn"].values
    city = profiles.vocab["city"].values
    return (
        {"first_name": pn, "last_name": pn, "city": city},
        {
            "first_name": np.bincount(profiles.codes["given"], minlength=len(pn)),
            "last_name": np.bincount(profiles.codes["family"], minlength=len(pn)),
            "city": np.bincount(profiles.codes["city"], minlength=len(city)),
        },
    )
