"""Relevance ranking of `q`, "Did you mean" and the phone formats, through the API and pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from leadbridge.conftest import api_for

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def family(make_lead):
    """The person typed last is created first: newest-first would put her last."""
    ruta = make_lead(first_name="Rūta", last_name="Kazlauskienė")
    jonas = make_lead(first_name="Jonas", last_name="Kazlauskas")
    aiste = make_lead(first_name="Aistė", last_name="Kazlauskaitė")
    zukas = make_lead(first_name="Petras", last_name="Žukauskas", email="p.kazlauskiene@x.lt")
    return ruta, jonas, aiste, zukas


def test_feminine_form_typed_in_full_comes_first(admin_api, family):
    ruta, jonas, aiste, zukas = family
    body = admin_api.get("/api/leads", q="kazlauskiene").json()
    assert [i["id"] for i in body["items"]][:1] == [ruta.pk]
    assert body["count"] == 4  # the stem still finds the family and the e-mail
    ranks = {i["id"]: i["rank"] for i in body["items"]}
    # One word: a whole word is the whole query as a phrase (1); the rest by stem only (4).
    assert ranks[ruta.pk] == 1 and ranks[jonas.pk] == 4 and ranks[zukas.pk] == 4
    assert ids(admin_api.get("/api/leads", q="kazlauskas"))[0] == jonas.pk
    assert ids(admin_api.get("/api/leads", q="Kazlauskaitė"))[0] == aiste.pk


def test_masculine_above_feminine_and_exact_name_above_all(admin_api, make_lead):
    novak = make_lead(first_name="Jan", last_name="Novák")
    jana = make_lead(first_name="Jana", last_name="Nováková")
    other = make_lead(first_name="Eva", last_name="Nováková", company_name="Jan Novák s.r.o.")
    assert ids(admin_api.get("/api/leads", q="novak")) == [other.pk, novak.pk, jana.pk]
    assert ids(admin_api.get("/api/leads", q="novakova")) == [other.pk, jana.pk, novak.pk]
    # The whole name, either order, beats the same words spread over name and company.
    assert ids(admin_api.get("/api/leads", q="jan novak"))[0] == novak.pk
    assert ids(admin_api.get("/api/leads", q="Novák Jan"))[0] == novak.pk
    assert ids(admin_api.get("/api/leads", q="nova")) == [other.pk, jana.pk, novak.pk]


def test_explicit_ordering_wins_and_pages_continue_the_rank(admin_api, family):
    ruta, jonas, aiste, zukas = family
    newest = admin_api.get("/api/leads", q="kazlauskiene", ordering="-created_at").json()
    assert [i["id"] for i in newest["items"]] == [zukas.pk, aiste.pk, jonas.pk, ruta.pk]
    assert all(i["rank"] is None for i in newest["items"])
    by_name = ids(admin_api.get("/api/leads", q="kazlausk", ordering="first_name"))
    assert by_name == [aiste.pk, jonas.pk, zukas.pk, ruta.pk]  # Petras by his e-mail
    ranked = ids(admin_api.get("/api/leads", q="kazlauskiene"))
    pages = [
        ids(admin_api.get("/api/leads", q="kazlauskiene", limit=1, offset=n)) for n in range(4)
    ]
    assert [p[0] for p in pages] == ranked
    # The count comes with the ranked page (one pass), on every page and past the last one.
    for offset in (0, 2, 3, 4, 50):
        body = admin_api.get("/api/leads", q="kazlauskiene", limit=2, offset=offset).json()
        assert body["count"] == 4, offset
        assert len(body["items"]) == max(0, min(2, 4 - offset))
    nothing = admin_api.get("/api/leads", q="zzzqqq").json()
    assert nothing["count"] == 0 and nothing["items"] == []
    assert admin_api.get("/api/leads", q="x", ordering="nope").status_code == 422
    # Without q: newest first, as before.
    assert ids(admin_api.get("/api/leads"))[:2] == [zukas.pk, aiste.pk]


@pytest.mark.parametrize(
    "query", ["+48 601-234-567", "0048601234567", "601 234 567", "48601234567", "(601) 234567"]
)
def test_a_phone_typed_in_another_format(admin_api, make_lead, query):
    make_lead(last_name="Wójcik", phone="+48 601 999 999")
    lead = make_lead(last_name="Wójcik", phone="601234567", country="PL")
    assert ids(admin_api.get("/api/leads", q=query)) == [lead.pk]


def test_did_you_mean_in_the_api_only_among_visible_records(users, teams, make_lead):
    north, south = teams
    make_lead(first_name="Rūta", last_name="Kazlauskienė", team_id=north.pk)
    make_lead(first_name="Jonas", last_name="Kazlauskis", team_id=south.pk)
    api = api_for(users["sales_north"])
    body = api.get("/api/leads", q="kazlauskene").json()
    assert body["count"] == 0 and body["items"] == []
    assert body["suggestions"] == ["Kazlauskienė"]
    assert api.get("/api/leads", q="ruta kazlauskene").json()["suggestions"][0] == (
        "Rūta Kazlauskienė"
    )
    south_api = api_for(users["sales_south"])
    assert south_api.get("/api/leads", q="kazlauskene").json()["suggestions"] == ["Kazlauskis"]
    # Found something, or nothing close: no suggestions.
    assert api.get("/api/leads", q="kazlauskiene").json()["suggestions"] == []
    assert api.get("/api/leads", q="qqqwwwzzz").json()["suggestions"] == []
    assert api.get("/api/clients", q="kazlauskene").json()["suggestions"] == []


def test_openapi_documents_rank_and_suggestions(admin_api):
    schema = admin_api.get("/api/openapi.json").json()
    components = schema["components"]["schemas"]
    assert "rank" in components["LeadListItem"]["properties"]
    assert "relevance" in components["LeadListItem"]["properties"]["rank"]["description"].lower()
    assert "Did you mean" in components["LeadList"]["properties"]["suggestions"]["description"]
    params = {p["name"]: p for p in schema["paths"]["/api/leads"]["get"]["parameters"]}
    assert "relevance" in params["ordering"]["description"]


def _order(html: str, *names: str) -> list[str]:
    return sorted(names, key=lambda name: html.index(name))


def test_lead_list_page_ranks_and_offers_did_you_mean(client, users, teams, make_lead):
    north, south = teams
    make_lead(first_name="Rūta", last_name="Kazlauskienė", team_id=north.pk)
    make_lead(first_name="Jonas", last_name="Kazlauskas", team_id=north.pk)
    make_lead(first_name="Hidden", last_name="Kazlauskienė", team_id=south.pk)
    client.force_login(users["sales_north"])
    url = reverse("leads:list")
    html = client.get(url, {"q": "kazlauskiene"}).content.decode()
    assert _order(html, "Kazlauskas", "Rūta") == ["Rūta", "Kazlauskas"]
    assert "Hidden" not in html and 'data-testid="did-you-mean"' not in html
    html = client.get(url, {"q": "kazlauskene", "status_id": ""}).content.decode()
    link = re.search(r'data-testid="did-you-mean">[^<]*<a href="\?([^"]+)">([^<]+)</a>', html)
    assert link and link[2] == "Kazlauskienė" and "q=Kazlausk" in link[1]
    followed = client.get(f"{url}?{link[1].replace('&amp;', '&')}").content.decode()
    assert "Rūta" in followed and "Hidden" not in followed
    # A wrong sort is the error shown, not a reason to offer names.
    response = client.get(url, {"q": "kazlauskene", "ordering": "nope"})
    html = response.content.decode()
    assert response.status_code == 200 and "errorlist" in html and "did-you-mean" not in html
    # Nothing typed, nothing found nearby: no offer.
    assert "did-you-mean" not in client.get(url).content.decode()
    assert "did-you-mean" not in client.get(url, {"q": "zzzqqq"}).content.decode()


def test_client_contact_and_deal_lists_rank(client, admin_user):
    from leadbridge.clients.services import client_create, contact_create
    from leadbridge.deals.services import deal_create

    client.force_login(admin_user)
    client_create(actor=admin_user, data={"kind": "company", "name": "Stavby Horák s.r.o."})
    client_create(actor=admin_user, data={"kind": "company", "name": "Horák Trans a.s."})
    contact_create(actor=admin_user, data={"first_name": "Jana", "last_name": "Horáková"})
    contact_create(actor=admin_user, data={"first_name": "Petr", "last_name": "Horák"})
    deal_create(actor=admin_user, data={"title": "Okna Horáková"})
    deal_create(actor=admin_user, data={"title": "Okna Horák"})
    html = client.get(reverse("clients:list"), {"q": "horak trans"}).content.decode()
    assert "Horák Trans" in html and "Stavby Horák" not in html
    html = client.get(reverse("clients:list"), {"q": "horak"}).content.decode()
    assert _order(html, "Stavby Horák", "Horák Trans") == ["Horák Trans", "Stavby Horák"]
    html = client.get(reverse("contacts:list"), {"q": "horakova"}).content.decode()
    assert _order(html, "Petr", "Jana") == ["Jana", "Petr"]
    html = client.get(reverse("deals:list"), {"q": "okna horakova"}).content.decode()
    assert _order(html, "Okna Horák<", "Okna Horáková") == ["Okna Horáková", "Okna Horák<"]
    html = client.get(reverse("deals:list"), {"q": "okna horak"}).content.decode()
    assert _order(html, "Okna Horák<", "Okna Horáková") == ["Okna Horák<", "Okna Horáková"]
    html = client.get(reverse("clients:list"), {"q": "horak tras"}).content.decode()
    assert 'data-testid="did-you-mean"' in html and "Horák Trans a.s.</a>" in html


def test_global_search_ranks_each_group_and_offers_names(client, admin_user, make_lead):
    client.force_login(admin_user)
    make_lead(first_name="Lucie", last_name="Nováková")
    make_lead(first_name="Jan", last_name="Novák")
    html = client.get(reverse("core:search"), {"q": "novakova"}).content.decode()
    assert _order(html, "Jan Novák", "Lucie Nováková") == ["Lucie Nováková", "Jan Novák"]
    html = client.get(reverse("core:search"), {"q": "novakoba"}).content.decode()
    assert 'data-testid="did-you-mean"' in html and ">Nováková</a>" in html


def test_card_address_without_a_street(client, admin_user, make_lead):
    client.force_login(admin_user)
    lead = make_lead(last_name="Bez Ulice", city="České Budějovice", postcode="370 01")
    html = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "<dd>370 01 České Budějovice</dd>" in html
    city = make_lead(last_name="Jen Město", city="České Budějovice")
    html = client.get(reverse("leads:detail", args=[city.pk])).content.decode()
    assert "<dd>České Budějovice</dd>" in html
    full = make_lead(last_name="S Ulicí", street="Lannova 12", city="Tábor", country="CZ")
    html = client.get(reverse("leads:detail", args=[full.pk])).content.decode()
    assert "<dd>Lannova 12, Tábor CZ</dd>" in html
    # No address at all: no row.
    bare = make_lead(last_name="Bez Adresy")
    assert ">Address<" not in client.get(reverse("leads:detail", args=[bare.pk])).content.decode()
