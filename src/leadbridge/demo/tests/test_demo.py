import io
import sys

import pytest

from leadbridge import cli
from leadbridge.demo.loader import load_demo


@pytest.mark.django_db
def test_load_demo_makes_realistic_data_once():
    from leadbridge.activities.models import ActivityLink
    from leadbridge.deals.models import Deal, Pipeline
    from leadbridge.leads.models import Lead
    from leadbridge.people.models import User

    result = load_demo(leads=25)
    assert result == {"leads": 25, "clients": 30, "already": False}
    assert Lead.objects.count() == 25
    assert set(Lead.objects.values_list("country", flat=True)) == {"CZ", "SK", "PL", "LT", "VN"}
    assert ActivityLink.objects.filter(record_type="lead").count() >= 25
    assert Deal.objects.count() == 30 and Pipeline.objects.count() == 2
    roles = set(User.objects.filter(is_system=False).values_list("role__key", flat=True))
    assert {"marketing", "sales", "sales_manager"} <= roles
    # Made through the services: searchable without accents, with history.
    lead = Lead.objects.exclude(last_name="").first()
    assert lead.search_text and lead.email_normalized
    assert load_demo(leads=25)["already"] is True
    assert Lead.objects.count() == 25


@pytest.mark.django_db
def test_prepare_demo_prints_a_working_admin_login(client, capsys):
    password = cli.prepare_demo(leads=5)
    printed = capsys.readouterr().out
    assert password in printed
    assert client.login(username="admin", password=password)
    again = cli.prepare_demo(leads=5)
    assert again != password  # a fresh password on every start, printed again


@pytest.mark.django_db
def test_createuser_and_token_commands(capsys, monkeypatch, client):
    assert cli.main(["createuser", "eva", "--role", "sales", "--team", "Brno"]) == 0
    out = capsys.readouterr().out
    assert "created user eva" in out and "password:" in out
    assert cli.main(["createuser", "eva"]) == 2  # taken
    assert "taken" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert cli.main(["createuser", "ola", "--password-stdin"]) == 2
    assert cli.main(["token", "eva", "--name", "laptop"]) == 0
    secret = capsys.readouterr().out.strip()
    response = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200 and response.json()["username"] == "eva"
    assert response.json()["rights"]["lead"]["scope"] == "team"
    assert cli.main(["token", "nobody"]) == 2


def test_parser_knows_every_command():
    parser = cli.build_parser()
    for command in ("demo", "serve", "worker", "migrate", "createuser", "token", "manage"):
        assert command in parser.format_help()


@pytest.mark.slow
def test_demo_command_serves_and_stops(tmp_path):
    """The README's first command, end to end: data dir, login printed, pages served."""
    import os
    import re
    import signal
    import socket
    import subprocess
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    }
    env["LEADBRIDGE_DATA_DIR"] = str(tmp_path / "data")
    proc = subprocess.Popen(
        [sys.executable, "-m", "leadbridge", "demo", "--port", str(port), "--leads", "10"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        password, lines = None, []
        deadline = time.monotonic() + 120
        while password is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if match := re.search(r"administrator: admin\s+password: (\S+)", line):
                password = match.group(1)
        assert password, "".join(lines)
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise AssertionError("the demo did not serve")
        assert (tmp_path / "data" / "leadbridge.sqlite3").exists()
        assert (tmp_path / "data" / "secret_key").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) is not None
