"""The learned match weights as a chart, laid out on the server (an SVG, no script).

`weights.chart_data()` gives one row per field and comparison level with its m, u and
weight (log2 m/u, in bits); `weight_chart` turns them into bars around a zero line, as
splink's match-weights chart draws them: evidence for a match to the right in green, against
to the left in red, fields as headings with their levels under them, the prior (the
log2-odds that two records picked at random are one) on top. Only numbers and labels go to
the template, which escapes the labels; SVG attributes are no inline styles, so the strict
Content-Security-Policy holds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from django.utils.formats import number_format

WIDTH = 820
LABEL_WIDTH = 300  # the field / level names, right-aligned before the bars
VALUE_WIDTH = 56  # the weight printed beyond the end of each bar
ROW = 20
HEAD = 22
TOP = 8


def threshold_bits(threshold: float) -> float:
    """The match weight (log2-odds) a probability threshold means: 0.9 is +3.17 bits."""
    t = min(max(threshold, 1e-6), 1 - 1e-6)
    return math.log2(t / (1 - t))


def _scale(values: Iterable[float]) -> tuple[float, float]:
    """The left (negative) and right (positive) extent of the bars, in bits; never 0."""
    values = list(values) or [0.0]
    low = max(-min(values), 0.0)
    high = max(max(values), 0.0)
    if low + high == 0:
        high = 1.0
    return low, high


def _bar(weight: float, zero: float, per_bit: float) -> dict:
    length = abs(weight) * per_bit
    positive = weight >= 0
    x = zero if positive else zero - length
    return {
        "x": round(x, 1),
        "width": round(max(length, 1.0), 1),
        "positive": positive,
        # The number just beyond the bar's end, on its side of the zero line.
        "value_x": round(zero + length + 4 if positive else zero - length - 4, 1),
        "anchor": "start" if positive else "end",
        "value": f"{weight:+.2f}",
        "shown": ("+" if positive else "−") + number_format(abs(weight), 2),
    }


def weight_chart(rows: list[dict], info: dict, prior_label: str) -> dict:
    """The geometry of the weights chart: `rows` from `weights.chart_data`, `info` from
    `weights.model_info`. Fields keep the order the rows come in (the scorer's)."""
    prior = float(info.get("prior") or 0.0)
    low, high = _scale([prior, *(float(r["weight"]) for r in rows)])
    plot = WIDTH - LABEL_WIDTH - 2 * VALUE_WIDTH
    per_bit = plot / (low + high)
    zero = LABEL_WIDTH + VALUE_WIDTH + low * per_bit
    items: list[dict[str, Any]] = []
    y = TOP
    items.append(
        {"kind": "bar", "y": y, "label": prior_label, "prior": True, **_bar(prior, zero, per_bit)}
    )
    y += ROW + 6
    field = None
    for row in rows:
        if row["field"] != field:
            field = row["field"]
            items.append({"kind": "field", "y": y, "label": row["field_label"], "key": field})
            y += HEAD
        items.append(
            {
                "kind": "bar",
                "y": y,
                "label": row["level_label"],
                "field": row["field"],
                "level": row["level"],
                "m": row["m"],
                "u": row["u"],
                "weight": row["weight"],
                "prior": False,
                **_bar(float(row["weight"]), zero, per_bit),
            }
        )
        y += ROW
    return {
        "width": WIDTH,
        "height": y + 4,
        "zero": round(zero, 1),
        "label_x": LABEL_WIDTH - 6,
        "bar_height": ROW - 6,
        "items": items,
        "levels": sum(1 for i in items if i["kind"] == "bar" and not i["prior"]),
    }
