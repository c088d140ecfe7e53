"""Conversion answers name only what the user may see; re-conversion keeps the status."""

import pytest

from leadbridge.conftest import api_for

pytestmark = pytest.mark.django_db


def test_matches_and_open_deals_hide_records_the_user_cannot_see(users, teams, admin_user):
    from leadbridge.clients.services import client_create
    from leadbridge.deals.services import deal_create

    north, south = teams
    hidden = client_create(
        actor=admin_user,
        data={
            "name": "Hidden s.r.o.",
            "email": "same@example.cz",
            "team_id": south.pk,
            "owner_id": admin_user.pk,
        },
    ).obj
    deal_create(
        actor=admin_user,
        data={
            "title": "Secret deal",
            "client_id": hidden.pk,
            "team_id": south.pk,
            "owner_id": admin_user.pk,
        },
    )
    visible = client_create(
        actor=admin_user,
        data={
            "name": "Visible s.r.o.",
            "email": "same@example.cz",
            "team_id": north.pk,
            "owner_id": admin_user.pk,
        },
    ).obj
    api = api_for(users["marketing"])  # sees clients and deals of team North only
    lead = api.post(
        "/api/leads", {"last_name": "Stejný", "company_name": "Same", "email": "same@example.cz"}
    ).json()
    preview = api.post(
        f"/api/leads/{lead['id']}/convert/preview", {"contact": {"mode": "none"}}
    ).json()
    names = {m["display_name"] for m in preview["duplicates"]}
    assert names == {"Visible s.r.o."}
    assert all(d["display_name"] != "Secret deal" for d in preview["open_deals"])
    result = api.post(f"/api/leads/{lead['id']}/convert", {"contact": {"mode": "none"}})
    assert result.status_code == 200
    assert {m["id"] for m in result.json()["duplicates"]} == {visible.pk}


def test_reconversion_keeps_the_converted_status_it_has(admin_api):
    from leadbridge.leads.models import Lead, LeadStatus

    won = LeadStatus.objects.create(name="Won", kind="converted", order=99)
    lead = admin_api.post("/api/leads", {"last_name": "Vítěz"}).json()
    first = admin_api.post(f"/api/leads/{lead['id']}/convert", {"status_id": won.pk})
    assert first.status_code == 200
    version = Lead.objects.get(pk=lead["id"]).version
    again = admin_api.post(
        f"/api/leads/{lead['id']}/convert", {"deal": {"mode": "new"}, "version": version}
    )
    assert again.status_code == 200, again.content
    assert Lead.objects.get(pk=lead["id"]).status_id == won.pk
