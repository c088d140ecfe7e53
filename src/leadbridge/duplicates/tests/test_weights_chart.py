"""The weights chart's layout (`duplicates.chart`): bars on the right side of zero for
evidence for a match, on the left against, as long as their weights, fields as headings."""

import math

from leadbridge.duplicates.chart import threshold_bits, weight_chart

ROWS = [
    {"field": "first_name", "field_label": "First name", "level": "exact",
     "level_label": "exact", "m": 0.8, "u": 0.01, "weight": math.log2(0.8 / 0.01)},
    {"field": "first_name", "field_label": "First name", "level": "other",
     "level_label": "other", "m": 0.05, "u": 0.9, "weight": math.log2(0.05 / 0.9)},
    {"field": "postcode", "field_label": "Postcode", "level": "typo1",
     "level_label": "1 typo", "m": 0.1, "u": 0.025, "weight": 2.0},
]  # fmt: skip


def _bars(chart):
    return [i for i in chart["items"] if i["kind"] == "bar" and not i["prior"]]


def test_bars_sit_on_their_side_of_zero_and_scale_with_the_weight():
    chart = weight_chart(ROWS, {"prior": -10.0}, prior_label="Prior")
    zero = chart["zero"]
    exact, other, typo = _bars(chart)
    assert exact["positive"] and exact["x"] == zero and exact["anchor"] == "start"
    assert not other["positive"] and math.isclose(other["x"] + other["width"], zero, abs_tol=0.2)
    # Lengths proportional to the weights: 6.32 bits against 2 bits.
    assert math.isclose(exact["width"] / typo["width"], ROWS[0]["weight"] / 2.0, rel_tol=0.01)
    assert exact["value"] == "+6.32" and other["value"] == "-4.17"
    prior = chart["items"][0]
    assert prior["prior"] and not prior["positive"] and prior["x"] >= 0
    # Everything fits in the drawing.
    for bar in [prior, *_bars(chart)]:
        assert 0 <= bar["x"] and bar["x"] + bar["width"] <= chart["width"]


def test_fields_head_their_levels_in_the_order_given():
    chart = weight_chart(ROWS, {"prior": -10.0}, prior_label="Prior")
    kinds = [(i["kind"], i.get("key") or i.get("level")) for i in chart["items"][1:]]
    assert kinds == [
        ("field", "first_name"),
        ("bar", "exact"),
        ("bar", "other"),
        ("field", "postcode"),
        ("bar", "typo1"),
    ]
    ys = [i["y"] for i in chart["items"]]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)
    assert chart["height"] > ys[-1] and chart["levels"] == 3


def test_empty_and_all_zero_weights_still_draw():
    chart = weight_chart([], {"prior": 0.0}, prior_label="Prior")
    assert chart["levels"] == 0 and chart["items"][0]["width"] >= 1
    flat = [{**ROWS[0], "weight": 0.0}]
    assert _bars(weight_chart(flat, {}, prior_label="Prior"))[0]["width"] >= 1


def test_threshold_in_bits():
    assert math.isclose(threshold_bits(0.9), math.log2(9))
    assert threshold_bits(0.5) == 0
    assert math.isfinite(threshold_bits(1.0)) and math.isfinite(threshold_bits(0.0))
