"""The hosted form page keeps the site's Content-Security-Policy (issue 19.14).

It only replaces `frame-ancestors` (the allowed sites may frame it); `script-src 'self'` and
every other directive of the global policy still hold, for the page and for its answers
to a post.
"""

from __future__ import annotations

import pytest
from django.test import Client

from leadbridge.ops.middleware import site_policy
from leadbridge.webforms.services import webform_save

pytestmark = pytest.mark.django_db
ORIGIN = "https://www.example.cz"


def _directives(policy: str) -> dict[str, str]:
    parts = (d.strip().split(None, 1) for d in policy.split(";") if d.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


@pytest.fixture
def form(admin_user):
    return webform_save(
        actor=admin_user,
        data={"name": "Kontakt", "fields": ["email"], "allowed_origins": [ORIGIN]},
    )


def test_the_page_keeps_the_global_policy_and_opens_only_framing(form):
    for response in (
        Client().get(f"/f/{form.key}"),
        Client().post(f"/f/{form.key}", {"email": "not an e-mail"}),  # the form shown again
    ):
        got = _directives(response["Content-Security-Policy"])
        expected = _directives(site_policy())
        assert got.pop("frame-ancestors").split() == ["'self'", ORIGIN]
        expected.pop("frame-ancestors")
        assert got == expected  # script-src 'self', object-src 'none', base-uri …
        assert "'unsafe-inline'" not in got["script-src"]


def test_an_operators_policy_is_kept_too(form, settings):
    settings.CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self' https://cdn.example"
    policy = Client().get(f"/f/{form.key}")["Content-Security-Policy"]
    assert _directives(policy) == {
        "default-src": "'self'",
        "script-src": "'self' https://cdn.example",
        "frame-ancestors": f"'self' {ORIGIN}",
    }
