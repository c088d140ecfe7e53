"""Fellegi–Sunter weights: the built-in defaults, and their estimation from records. Pure.

For each field and comparison level (see `levels`), `m` is the probability of the level
among pairs that are one record, `u` among pairs that are not; the level adds
`log2(m / u)` bits to the pair's log2-odds, which start from the prior (the log2-odds that
two records are one before looking at them). The sum becomes a probability in 0..1.

Estimation, as splink and fastLink do it:
- `u` from the levels of random pairs (nearly all of which are two records);
- `m` by expectation–maximisation over the blocked pairs (those sharing a key), a mixture
  of a "one record" and a "two records" class, the latter with its own level frequencies
  (pairs sharing a key agree more often than random ones, so random `u` would misfit it);
- both blended with the defaults as a Dirichlet prior (`PSEUDO_PAIRS` pairs' worth), so a
  small installation's weights stay near the defaults and a level its data never shows
  keeps a sensible weight;
- exact agreement on a name or city weighs by how common the value is (term frequency):
  `log2(u_exact / frequency)` replaces the flat exact weight's `u`, within bounds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .levels import FIELD_NAMES, FIELDS, TF_FIELDS

# Default weights in bits per level (the hand-set weights the matcher had before learning),
# with `DEFAULT_PRIOR` the log2-odds for two records that share a blocking key.
DEFAULT_BITS: dict[str, tuple[float, ...]] = {
    "email": (13.0, 3.0, 1.0, -0.5),
    "phone": (10.0, 2.0, -1.0),
    "registration_number": (14.0, 4.0, 0.0, -10.0),
    "first_name": (3.0, 2.0, 5.0, 1.0, 1.0, 0.5, -4.0),  # a swap stands for both names
    "last_name": (3.5, 2.5, 1.0, 1.0, -4.0),
    "company": (6.0, 5.5, 3.0, -2.0),
    "postcode": (3.0, 1.0, -2.0, -3.0),
    "city": (1.0, 0.0, -0.5),
    "street": (2.5, 1.0, -1.0),
    # Another house number is strong evidence of another household: every set learned from
    # (FEBRL 1-3, the synthetic one) puts it at -2.6 bits or below; at -1 a namesake in the
    # same street and postcode, which the typo keys now bring to the scorer, passed.
    "number": (1.5, 0.5, -3.0),
    "premises": (1.5, 0.5, -0.5),
}
DEFAULT_PRIOR = -7.0
PSEUDO_PAIRS = 50.0  # weight of the defaults in a learned m or u, in pairs
TF_BOUNDS = (-5.0, 3.0)  # a term-frequency adjustment never moves a level further
TF_VALUES = 5000  # most common values per field kept for the adjustment
MIN_PROBABILITY = 1e-7  # no level is impossible: keeps every weight finite


def _solve(bits: tuple[float, ...]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """m and u (each summing to 1) with log2(m/u) exactly `bits`: agreeing levels start
    rare among strangers, the last ("other") common; the two groups are scaled so both sums
    are one."""
    u0 = [0.01 if w > 0 else 0.05 for w in bits[:-1]] + [1.0]
    agree = [k for k, w in enumerate(bits) if w > 0]
    other = [k for k, w in enumerate(bits) if w <= 0]
    au, am = sum(u0[k] for k in agree), sum(u0[k] * 2 ** bits[k] for k in agree)
    du, dm = sum(u0[k] for k in other), sum(u0[k] * 2 ** bits[k] for k in other)
    det = au * dm - du * am
    alpha, beta = (dm - du) / det, (au - am) / det
    u = [u0[k] * (alpha if k in agree else beta) for k in range(len(bits))]
    m = [u[k] * 2 ** bits[k] for k in range(len(bits))]
    return tuple(m), tuple(u)


@dataclass(frozen=True)
class Weights:
    """One version of the weights the scorers read (the default one is version 0)."""

    m: dict[str, tuple[float, ...]]
    u: dict[str, tuple[float, ...]]
    prior: float = DEFAULT_PRIOR
    version: int = 0
    tf: dict[str, dict[str, float]] = field(default_factory=dict)  # value -> frequency
    tf_floor: dict[str, float] = field(default_factory=dict)  # frequency of a value not kept
    record_count: int = 0
    pair_count: int = 0
    trained_at: str | None = None
    bits: dict[str, tuple[float, ...]] = field(init=False)

    def __post_init__(self) -> None:
        bits = {
            f: tuple(math.log2(max(m, MIN_PROBABILITY) / max(u, MIN_PROBABILITY))
                     for m, u in zip(self.m[f], self.u[f], strict=True))
            for f in FIELD_NAMES
        }  # fmt: skip
        object.__setattr__(self, "bits", bits)

    def tf_adjust(self, field_name: str, value: str) -> float:
        """Bits added to an exact agreement on `value`: positive for a rare value, negative
        for a common one; 0 without a frequency table (the defaults)."""
        table = self.tf.get(field_name)
        if not table:
            return 0.0
        frequency = table.get(value, self.tf_floor.get(field_name, 0.0))
        if frequency <= 0:
            return 0.0
        low, high = TF_BOUNDS
        return min(high, max(low, math.log2(self.u[field_name][0] / frequency)))

    def to_json(self) -> dict:
        return {
            "m": {f: list(v) for f, v in self.m.items()},
            "u": {f: list(v) for f, v in self.u.items()},
            "prior": self.prior,
            "tf": self.tf,
            "tf_floor": self.tf_floor,
        }

    @classmethod
    def from_json(cls, data: dict, **info) -> Weights:
        """Weights as stored; fields or levels the stored version lacks take the defaults."""
        m, u = dict(DEFAULT.m), dict(DEFAULT.u)
        for f in FIELD_NAMES:
            if len(data.get("m", {}).get(f, ())) == len(FIELDS[f]):
                m[f], u[f] = tuple(data["m"][f]), tuple(data["u"][f])
        return cls(
            m=m,
            u=u,
            prior=float(data.get("prior", DEFAULT_PRIOR)),
            tf=data.get("tf", {}),
            tf_floor=data.get("tf_floor", {}),
            **info,
        )


def _defaults() -> Weights:
    solved = {f: _solve(bits) for f, bits in DEFAULT_BITS.items()}
    return Weights(m={f: s[0] for f, s in solved.items()}, u={f: s[1] for f, s in solved.items()})


DEFAULT = _defaults()


# Estimation ---------------------------------------------------------------------------------


def level_frequencies(levels: np.ndarray, size: int, prior: tuple[float, ...]) -> np.ndarray:
    """Frequencies of each level in a column (-1 = not compared left out), blended with
    `prior` as PSEUDO_PAIRS pairs."""
    counts = np.bincount(levels[levels >= 0], minlength=size).astype(np.float64)
    blended = counts + PSEUDO_PAIRS * np.asarray(prior)
    return blended / blended.sum()


def estimate_u(random_levels: dict[str, np.ndarray]) -> dict[str, tuple[float, ...]]:
    return {
        f: tuple(level_frequencies(random_levels[f], len(FIELDS[f]), DEFAULT.u[f]).tolist())
        for f in FIELD_NAMES
    }


def expectation_maximisation(
    levels: dict[str, np.ndarray],
    *,
    m0: dict[str, tuple[float, ...]] | None = None,
    u0: dict[str, tuple[float, ...]] | None = None,
    share0: float = 0.1,
    iterations: int = 30,
    tolerance: float = 1e-5,
    progress: Callable[[float], None] | None = None,
    counts: np.ndarray | None = None,
) -> tuple[dict[str, tuple[float, ...]], dict[str, tuple[float, ...]], float]:
    """(m, u among these pairs, share of pairs that are one record) of a two-class mixture
    over the comparison levels of `levels` (field -> level per pair, -1 not compared),
    fields independent within a class. Starts from `m0` (the defaults) so the class that
    agrees more is the "one record" class. `counts`, if given, says how many pairs each row
    stands for (pairs with the same levels in every field, counted once: the same answer)."""
    fields = [f for f in FIELD_NAMES if f in levels]
    n = len(next(iter(levels.values()))) if levels else 0
    m = {f: np.asarray((m0 or DEFAULT.m)[f], dtype=np.float64) for f in fields}
    u = {f: np.asarray((u0 or DEFAULT.u)[f], dtype=np.float64) for f in fields}
    share = share0
    if n == 0:
        return {f: tuple(m[f]) for f in fields}, {f: tuple(u[f]) for f in fields}, share
    # One-hot of each field's levels, so the M step is a matrix product.
    onehot = {}
    for f in fields:
        column = levels[f]
        hot = np.zeros((n, len(FIELDS[f])), dtype=np.float32 if counts is None else np.float64)
        seen = np.flatnonzero(column >= 0)
        hot[seen, column[seen]] = 1.0
        onehot[f] = hot
    for step in range(iterations):
        log_m = np.full(n, math.log(share))
        log_u = np.full(n, math.log(1 - share))
        for f in fields:
            lm = np.log(np.maximum(m[f], MIN_PROBABILITY))
            lu = np.log(np.maximum(u[f], MIN_PROBABILITY))
            log_m += onehot[f] @ lm
            log_u += onehot[f] @ lu
        posterior = 1.0 / (1.0 + np.exp(np.clip(log_u - log_m, -700, 700)))
        if counts is None:
            new_share = float(posterior.mean())
            p32 = posterior.astype(np.float32)
            q32 = (1.0 - posterior).astype(np.float32)
        else:
            new_share = float((posterior * counts).sum() / counts.sum())
            p32, q32 = posterior * counts, (1.0 - posterior) * counts
        change = abs(new_share - share)
        for f in fields:
            mm = (p32 @ onehot[f]).astype(np.float64) + PSEUDO_PAIRS * np.asarray(DEFAULT.m[f])
            uu = (q32 @ onehot[f]).astype(np.float64) + PSEUDO_PAIRS * np.asarray(DEFAULT.u[f])
            mm, uu = mm / mm.sum(), uu / uu.sum()
            change = max(change, float(np.abs(mm - m[f]).max()))
            m[f], u[f] = mm, uu
        share = min(max(new_share, 1e-9), 1 - 1e-9)
        if progress:
            progress((step + 1) / iterations)
        if change < tolerance:
            break
    learned_m = {f: tuple(m[f].tolist()) for f in fields}
    return learned_m, {f: tuple(u[f].tolist()) for f in fields}, share


def term_frequencies(
    values: dict[str, list[str]], counts: dict[str, np.ndarray], total: int
) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """For each TF field: the most common values' frequencies among `total` records, and
    the frequency to assume for a value not kept (the rarest kept one's, or one record's)."""
    tf, floor = {}, {}
    for f in TF_FIELDS:
        if f not in values or total <= 0:
            continue
        vals, cnt = values[f], counts[f]
        order = np.argsort(-cnt, kind="stable")
        kept = [int(k) for k in order[: TF_VALUES + 1] if cnt[k] > 0 and vals[int(k)]]
        truncated = len(kept) > TF_VALUES
        kept = kept[:TF_VALUES]
        tf[f] = {vals[k]: float(cnt[k]) / total for k in kept}
        floor[f] = (float(cnt[kept[-1]]) if truncated and kept else 1.0) / total
    return tf, floor


def prior_bits(share_blocked: float, blocked_pairs: int, total: int) -> float:
    """log2-odds that two random records (of the `total` pairs u was counted among) are
    one: the matches EM found among the blocked pairs spread over those pairs."""
    if total <= 0 or blocked_pairs <= 0:
        return DEFAULT_PRIOR
    matches = max(share_blocked * blocked_pairs, 1.0)
    p = min(matches / total, 0.5)
    return math.log2(p / (1 - p))
