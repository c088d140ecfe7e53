"""EM over the distinct combinations of levels (with their counts) learns what EM over every
pair does: the training's shortcut at a million records."""

import numpy as np

from leadbridge.duplicates import fellegi_sunter as fs
from leadbridge.duplicates.levels import FIELDS
from leadbridge.duplicates.training import _patterns


def test_em_over_patterns_equals_em_over_pairs():
    rng = np.random.default_rng(5)
    n = 20000
    match = rng.random(n) < 0.2
    levels = {}
    for field, names in FIELDS.items():
        k = len(names)
        agree = np.minimum(rng.geometric(0.9, n) - 1, k - 1)  # matches mostly exact
        other = np.maximum(k - rng.geometric(0.9, n), 0)  # strangers mostly "other"
        column = np.where(match, agree, other).astype(np.int8)
        column[rng.random(n) < 0.02] = -1  # not compared
        levels[field] = column
    patterns, counts = _patterns(levels)
    assert len(counts) < n / 4 and counts.sum() == n
    # The combinations are exactly those of the pairs.
    assert set(zip(*(patterns[f].tolist() for f in FIELDS), strict=True)) == set(
        zip(*(levels[f].tolist() for f in FIELDS), strict=True)
    )
    m1, u1, share1 = fs.expectation_maximisation(levels)
    m2, u2, share2 = fs.expectation_maximisation(patterns, counts=counts)
    assert abs(share1 - share2) < 1e-4
    for field in FIELDS:
        assert np.allclose(m1[field], m2[field], atol=1e-3)
        assert np.allclose(u1[field], u2[field], atol=1e-3)
