"""Issue 19 item 13: the API answers its JSON error body where Django, ninja or gunicorn
answered otherwise, and no parameter or problem is silently ignored or listed twice."""

from __future__ import annotations

import os
import socket
import subprocess
import time

import pytest

from leadbridge.cli import REQUEST_LINE_LIMIT, gunicorn_command

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert {"detail", "code", "errors"} <= set(body), body
    if code is not None:
        assert body["code"] == code, body
    return body


def test_a_body_over_the_upload_limit_is_a_json_413(admin_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default, as in production
    body = '{"last_name": "Nováková", "description": "' + "x" * 2_700_000 + '"}'
    r = admin_api.post("/api/leads", body)
    body = assert_error(r, 413, "too_large")
    assert [e["field"] for e in body["errors"]] == ["body"]
    assert "2621440" in body["detail"]
    assert admin_api.get("/api/leads").json()["count"] == 0


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", "/api/leads", {"GET", "POST"}),
        ("delete", "/api/leads", {"GET", "POST"}),
        ("post", "/api/leads/1", {"GET", "PATCH", "DELETE"}),
    ],
)
def test_a_method_the_path_does_not_take_is_a_json_405(admin_api, method, path, allowed):
    r = getattr(admin_api, method)(path)
    body = assert_error(r, 405, "method_not_allowed")
    assert {m.strip() for m in r["Allow"].split(",")} == allowed
    assert method.upper() in body["detail"]


@pytest.fixture
def lead(admin_api):
    r = admin_api.post("/api/leads", {"last_name": "Nováková"})
    assert r.status_code == 201, r.content
    return r.json()


def test_patch_version_in_the_query_is_checked(admin_api, lead):
    url = f"/api/leads/{lead['id']}"
    body = assert_error(admin_api.patch(f"{url}?version=abc", {"city": "Brno"}), 422)
    assert [e["field"] for e in body["errors"]] == ["version"]
    stale = lead["version"] + 5
    assert_error(admin_api.patch(f"{url}?version={stale}", {"city": "Brno"}), 409, "stale_version")
    mixed = {"city": "Brno", "version": lead["version"]}
    body = assert_error(admin_api.patch(f"{url}?version={stale}", mixed), 422)
    assert [e["field"] for e in body["errors"]] == ["version"]
    assert admin_api.get(url).json()["city"] == ""
    r = admin_api.patch(f"{url}?version={lead['version']}", {"city": "Brno"})
    assert r.status_code == 200, r.content
    assert admin_api.get(url).json()["city"] == "Brno"


def test_an_unknown_lead_on_a_contact_is_listed_once(admin_api):
    r = admin_api.post("/api/contacts", {"last_name": "Nováková", "lead_id": 99_999_999})
    body = assert_error(r, 422)
    assert [e["field"] for e in body["errors"]] == ["lead_id"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status_of_request_line(port: int, target: str) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        first = s.makefile("rb").readline().decode()
    return int(first.split()[1])


@pytest.fixture
def gunicorn():
    """`leadbridge serve`'s gunicorn, for real (the limit is gunicorn's, before Django)."""
    port = _free_port()
    env = {**os.environ, "LEADBRIDGE_INSECURE_DEV_KEY": "1"}
    process = subprocess.Popen(  # noqa: S603
        gunicorn_command("127.0.0.1", port, 1),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):  # waiting for it to listen, not timing anything
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, "gunicorn exited"
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_takes_long_query_strings_up_to_the_documented_limit(gunicorn, client):
    """The exports with many filters: a 6,000-byte request line got gunicorn's 414 at its
    default limit of 4,094; the limit is raised and written in the OpenAPI description."""

    def target(total: int) -> str:
        fixed = len("GET /healthz?q= HTTP/1.1")
        return "/healthz?q=" + "x" * (total - fixed)

    assert _status_of_request_line(gunicorn, target(6_000)) == 200
    assert _status_of_request_line(gunicorn, target(REQUEST_LINE_LIMIT)) == 200
    assert _status_of_request_line(gunicorn, target(REQUEST_LINE_LIMIT + 100)) == 414
    description = client.get("/api/openapi.json").json()["info"]["description"]
    assert f"{REQUEST_LINE_LIMIT:,} bytes" in description
