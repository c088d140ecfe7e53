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
    converted = result.pop("converted")
    assert result == {"leads": 25, "duplicates": 4, "clients": 30, "already": False}
    assert Lead.objects.count() == 25 + 4 and converted == 5
    assert set(Lead.objects.values_list("country", flat=True)) == {"CZ", "SK", "PL", "LT", "VN"}
    assert ActivityLink.objects.filter(record_type="lead").count() >= 25
    assert Deal.objects.count() == 30 + converted and Pipeline.objects.count() == 2
    roles = set(User.objects.filter(is_system=False).values_list("role__key", flat=True))
    assert {"marketing", "sales", "sales_manager"} <= roles
    # Made through the services: searchable without accents, with history.
    lead = Lead.objects.exclude(last_name="").first()
    assert lead.search_text and lead.email_normalized
    assert load_demo(leads=25)["already"] is True
    assert Lead.objects.count() == 25 + 4


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
        deadline = time.monotonic() + 300  # migrations and demo data on a busy machine
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


def test_every_language_module_has_the_same_shape():
    from leadbridge.demo import locales

    english = locales.for_language("en")
    for code in locales.LANGUAGES:
        texts = locales.for_language(code)
        for name in locales.SHAPE:
            assert hasattr(texts, name), (code, name)
        # Same colours, kinds and order: a list behaves the same whatever its language.
        assert [s[1:] for s in texts.STATUSES] == [s[1:] for s in english.STATUSES], code
        assert [s[1:] for s in texts.STAGES] == [s[1:] for s in english.STAGES], code
        assert len(texts.SOURCES) == len(english.SOURCES), code
        assert len(set(texts.LOST_REASONS)) == len(english.LOST_REASONS), code
        assert len(texts.PARTNER_PIPELINE[1]) == len(english.PARTNER_PIPELINE[1]), code
        assert all(i < len(texts.STATUSES) for *_t, i in texts.TASK_TEMPLATES), code
        assert len({s[0] for s in texts.STATUSES}) == len(texts.STATUSES), code
    assert locales.for_language("cs-CZ").__name__.endswith(".cs")
    assert locales.for_language("xx").__name__.endswith(".en")


def _empty_lists():
    from leadbridge.deals.models import Pipeline
    from leadbridge.leads.models import LeadSource, LeadStatus

    Pipeline.objects.all().delete()
    LeadStatus.objects.all().delete()
    LeadSource.objects.all().delete()


@pytest.mark.django_db
def test_a_new_install_seeds_its_lists_in_the_seed_language(settings):
    """The data migrations' seeding, as a fresh database in Czech runs it."""
    from importlib import import_module

    from django.apps import apps

    from leadbridge.deals.models import Pipeline
    from leadbridge.leads.models import LeadSource, LeadStatus

    _empty_lists()
    settings.LEADBRIDGE_SEED_LANGUAGE = "cs"
    seeds = import_module
    seeds("leadbridge.leads.migrations.0003_search_and_defaults").defaults(apps, None)
    seeds("leadbridge.deals.migrations.0003_search_and_defaults").defaults(apps, None)
    assert list(LeadStatus.objects.order_by("order").values_list("name", flat=True)) == [
        "Nový", "Nekontaktovaný", "Kontaktovaný", "Kvalifikovaný", "Konvertovaný", "Ztracený",
    ]  # fmt: skip
    assert LeadStatus.objects.get(name="Konvertovaný").kind == "converted"
    assert "Doporučení" in set(LeadSource.objects.values_list("name", flat=True))
    pipeline = Pipeline.objects.get()
    assert pipeline.name == "Obchod" and pipeline.is_default
    assert pipeline.stages.get(kind="won").name == "Vyhráno"
    # Seeding again changes nothing: the lists are the administrators' data from now on.
    LeadStatus.objects.filter(name="Nový").update(name="Příchozí")
    seeds("leadbridge.leads.migrations.0003_search_and_defaults").defaults(apps, None)
    assert LeadStatus.objects.filter(name="Příchozí").exists()
    assert not LeadStatus.objects.filter(name="Nový").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "country", "status", "template"),
    [
        ("cs", "CZ", "Kontaktovaný", "Poslat nabídku"),
        ("pl", "PL", "Skontaktowany", "Wyślij ofertę"),
        ("vi", "VN", "Đã liên hệ", "Gửi báo giá"),
    ],
)
def test_demo_in_a_language(language, country, status, template):
    from django.apps import apps

    from leadbridge.automation.models import TaskTemplate
    from leadbridge.demo.seeding import seed_lead_lists, seed_pipeline
    from leadbridge.leads.models import Lead
    from leadbridge.people.models import User

    _empty_lists()
    seed_lead_lists(apps, language)
    seed_pipeline(apps, language)
    result = load_demo(leads=12, language=language)
    assert result["leads"] == 12 and result["clients"] == 30
    assert set(Lead.objects.values_list("country", flat=True)) == {country}
    made = TaskTemplate.objects.get(subject=template)
    assert [s.name for s in made.statuses.all()] == [status]
    assert set(User.objects.filter(username="tomas").values_list("language", flat=True)) == {
        language
    }
    # Phones in the country's format, e-mails on the country's domain.
    lead = Lead.objects.exclude(phone="").first()
    prefix = {"CZ": "+420", "PL": "+48", "VN": "+84"}[country]
    assert lead.phone.startswith(prefix)


@pytest.mark.django_db
def test_demo_command_takes_a_language(client, capsys):
    from leadbridge.deals.models import Pipeline
    from leadbridge.people.models import User

    cli.prepare_demo(leads=5, language="lt")
    admin = User.objects.get(username="admin")
    assert admin.language == "lt"
    assert Pipeline.objects.filter(name="Partnerystės").exists()


@pytest.mark.django_db
def test_demo_language_does_not_leak_into_the_seed_setting(settings):
    from django.conf import settings as live

    before = live.LEADBRIDGE_SEED_LANGUAGE
    cli.prepare_demo(leads=2, language="vi")
    assert live.LEADBRIDGE_SEED_LANGUAGE == before


@pytest.mark.django_db
def test_czech_demo_names_teams_in_czech_and_seeds_duplicates_and_conversions(client):
    """Issue 18, items 8 and 18: the finder finds something on its first run, the teams
    speak the demo's language, and the conversion rate by month is not 0 % everywhere."""
    import re

    from leadbridge.duplicates.finder import find_groups
    from leadbridge.people.models import Team, User

    load_demo(leads=60, language="cs")
    assert set(Team.objects.values_list("name", flat=True)) >= {"Praha", "Varšava", "Hanoj"}
    assert not Team.objects.filter(name__in=["Prague", "Warsaw", "Hanoi"]).exists()
    admin = User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123")
    groups = find_groups(actor=admin, record_type="lead")
    assert len(groups) >= 4
    names = [{r["display_name"] for r in group["records"]} for group in groups]
    assert sum(1 for group in names if len(group) == 1) >= 4, names  # the seeded twins

    client.force_login(admin)
    html = client.get("/dashboard/", headers={"accept-language": "en"}).content.decode()
    table = html.split("Conversion rate by month")[1].split("</table>")[0]
    rates = [int(r) for r in re.findall(r"(\d+) %</td>", table)]
    assert sum(1 for rate in rates if rate > 0) >= 2, rates
