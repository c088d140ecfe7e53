"""Registry lookups against the local replay server, including the registries' errors."""

import socket

import pytest
from django.core.cache import cache

from leadbridge.conftest import api_for

from .replay import ReplayServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def replay(settings):
    cache.clear()
    with ReplayServer() as server:
        settings.REGISTRY_ARES_URL = f"{server.base}/ares"
        settings.REGISTRY_VIES_URL = f"{server.base}/vies"
        settings.REGISTRY_RPO_URL = f"{server.base}/rpo"
        settings.REGISTRY_PL_WL_URL = f"{server.base}/pl"
        settings.REGISTRY_TIMEOUT_SECONDS = 1
        yield server
    cache.clear()


def lookup(api, **params):
    return api.get("/api/registry/lookup", **params)


def test_real_base_urls_in_settings():
    from django.conf import settings

    assert settings.REGISTRY_ARES_URL.startswith("https://ares.gov.cz/")
    assert settings.REGISTRY_VIES_URL.startswith("https://ec.europa.eu/taxation_customs/vies/")


def test_ares_by_ico(admin_api, replay):
    r = lookup(admin_api, country="CZ", q="27074358")
    assert r.status_code == 200, r.content
    [company] = r.json()["results"]
    assert company == {
        "name": "Asseco Central Europe, a.s.",
        "registration_number": "27074358",
        "vat_id": "CZ27074358",
        "street": "Budějovická 778/3a",
        "city": "Praha",
        "postcode": "140 00",
        "country": "CZ",
        "source": "ares",
        "valid_vat": None,
    }


def test_ares_search_by_name_and_cache(admin_api, replay):
    r = lookup(admin_api, country="CZ", q="Asseco")
    names = [c["name"] for c in r.json()["results"]]
    assert names == ["Asseco Central Europe, a.s.", "Asseco Solutions, a.s."]
    assert r.json()["cached"] is False
    again = lookup(admin_api, country="CZ", q="asseco")
    assert again.json()["cached"] is True and len(replay.hits) == 1


def test_ares_errors(admin_api, replay):
    r = lookup(admin_api, country="CZ", q="12345678")
    assert r.status_code == 200 and r.json()["results"] == []  # 404 NENALEZENO
    r = lookup(admin_api, country="CZ", q="99999999")
    assert r.status_code == 503 and r.json()["code"] == "registry_unavailable"
    assert "ARES" in r.json()["detail"]
    r = lookup(admin_api, country="CZ", q="88888888")  # slower than the timeout
    assert r.status_code == 503 and "cannot be reached" in r.json()["detail"]


def test_unreachable_registry(admin_api, settings):
    cache.clear()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.REGISTRY_ARES_URL = f"http://127.0.0.1:{port}/ares"
    r = lookup(admin_api, country="CZ", q="27074358")
    assert r.status_code == 503
    assert set(r.json()) == {"detail", "code", "errors"}


def test_vies(admin_api, replay):
    r = lookup(admin_api, country="CZ", q="CZ 27074358")
    body = r.json()
    assert body["provider"] == "vies"
    [company] = body["results"]
    assert company["vat_id"] == "CZ27074358" and company["valid_vat"] is True
    assert company["name"] == "Asseco Central Europe, a.s."
    assert company["postcode"] == "140 00" and company["city"] == "PRAHA 4"
    r = lookup(admin_api, country="CZ", q="CZ00000000")
    assert r.status_code == 200 and r.json()["results"] == []
    r = lookup(admin_api, country="DE", q="DE811569869")
    assert r.status_code == 503 and "MS_UNAVAILABLE" in r.json()["detail"]
    r = lookup(admin_api, country="AT", q="U12345678")
    assert r.json()["provider"] == "vies"


def test_rpo_slovakia(admin_api, replay):
    [company] = lookup(admin_api, country="SK", q="35757442").json()["results"]
    assert company["name"] == "ESET, spol. s r.o."
    assert company["street"] == "Einsteinova 24" and company["postcode"] == "85101"
    assert lookup(admin_api, country="SK", q="ESET").json()["results"][0]["source"] == "rpo"


def test_polish_white_list(admin_api, replay):
    [company] = lookup(admin_api, country="PL", q="774-000-14-54").json()["results"]
    assert company["vat_id"] == "PL7740001454" and company["valid_vat"] is True
    assert (company["street"], company["postcode"], company["city"]) == (
        "CHEMIKÓW 7",
        "09-411",
        "PŁOCK",
    )
    r = lookup(admin_api, country="PL", q="Orlen")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "q"
    assert lookup(admin_api, country="PL", q="1234567890").json()["results"] == []


def test_bad_queries(admin_api, replay):
    assert lookup(admin_api, country="CZ", q="a").status_code == 422
    r = lookup(admin_api, country="US", q="Apple")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "country"
    r = lookup(admin_api, country="CZ", q="x", provider="nope")
    assert r.status_code == 422


def test_needs_a_login(client, replay, users):
    assert client.get("/api/registry/lookup?country=CZ&q=27074358").status_code == 401
    assert lookup(api_for(users["sales_north"]), country="CZ", q="27074358").status_code == 200
