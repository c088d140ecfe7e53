"""Issue 19 item 15c: a client's or contact's card lists the leads it came from that the
user may see, and no others (their names would leak across teams)."""

from __future__ import annotations

import pytest
from django.test import Client

from leadbridge.clients.models import Contact
from leadbridge.clients.services import client_create, contact_create
from leadbridge.leads.models import ConversionLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users, teams, make_lead):
    north, south = teams
    mine = make_lead(last_name="Severová", owner_id=users["sales_north"].pk, team_id=north.pk)
    theirs = make_lead(last_name="Južná", owner_id=users["sales_south"].pk, team_id=south.pk)
    gone = make_lead(last_name="Zmazaná", owner_id=users["sales_north"].pk, team_id=north.pk)
    gone.deleted_at = gone.created_at
    gone.save(update_fields=["deleted_at"])
    actor = users["sales_north"]
    client = client_create(actor=actor, data={"name": "Acme Sever"}).obj
    contact = contact_create(actor=actor, data={"last_name": "Kontaktová"}).obj
    for lead in (mine, theirs, gone):
        ConversionLink.objects.create(lead_id=lead.pk, target_type="client", target_id=client.pk)
    ConversionLink.objects.create(lead_id=mine.pk, target_type="contact", target_id=contact.pk)
    Contact.objects.filter(pk=contact.pk).update(lead_id=theirs.pk)  # assigned by a manager
    return {"client": client, "contact": contact, "mine": mine, "theirs": theirs, "gone": gone}


def card(user, url: str) -> str:
    browser = Client()
    browser.force_login(user)
    response = browser.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("kind", ["client", "contact"])
def test_card_lists_only_the_visible_source_leads(users, world, kind):
    plural = f"{kind}s"
    html = card(users["sales_north"], f"/{plural}/{world[kind].pk}/")
    assert f"/leads/{world['mine'].pk}/" in html and "Severová" in html
    assert f"/leads/{world['theirs'].pk}/" not in html and "Južná" not in html
    assert f"/leads/{world['gone'].pk}/" not in html and "Zmazaná" not in html


@pytest.mark.parametrize("kind", ["client", "contact"])
def test_an_administrator_sees_every_live_source_lead(admin_user, world, kind):
    html = card(admin_user, f"/{kind}s/{world[kind].pk}/")
    assert "Severová" in html and "Južná" in html and "Zmazaná" not in html


def test_a_card_without_source_leads_has_no_list(users):
    client = client_create(actor=users["sales_north"], data={"name": "Nová"}).obj
    html = card(users["sales_north"], f"/clients/{client.pk}/")
    assert "Acme" not in html and "/leads/" not in html.split("<main", 1)[-1].split("</main>")[0]
