"""Shared fixtures: users of each built-in role in two teams, API clients, record factories."""

from __future__ import annotations

import itertools
import json

import pytest
from django.db.models import QuerySet
from django.test import Client

from leadbridge.clients.services import client_create, contact_create
from leadbridge.deals.services import deal_create
from leadbridge.leads.services import lead_create
from leadbridge.people.models import Role, Team, User
from leadbridge.people.services import system_actor, token_create

_seq = itertools.count(1)


class Api:
    """A test client speaking JSON with a Bearer token."""

    def __init__(self, user, secret: str):
        self.user = user
        self.secret = secret
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def _call(self, method: str, path: str, body=None, **headers):
        kwargs = {}
        if body is not None:
            kwargs = {
                "data": body if isinstance(body, str | bytes) else json.dumps(body),
                "content_type": "application/json",
            }
        return getattr(self.client, method)(path, headers=headers or None, **kwargs)

    def get(self, path: str, **params):
        return self.client.get(path, params)

    def post(self, path: str, body=None, **headers):
        return self._call("post", path, body, **headers)

    def patch(self, path: str, body=None, **headers):
        return self._call("patch", path, body, **headers)

    def put(self, path: str, body=None, **headers):
        return self._call("put", path, body, **headers)

    def delete(self, path: str, **headers):
        return self._call("delete", path, None, **headers)


def make_user(role_key: str | None, teams=(), **extra):

    n = next(_seq)
    user = User.objects.create_user(
        username=extra.pop("username", f"{role_key or 'user'}{n}"),
        password="x-Secret-123",
        role=Role.objects.get(key=role_key) if role_key else None,
        **extra,
    )
    for team in teams:
        user.teams.add(team)
    return user


def api_for(user) -> Api:

    _token, secret = token_create(actor=user, user=user, name="test")
    return Api(user, secret)


@pytest.fixture
def teams(db):

    return Team.objects.create(name="North"), Team.objects.create(name="South")


@pytest.fixture
def admin_user(db):

    return User.objects.create_superuser("admin", "admin@example.com", "x-Secret-123")


@pytest.fixture
def admin_api(admin_user):
    return api_for(admin_user)


@pytest.fixture
def users(teams):
    north, south = teams
    return {
        "marketing": make_user("marketing", [north]),
        "sales_north": make_user("sales", [north]),
        "sales_south": make_user("sales", [south]),
        "manager_north": make_user("sales_manager", [north]),
        "nobody": make_user(None),
    }


@pytest.fixture
def make_lead(db):

    def factory(actor=None, **data):
        data.setdefault("last_name", f"Lead {next(_seq)}")
        return lead_create(actor=actor or system_actor("tests"), data=data).obj

    return factory


@pytest.fixture
def make_client(db):
    """A client through the service (a company by default): `make_client(name="Acme")`."""

    def factory(actor=None, **data):
        data.setdefault("name", f"Client {next(_seq)} s.r.o.")
        return client_create(actor=actor or system_actor("tests"), data=data).obj

    return factory


@pytest.fixture
def make_contact(db):
    """A contact person through the service: `make_contact(client_id=acme.pk)`."""

    def factory(actor=None, **data):
        data.setdefault("last_name", f"Contact {next(_seq)}")
        return contact_create(actor=actor or system_actor("tests"), data=data).obj

    return factory


@pytest.fixture
def make_deal(db):
    """A deal through the service, in the default pipeline's first stage unless given."""

    def factory(actor=None, **data):
        data.setdefault("title", f"Deal {next(_seq)}")
        return deal_create(actor=actor or system_actor("tests"), data=data).obj

    return factory


@pytest.fixture
def lock_calls(monkeypatch):
    """The models each `select_for_update()` was asked for, on either database (SQLite's SQL
    shows no FOR UPDATE): `lock_calls.count(Lead) == 1`."""
    calls: list[type] = []
    original = QuerySet.select_for_update

    def spy(self, *args, **kwargs):
        calls.append(self.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", spy)
    return calls


@pytest.fixture
def admin_web(client, admin_user):
    """Django's test client, logged in as the administrator (page tests)."""
    client.force_login(admin_user)
    return client


@pytest.fixture
def boss(db):
    """The administrator the browser tests log in as ("boss", password x-Secret-123)."""

    return User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123")


# Browser tests (marked e2e): Playwright for Python driving Debian's chromium.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    import os

    # Playwright's sync API runs an event loop in this thread; the Django calls the tests
    # make around it are ordinary synchronous ones.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


BASELINE = [
    ("leadbridge.people.migrations.0002_builtin_roles", "create_roles"),
    ("leadbridge.leads.migrations.0003_search_and_defaults", "defaults"),
    ("leadbridge.deals.migrations.0003_search_and_defaults", "defaults"),
]


@pytest.fixture
def baseline_data(transactional_db):
    """The rows the data migrations make (roles, statuses, sources, a pipeline).

    Transactional tests start on a database that an earlier transactional test may have
    flushed; the migrations' own functions (idempotent) put the rows back.
    """
    import importlib

    from django.apps import apps

    for module, function in BASELINE:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture
def browser_page(chromium, live_server, baseline_data):
    """A fresh browser context on the live test server, with console errors collected."""
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.set_default_timeout(10_000)
    yield page
    context.close()


def login(page, username: str, password: str = "x-Secret-123") -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/leads/**")


# Accessibility (axe-core from npm: package.json; scripts/test.sh installs it) ---------------
AXE_JS = (
    __import__("pathlib").Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
)
AXE_IMPACTS = ("serious", "critical")


def axe_violations(page, impacts=AXE_IMPACTS) -> list[str]:
    """axe-core's violations of the page as it stands, of the given impacts, one line each
    (rule, impact, the first offending elements). Injected through the DevTools protocol, so
    the page's Content-Security-Policy stays as strict as users get it."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm install` (scripts/test.sh does)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:4])
        for v in result["violations"]
        if v["impact"] in impacts
    ]
