"""Readable text on administrators' colours: the better of white and black, which always
passes WCAG AA (4.5:1)."""

import pytest

from leadbridge.core.templatetags.lb_colors import _luminance, text_on


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize(
    "background",
    [
        "#6b7280",
        "#16a34a",
        "#f59e0b",
        "#fde047",
        "#2563eb",
        "#dc2626",
        "#777",
        "#888888",
        "#fff",
        "#000000",
        "#7c3aed",
        "#0ea5e9",
    ],
)
def test_the_text_chosen_reaches_aa(background):
    assert contrast(text_on(background), background) >= 4.5


def test_light_backgrounds_get_dark_text_and_bad_values_white():
    assert text_on("#fde047") == "#000" and text_on("#1e3a8a") == "#fff"
    assert text_on("red; x: y") == "#fff" and text_on("") == "#fff"
