"""With the database unreachable the server still starts and says so (issue 19.10).

`leadbridge serve` (gunicorn) runs in a subprocess against a PostgreSQL address where nothing
listens: it must start, answer /healthz 200 and /readyz 503, and answer the API and /metrics
with the JSON error body and 503 (not Django's HTML 500).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


@pytest.fixture
def server_without_database(tmp_path):
    closed = _free_port()  # bound and released: nothing listens there
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed}/leadbridge",
        LEADBRIDGE_DATA_DIR=str(tmp_path),
        LEADBRIDGE_INSECURE_DEV_KEY="1",
        METRICS_TOKEN="metrics-secret",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "leadbridge", "serve", "--host", "127.0.0.1"]
        + ["--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                _get(base + "/healthz")
                break
            except OSError:
                time.sleep(0.3)
        if proc.poll() is not None:
            pytest.fail(f"serve exited with {proc.returncode}:\n{proc.stdout.read()}")
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_serve_starts_and_answers_without_a_database(server_without_database):
    base = server_without_database
    status, _headers, body = _get(base + "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})

    status, _headers, body = _get(base + "/readyz")
    assert status == 503
    assert json.loads(body)["database"] == "unreachable"

    # A well-formed token needs the database to be checked: the JSON error body, 503.
    for path, headers in (
        ("/api/leads", {"Authorization": "Bearer lb_0123456789abcdef0123456789abcdef"}),
        ("/metrics", {"Authorization": "Bearer metrics-secret"}),
    ):
        status, headers_back, body = _get(base + path, headers)
        assert status == 503, (path, body[:300])
        assert headers_back["Content-Type"].startswith("application/json"), path
        assert json.loads(body)["code"] == "unavailable", path
        assert headers_back.get("Retry-After"), path
