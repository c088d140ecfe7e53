"""Colours chosen by administrators (status colours) shown with readable text on them."""

from __future__ import annotations

import re

from django import template

register = template.Library()

_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def _luminance(color: str) -> float | None:
    """WCAG relative luminance of a #rgb / #rrggbb colour; None for anything else."""
    match = _HEX.match((color or "").strip())
    if not match:
        return None
    digits = match[1] if len(match[1]) == 6 else "".join(c * 2 for c in match[1])
    channels = []
    for i in (0, 2, 4):
        c = int(digits[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@register.filter
def text_on(color: str) -> str:
    """The text colour (black or white) with the higher contrast on `color`.

    One of the two always reaches WCAG AA's 4.5:1 for any background (a mid grey such as
    #777 only with black), so a status an administrator colours light yellow stays readable.
    """
    lum = _luminance(color)
    if lum is None:
        return "#fff"
    on_white = 1.05 / (lum + 0.05)
    on_black = (lum + 0.05) / 0.05
    return "#fff" if on_white >= on_black else "#000"
