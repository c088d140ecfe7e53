"""The installation's match weights: the current version and its chart data.

Every scorer (the create-time check, import and conversion checks, the finder) reads
`current()`, so one pair scores the same wherever it is looked at. A version is learned from
the installation's own records (`training.weights_train`, see `fellegi_sunter` for the
method) by a background job a user starts, and again on its own when the records have grown
by `REFRESH_GROWTH` since the last version (`tasks.maybe_refresh`, after a finder run). Without a
version the built-in defaults apply; below `MIN_RECORDS` records no version is learned (its
estimates would be noise), so a new or tiny installation keeps them.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .fellegi_sunter import DEFAULT, Weights
from .levels import FIELD_NAMES, FIELDS
from .matching import DEFAULT_THRESHOLD
from .models import MatchWeights, WeightsJob

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


# The training job's state ------------------------------------------------------------------


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
