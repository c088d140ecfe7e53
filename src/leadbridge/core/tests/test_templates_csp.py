"""Templates hold no inline script and no inline event handler, so a strict
Content-Security-Policy (script-src 'self') can be switched on."""

import re
from pathlib import Path

import pytest

import leadbridge

TEMPLATES = sorted((Path(leadbridge.__file__).parent / "templates").rglob("*.html"))
SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def offences(text: str) -> list[str]:
    found = []
    for match in SCRIPT.finditer(text):
        attrs = match.group(1)
        is_data = re.search(r"""type\s*=\s*["']application/(ld\+)?json["']""", attrs, re.I)
        if "src=" not in attrs.lower() and not is_data:
            found.append(f"inline script: {match.group(0)}")
    found += [f"inline handler: {m.group(1)}" for m in HANDLER.finditer(text)]
    found += [f"javascript: URL: {m.group(0)}" for m in JAVASCRIPT_URL.finditer(text)]
    return found


def test_there_are_templates():
    assert len(TEMPLATES) > 5


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_no_inline_script_or_handler(path):
    assert offences(path.read_text()) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<button onclick="x()">',
        '<div hx-on:click="x()">',
        '<a href="javascript:alert(1)">',
        "<SCRIPT type='text/javascript'>x</SCRIPT>",
    ],
)
def test_the_check_catches_offences(snippet):
    assert offences(snippet)


def test_the_check_allows_external_and_data_scripts():
    ok = '<script src="/static/app.js" defer></script><script type="application/json">{}</script>'
    assert offences(ok) == []
