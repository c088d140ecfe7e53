"""Security headers on every page, health and readiness, the metrics endpoint."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

PAGES = [
    "/login/",
    "/leads/",
    "/leads/board/",
    "/clients/",
    "/contacts/",
    "/deals/",
    "/dashboard/",
    "/tasks/",
    "/settings/",
    "/account/two-factor/",
    "/api/docs",
    "/api/leads",
    "/healthz",
    "/readyz",
    "/no-such-page/",
]


def test_the_production_policy_allows_no_inline_or_eval_script():
    from leadbridge.ops.middleware import DEFAULT_CSP

    script_src = DEFAULT_CSP.split("script-src")[1].split(";")[0]
    assert script_src.strip() == "'self'"


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_the_security_headers(admin_web, path):
    response = admin_web.get(path)
    assert response.status_code < 500, path
    csp = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert len(response["X-Request-ID"]) >= 8


def _plain_routes(patterns=None, prefix=""):
    """Every URL of the project without parameters (the pages a link can reach directly)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = str(entry.pattern)
        if "<" in route or "(" in route or "^" in route:
            continue
        if isinstance(entry, URLResolver):
            yield from _plain_routes(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + route


def test_every_parameterless_url_has_the_headers(admin_web):
    routes = sorted(set(_plain_routes()) - {"/logout/"})
    assert len(routes) > 15
    for path in routes:
        response = admin_web.get(path)
        assert response.status_code < 500, path
        assert "script-src 'self'" in response["Content-Security-Policy"], path
        assert response["X-Frame-Options"] == "DENY", path
        assert response["X-Content-Type-Options"] == "nosniff", path


def test_hsts_and_secure_cookies_behind_the_tls_proxy(client, admin_user):
    with override_settings(
        SECURE_HSTS_SECONDS=31536000,
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
        SESSION_COOKIE_SECURE=True,
        CSRF_COOKIE_SECURE=True,
    ):
        response = client.get("/login/", headers={"X-Forwarded-Proto": "https"})
        assert response["Strict-Transport-Security"].startswith("max-age=31536000")
        assert response.cookies["csrftoken"]["secure"]
        plain = client.get("/login/")
        assert "Strict-Transport-Security" not in plain  # HSTS only on HTTPS answers


def test_behind_tls_proxy_turns_on_hsts_by_default(monkeypatch):
    import importlib

    import leadbridge.settings as settings_module

    monkeypatch.setenv("BEHIND_TLS_PROXY", "1")
    monkeypatch.setenv("SECURE_COOKIES", "1")
    try:
        fresh = importlib.reload(settings_module)
        assert fresh.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
        assert fresh.SECURE_HSTS_SECONDS == 31536000
        assert fresh.SESSION_COOKIE_SECURE and fresh.CSRF_COOKIE_SECURE
    finally:
        monkeypatch.delenv("BEHIND_TLS_PROXY")
        monkeypatch.delenv("SECURE_COOKIES")
        importlib.reload(settings_module)


def test_health_needs_no_login_and_readiness_checks_database_and_queue(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "queue": "ok"}


def test_readiness_fails_when_the_database_does_not_answer(client, monkeypatch):
    from django.db import connection

    def broken():
        raise RuntimeError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_request_id_is_taken_from_the_proxy_when_sane(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123-def"})["X-Request-ID"] == (
        "abc-123-def"
    )
    odd = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert odd["X-Request-ID"] != "bad id\nwith newline" and len(odd["X-Request-ID"]) == 32


@override_settings(METRICS_TOKEN="")
def test_metrics_are_off_without_a_token(client):
    response = client.get("/metrics")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@override_settings(METRICS_TOKEN="s3cret-metrics")
def test_metrics_need_the_token_and_speak_prometheus(client, admin_user):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    client.force_login(admin_user)
    client.get("/leads/")
    response = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    for name in (
        "leadbridge_http_requests_total",
        "leadbridge_http_request_duration_seconds_bucket",
        "leadbridge_task_queue_depth",
        "leadbridge_imports_running",
        "leadbridge_webhook_failures",
        "leadbridge_logins_total",
        "leadbridge_api_throttled_total",
    ):
        assert name in text, name
    assert 'route="leads/"' in text
