"""Which address the web form's rate limit counts behind a proxy (issue 19.8).

With WEBFORM_TRUST_X_FORWARDED_FOR the client's address is the hop the trusted proxy added:
the rightmost entry of X-Forwarded-For, or the N-th from the right with
WEBFORM_TRUSTED_PROXY_COUNT=N. What the client wrote to the left of it never makes a new
rate bucket. The login throttle reads the address the same way (one function).
"""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory

from leadbridge.leads.models import Lead
from leadbridge.security import throttle
from leadbridge.webforms import spam
from leadbridge.webforms.services import webform_save
from leadbridge.webforms.tests.test_public_endpoint import aged_token, fresh_limits  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def form(admin_user):
    return webform_save(
        actor=admin_user,
        data={"name": "Kontakt", "fields": ["email"], "required_fields": ["email"]},
    )


def _post(form, i: int, forwarded: str):
    body = {"_lb_t": aged_token(form), "email": f"f{i}@example.cz"}
    return (
        Client()
        .post(
            f"/f/{form.key}",
            json.dumps(body),
            content_type="application/json",
            headers={"X-Forwarded-For": forwarded},
        )
        .status_code
    )


def test_forged_first_hops_share_the_real_clients_bucket(form, settings):
    settings.WEBFORM_TRUST_X_FORWARDED_FOR = True
    settings.WEBFORM_RATE_PER_IP = 3
    codes = [_post(form, i, f"198.18.{i}.1, 203.0.113.7") for i in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    assert Lead.objects.count() == 3
    # Another real client (the proxy's hop) has its own bucket.
    assert _post(form, 9, "198.18.0.1, 203.0.113.8") == 201


def test_two_trusted_proxies_take_the_second_hop_from_the_right(form, settings):
    settings.WEBFORM_TRUST_X_FORWARDED_FOR = True
    settings.WEBFORM_TRUSTED_PROXY_COUNT = 2
    settings.WEBFORM_RATE_PER_IP = 2
    codes = [_post(form, i, f"198.18.{i}.1, 203.0.113.7, 10.1.0.{i}") for i in range(3)]
    assert codes == [201, 201, 429]


@pytest.mark.parametrize(
    ("trusted", "proxies", "header", "expected"),
    [
        (False, 1, "6.6.6.6, 203.0.113.7", "192.0.2.1"),  # not trusted: the socket's peer
        (True, 1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (True, 1, " 203.0.113.7 ", "203.0.113.7"),
        (True, 2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (True, 3, "203.0.113.7, 10.0.0.2", "203.0.113.7"),  # shorter than the chain
        (True, 1, "", "192.0.2.1"),
    ],
)
def test_web_form_and_login_read_the_same_hop(settings, trusted, proxies, header, expected):
    settings.WEBFORM_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=header)
    settings.WEBFORM_TRUST_X_FORWARDED_FOR = trusted
    assert spam.client_ip(request) == expected
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if trusted else None
    assert throttle.client_ip(request) == expected
