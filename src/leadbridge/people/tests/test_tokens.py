"""API authentication: per-user tokens (valid, revoked, wrong, missing, inactive user) and the
browser session with CSRF. Clients here enforce CSRF like a real browser or HTTP client does
(Django's test client skips the check unless asked)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from leadbridge.conftest import api_for, make_user
from leadbridge.core.tests.helpers import assert_error
from leadbridge.people.models import ApiToken, hash_token
from leadbridge.people.services import token_authenticate, token_create, token_revoke

LEAD = {"last_name": "Token"}


def bearer(secret: str | None) -> Client:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret is not None else {}
    return Client(enforce_csrf_checks=True, **headers)


def post_json(client: Client, path: str, body: dict, **headers):
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def assert_unauthorized(response):
    assert_error(response, 401, code="unauthorized")


@pytest.fixture
def manager(teams):
    return make_user("sales_manager", [teams[0]])


def test_valid_token_reads_and_writes(manager):
    _token, secret = token_create(actor=manager, user=manager, name="script")
    client = bearer(secret)
    r = client.get("/api/me")
    assert r.status_code == 200 and r.json()["username"] == manager.username
    r = post_json(client, "/api/leads", LEAD)  # no CSRF needed with a token
    assert r.status_code == 201, r.content
    assert ApiToken.objects.get(user=manager).last_used_at is not None


def test_only_the_hash_is_stored(manager):
    token, secret = token_create(actor=manager, user=manager, name="script")
    assert secret.startswith("lb_") and secret not in (token.key_hash, token.prefix)
    assert token.key_hash == hash_token(secret)
    assert token_authenticate(secret) == manager


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
@pytest.mark.parametrize(
    "header",
    [
        None,  # missing
        "Bearer lb_wrong",
        "Bearer not-even-our-prefix",
        "Bearer ",
        "Token lb_whatever",
        "Basic YWRtaW46YWRtaW4=",
    ],
)
def test_missing_or_wrong_credentials_answer_401(method, header, make_lead):
    lead = make_lead()
    headers = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    client = Client(enforce_csrf_checks=True, **headers)
    path = "/api/leads" if method in ("get", "post") else f"/api/leads/{lead.pk}"
    kwargs = {"data": json.dumps(LEAD), "content_type": "application/json"}
    r = getattr(client, method)(path, **(kwargs if method in ("post", "patch") else {}))
    assert_unauthorized(r)
    assert r.json()["errors"] == []


def test_revoked_token_answers_401(manager):
    api = api_for(manager)
    token = ApiToken.objects.get(user=manager)
    other = api_for(manager)  # a second token to revoke the first with
    assert api.get("/api/me").status_code == 200
    r = other.delete(f"/api/tokens/{token.pk}")
    assert r.status_code == 204, r.content
    assert_unauthorized(api.get("/api/me"))
    assert_unauthorized(post_json(bearer(api.secret), "/api/leads", LEAD))
    assert other.get("/api/me").status_code == 200
    listed = {t["id"]: t for t in other.get("/api/tokens").json()}
    assert listed[token.pk]["revoked_at"] is not None


def test_a_token_can_revoke_itself(manager):
    api = api_for(manager)
    token = ApiToken.objects.get(user=manager)
    assert api.delete(f"/api/tokens/{token.pk}").status_code == 204
    assert_unauthorized(api.get("/api/me"))


def test_tokens_of_others_cannot_be_revoked(manager, users):
    victim_api = api_for(users["sales_north"])
    victim = ApiToken.objects.get(user=users["sales_north"])
    assert_error(api_for(manager).delete(f"/api/tokens/{victim.pk}"), 404)
    assert victim_api.get("/api/me").status_code == 200


def test_admin_revokes_any_token(admin_user, manager):
    api = api_for(manager)
    token = ApiToken.objects.get(user=manager)
    token_revoke(actor=admin_user, token_id=token.pk)
    assert_unauthorized(api.get("/api/me"))


def test_inactive_users_token_fails(manager):
    api = api_for(manager)
    assert api.get("/api/me").status_code == 200
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    assert_unauthorized(api.get("/api/me"))
    assert_unauthorized(post_json(bearer(api.secret), "/api/leads", LEAD))


def test_expired_token_fails(manager):
    import datetime as dt

    from django.utils import timezone

    api = api_for(manager)
    ApiToken.objects.filter(user=manager).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert_unauthorized(api.get("/api/me"))


def test_create_token_through_the_api(manager):
    api = api_for(manager)
    r = api.post("/api/tokens", {"name": "ci"})
    assert r.status_code == 201, r.content
    secret = r.json()["token"]
    assert bearer(secret).get("/api/me").status_code == 200
    assert "token" not in api.get("/api/tokens").json()[0]
    assert_error(api.post("/api/tokens", {"name": ""}), 422, field="name")


# Browser session + CSRF -----------------------------------------------------------------------


def _session(user) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.get("/login/")  # sets the CSRF cookie, as the browser gets it from any page
    csrf = client.cookies["csrftoken"].value
    client.force_login(user)
    return client, csrf


def test_session_reads_without_csrf(manager):
    client, _csrf = _session(manager)
    r = client.get("/api/leads")
    assert r.status_code == 200, r.content


def test_session_write_without_csrf_token_is_403(manager):
    client, _csrf = _session(manager)
    r = post_json(client, "/api/leads", LEAD)
    body = assert_error(r, 403, code="forbidden")
    assert "CSRF" in body["detail"]
    r = client.patch(
        "/api/leads/1", json.dumps({"first_name": "X"}), content_type="application/json"
    )
    assert_error(r, 403)
    r = post_json(client, "/api/leads", LEAD, **{"X-CSRFToken": "wrong" * 8})
    assert_error(r, 403)
    from leadbridge.leads.models import Lead

    assert not Lead.objects.exists()


def test_session_write_with_csrf_token_works(manager):
    client, csrf = _session(manager)
    r = post_json(client, "/api/leads", LEAD, **{"X-CSRFToken": csrf})
    assert r.status_code == 201, r.content
    assert r.json()["owner_id"] == manager.pk


def test_inactive_session_user_is_401(manager):
    client, csrf = _session(manager)
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    # Django's auth drops the session of an inactive user; either way no access.
    assert_unauthorized(client.get("/api/leads"))
