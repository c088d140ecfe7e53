"""How the finder splits a group whose members are far apart (pure: every pair's score given)."""

from leadbridge.duplicates.finder import _split

FLOOR = 0.9 - 0.35  # the finder's floor at the default threshold


def _groups(scores: dict[tuple[int, int], float], threshold: float = 0.9) -> list[list[int]]:
    edges = sorted(
        ((a, b, p, []) for (a, b), p in scores.items() if p >= threshold), key=lambda e: -e[2]
    )
    return sorted(g for g, _p, _r in _split(edges, None, None, FLOOR, dict(scores)))


def test_one_member_retyped_far_from_another_stays_when_the_rest_hold_it():
    # FEBRL: record 3 is record 2 again, but far from record 1 (other names, other postcode);
    # 1 and 2 are one, 2 and 3 are one beyond doubt.
    assert _groups({(1, 2): 0.999, (2, 3): 1.0, (1, 3): 0.005}) == [[1, 2, 3]]


def test_a_chain_of_strangers_is_split_where_the_evidence_against_outweighs():
    # 2 resembles both 1 and 3, which are certainly two people: 3 stays apart.
    assert _groups({(1, 2): 0.999, (2, 3): 0.95, (1, 3): 0.0001}) == [[1, 2]]


def test_two_pairs_join_only_when_their_cross_pairs_are_close_on_average():
    close = {(1, 2): 0.99, (3, 4): 0.99, (2, 3): 0.97, (1, 3): 0.6, (1, 4): 0.7, (2, 4): 0.8}
    assert _groups(close) == [[1, 2, 3, 4]]
    far = {**close, (1, 3): 0.001, (1, 4): 0.001, (2, 4): 0.01}
    assert _groups(far) == [[1, 2], [3, 4]]
