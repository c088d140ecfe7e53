"""The installation's match weights: the current version, training it, and its chart data.

Every scorer (the create-time check, import and conversion checks, the finder) reads
`current()`, so one pair scores the same wherever it is looked at. A version is learned from
the installation's own records (`weights_train`, see `fellegi_sunter` for the method) by a
background job a user starts, and again on its own when the records have grown by
`REFRESH_GROWTH` since the last version (`maybe_refresh`, from the bulk paths). Without a
version the built-in defaults apply; below `MIN_RECORDS` records no version is learned (its
estimates would be noise), so a new or tiny installation keeps them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from leadbridge.core.errors import Forbidden
from leadbridge.people import access

from . import fellegi_sunter as fs
from . import vectorized
from .fellegi_sunter import DEFAULT, Weights
from .levels import FIELD_NAMES, FIELDS
from .matching import DEFAULT_THRESHOLD, RULES
from .models import MatchProfile, MatchWeights, WeightsJob
from .vectorized import Profiles

log = logging.getLogger(__name__)

MIN_RECORDS = 500  # fewer records than this: the defaults stay (EM has too little to go on)
REFRESH_GROWTH = 1.2  # records grown by this factor since the last version: learn again
BLOCKED_SAMPLE = 1_000_000  # blocked pairs EM runs on, at most
RANDOM_PAIRS = 500_000  # random pairs u is counted on
CACHE_SECONDS = 10.0  # how long a process trusts its copy of the current version

_cache: dict[str, Any] = {"weights": None, "checked": 0.0}


def current() -> Weights:
    """The weights the scorers use now: the newest version, or the defaults. A process
    re-reads the version number at most every CACHE_SECONDS (one indexed query)."""
    now = time.monotonic()
    cached = _cache["weights"]
    if cached is not None and now - _cache["checked"] < CACHE_SECONDS:
        return cached
    newest = MatchWeights.objects.order_by("-version").values_list("version", flat=True).first()
    if cached is None or (newest or 0) != cached.version:
        cached = _load(MatchWeights.objects.get(version=newest)) if newest else DEFAULT
        _cache["weights"] = cached
    _cache["checked"] = now
    return cached


def forget_cache() -> None:
    _cache["weights"], _cache["checked"] = None, 0.0


def _load(row: MatchWeights) -> Weights:
    return Weights.from_json(
        row.data,
        version=row.version,
        record_count=row.record_count,
        pair_count=row.pair_count,
        trained_at=row.created_at.isoformat(),
    )


# Chart data ---------------------------------------------------------------------------------

FIELD_LABELS = {
    "email": gettext_noop("E-mail"),
    "phone": gettext_noop("Phone"),
    "registration_number": gettext_noop("Registration number"),
    "first_name": gettext_noop("First name"),
    "last_name": gettext_noop("Last name"),
    "company": gettext_noop("Company"),
    "postcode": gettext_noop("Postcode"),
    "city": gettext_noop("City"),
    "street": gettext_noop("Street"),
    "number": gettext_noop("House number"),
    "premises": gettext_noop("Address line 2"),
}
LEVEL_LABELS = {
    "exact": gettext_noop("exact"),
    "local": gettext_noop("same name, other domain"),
    "local_name": gettext_noop("same name (the person's), other domain"),
    "typo1": gettext_noop("1 typo"),
    "typo2": gettext_noop("2 typos"),
    "jw92": gettext_noop("similar (≥ 0.92)"),
    "jw88": gettext_noop("similar (≥ 0.88)"),
    "swapped": gettext_noop("first and last swapped"),
    "initial": gettext_noop("initial"),
    "close": gettext_noop("close"),
    "similar": gettext_noop("similar"),
    "other": gettext_noop("different"),
}


def _weights_of(model: MatchWeights | Weights | None) -> Weights:
    if model is None:
        return current()
    return model if isinstance(model, Weights) else _load(model)


def chart_data(model: MatchWeights | Weights | None = None) -> list[dict]:
    """One row per field and level of the current weights (or `model`'s): m, u and the
    weight log2(m/u) in bits, fields in scoring order, levels strongest first."""
    w = _weights_of(model)
    return [
        {
            "field": field,
            "field_label": _(FIELD_LABELS[field]),
            "level": level,
            "level_label": _(LEVEL_LABELS[level]),
            "m": w.m[field][k],
            "u": w.u[field][k],
            "weight": w.bits[field][k],
        }
        for field in FIELD_NAMES
        for k, level in enumerate(FIELDS[field])
    ]


def model_info(model: MatchWeights | Weights | None = None) -> dict:
    w = _weights_of(model)
    return {
        "version": w.version,
        "source": "learned" if w.version else "default",
        "trained_at": w.trained_at and timezone.datetime.fromisoformat(w.trained_at),
        "record_count": w.record_count,
        "pair_count": w.pair_count,
        "prior": w.prior,
        "threshold": DEFAULT_THRESHOLD,
    }


# Training -----------------------------------------------------------------------------------


def _may_train(actor: Any) -> bool:

    return bool(actor and actor.is_active and access.grant(actor, "lead")[0] == "all")


def weights_train_start(*, actor: Any) -> WeightsJob:
    """Queue a training (a user who sees every lead); a queued or running one is returned
    instead of starting a second."""
    if not _may_train(actor):
        raise Forbidden(_("Only a user who sees every lead may train the match weights."))
    return _enqueue(actor)


def _enqueue(actor: Any) -> WeightsJob:
    from .tasks import run_weights_training  # loop to cut (pyproject)

    with transaction.atomic():
        busy = (
            WeightsJob.objects.select_for_update()
            .filter(status__in=(WeightsJob.Status.QUEUED, WeightsJob.Status.RUNNING))
            .order_by("-created_at")
            .first()
        )
        if busy:
            return busy
        job = WeightsJob.objects.create(created_by=actor)
        run_weights_training.enqueue(str(job.pk))
    return job


def training_status() -> dict | None:
    job = WeightsJob.objects.order_by("-created_at").first()
    if job is None:
        return None
    return {
        "id": str(job.pk),
        "status": job.status,
        "progress": job.progress,
        "error": job.error,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "version": job.weights.version if job.weights_id else None,
    }


def maybe_refresh(record_type: str = "lead") -> WeightsJob | None:
    """Queue a training when the records have grown by REFRESH_GROWTH since the current
    version (or reached MIN_RECORDS without one). Called from bulk paths (import, finder),
    not from each save."""
    if record_type != "lead":
        return None
    count = MatchProfile.objects.filter(record_type="lead").count()
    base = current().record_count
    if count < MIN_RECORDS or (base and count < base * REFRESH_GROWTH):
        return None
    return _enqueue(None)


Progress = Callable[[float], None]


def weights_train(
    *, actor: Any = None, record_type: str = "lead", progress: Progress | None = None
) -> MatchWeights | None:
    """Learn a version of the weights from the records of `record_type` and save it as the
    current one; None (the defaults stay) below MIN_RECORDS records."""
    from . import finder  # loop to cut (pyproject)

    started = time.perf_counter()
    report = progress or (lambda _value: None)
    rng = np.random.default_rng(21)
    pairs = finder.candidate_pairs(record_type, RULES, None)
    blocked = len(pairs)
    if blocked > BLOCKED_SAMPLE:
        pairs = pairs[rng.choice(blocked, BLOCKED_SAMPLE, replace=False)]
    report(0.1)
    profiles = _all_profiles(record_type, report)
    records = len(profiles)
    if records < MIN_RECORDS:
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
    m, _u_blocked, share = fs.expectation_maximisation(
        {f: blocked_levels[f][0] for f in fields},
        progress=lambda value: report(0.7 + 0.25 * value),
    )
    values, counts = _value_counts(profiles)
    # Frequencies among the records of one's own country, as u is counted (the expected
    # size of a record's country group).
    sizes = np.bincount(profiles.codes["country"]).astype(np.float64)
    group = max(int(round(float((sizes**2).sum()) / max(records, 1))), 1)
    tf, floor = fs.term_frequencies(values, counts, group)
    prior = fs.prior_bits(share, blocked, pairs_total)
    return Weights(m=m, u=u, prior=prior, tf=tf, tf_floor=floor)


def _random_pairs(country: np.ndarray, rng: np.random.Generator) -> tuple:
    """RANDOM_PAIRS random pairs of records of one country (records without one form a
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
    group = rng.choice(len(sizes), RANDOM_PAIRS, p=weight / weight.sum())
    first = rng.integers(0, sizes[group])
    second = rng.integers(0, sizes[group] - 1)
    second = second + (second >= first)  # another record of the same group
    return order[starts[group] + first], order[starts[group] + second], pairs_total


def _all_profiles(record_type: str, report: Progress) -> Any:
    from django.db import connection

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
