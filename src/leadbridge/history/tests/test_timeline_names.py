"""Records by name, history in labels and names (issue 18, item 7): the timeline, the lead
card's generated records, the Tasks page and the deal card."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from leadbridge.conftest import api_for, make_user
from leadbridge.core.tests.helpers import make_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _back_to_english():
    """Pages read in Czech leave Czech active in this thread (the locale middleware activates
    a language per request and never deactivates it); later tests expect the default."""
    yield
    translation.deactivate()


def _web(user, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    user.language = language
    user.save(update_fields=["language"])
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


@pytest.fixture
def people(teams):
    north, _south = teams
    jana = make_user("sales_manager", [north], first_name="Jana", last_name="Nováková")
    petr = make_user("sales", [north], first_name="Petr", last_name="Dvořák")
    return jana, petr


@pytest.fixture
def converted(people):
    """A lead of Jana's, given to Petr, with a task, then converted by Jana."""
    jana, petr = people
    api = api_for(jana)
    lead = api.post(
        "/api/leads",
        {"last_name": "Šťastný", "company_name": "Agro Šumava s.r.o.", "owner_id": jana.pk},
    ).json()
    assert api.patch(f"/api/leads/{lead['id']}", {"owner_id": petr.pk}).status_code == 200
    task = {"record_type": "lead", "record_id": lead["id"], "type": "task"}
    assert api.post("/api/activities", task | {"subject": "First call"}).status_code == 201
    meeting = {"record_type": "lead", "record_id": lead["id"], "type": "meeting"}
    assert api.post("/api/activities", meeting | {"subject": "Visit"}).status_code == 201
    result = api.post(f"/api/leads/{lead['id']}/convert", {"deal": {"mode": "new"}}).json()
    assert result.get("client_id"), result
    return lead["id"], result


def test_the_timeline_speaks_in_labels_and_names(people, converted):
    jana, _petr = people
    lead_id, result = converted
    html = _web(jana).get(reverse("history:timeline", args=["lead", lead_id])).content.decode()
    text = _text(html)
    assert "Owner: Jana Nováková → Petr Dvořák" in text
    assert re.search(r"Status: \S+ → \S+", text)
    assert "Task created: First call" in text
    assert "Meeting planned: Visit" in text
    assert "Lead created" in text
    assert "owner_id" not in text and "Activity created" not in text
    assert f'href="/clients/{result["client_id"]}/"' in html
    assert "Converted into: client Agro Šumava s.r.o." in text


def test_the_timeline_in_czech_has_whole_sentences(people, converted):
    jana, _petr = people
    lead_id, _result = converted
    text = _text(
        _web(jana, "cs").get(reverse("history:timeline", args=["lead", lead_id])).content.decode()
    )
    assert "Vlastník: Jana Nováková → Petr Dvořák" in text
    assert "Úkol vytvořen: First call" in text
    assert "Schůzka naplánována: Visit" in text
    assert "Lead vytvořen" in text


def test_the_timeline_looks_names_up_in_bulk(people, make_lead):
    jana, petr = people
    api = api_for(jana)
    lead = make_lead(actor=jana, last_name="Bulk", team_id=jana.teams.first().pk)
    url = reverse("history:timeline", args=["lead", lead.pk])
    web = _web(jana)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert web.get(url).status_code == 200
        return len(captured)

    api.patch(f"/api/leads/{lead.pk}", {"owner_id": petr.pk})
    api.post("/api/activities", {"record_type": "lead", "record_id": lead.pk, "type": "task"})
    few = queries()
    for n in range(6):
        api.patch(f"/api/leads/{lead.pk}", {"owner_id": (jana, petr)[n % 2].pk, "city": f"C{n}"})
        api.post(
            "/api/activities",
            {"record_type": "lead", "record_id": lead.pk, "type": "call", "subject": f"S{n}"},
        )
    assert queries() == few


def test_the_lead_card_names_the_generated_records(people, converted):
    jana, _petr = people
    lead_id, result = converted
    html = _web(jana).get(reverse("leads:detail", args=[lead_id])).content.decode()
    generated = html.split('data-testid="generated"')[1].split("</ul>")[0]
    assert f'<a href="/clients/{result["client_id"]}/">Agro Šumava s.r.o.</a>' in generated
    assert f'href="/deals/{result["deal_id"]}/"' in generated
    assert "#" not in _text(generated)


def test_the_lead_card_hides_names_out_of_the_readers_scope(people, converted, teams):
    from leadbridge.clients.models import Client as ClientRecord

    jana, petr = people
    lead_id, result = converted
    _north, south = teams
    ClientRecord.objects.filter(pk=result["client_id"]).update(owner=jana, team=south)
    html = _web(petr).get(reverse("leads:detail", args=[lead_id])).content.decode()
    generated = html.split('data-testid="generated"')[1].split("</ul>")[0]
    (client_item,) = [li for li in generated.split("<li>") if "client" in _text(li)]
    assert _text(client_item).strip() == f"client #{result['client_id']}"  # no name, no link
    assert f'href="/clients/{result["client_id"]}/"' not in generated
    assert f'href="/deals/{result["deal_id"]}/"' in generated  # the deal stays in scope


def test_the_tasks_page_names_the_linked_records(people, converted):
    jana, petr = people
    lead_id, _result = converted
    page = _web(petr).get(reverse("activities:tasks") + "?scope=team")
    html = page.content.decode()
    assert "First call" in html
    assert f'<a href="/leads/{lead_id}/">Šťastný (Agro Šumava s.r.o.)</a>' in html
    assert f"lead #{lead_id}" not in html


def test_the_tasks_page_with_no_tasks(people):
    _jana, petr = people
    page = _web(petr).get(reverse("activities:tasks"))
    assert page.status_code == 200 and "None." in page.content.decode()


def test_the_deal_card_links_client_and_contact_and_formats_the_value(people, converted):
    from leadbridge.deals.models import Deal

    jana, _petr = people
    _lead_id, result = converted
    Deal.objects.filter(pk=result["deal_id"]).update(value="356000", currency="PLN")
    html = _web(jana, "cs").get(reverse("deals:detail", args=[result["deal_id"]])).content
    text = html.decode()
    assert f'<a href="/clients/{result["client_id"]}/">Agro Šumava s.r.o.</a>' in text
    assert f'href="/contacts/{result["contact_id"]}/"' in text
    assert "356\xa0000,00\xa0PLN" in text


def test_custom_fields_by_label_on_the_card_and_the_timeline(admin_user, make_lead):
    from leadbridge.customfields.services import custom_field_create

    custom_field_create(
        actor=admin_user, record_type="lead", key="fleet_size", label="Fleet size", type="number"
    )
    custom_field_create(
        actor=admin_user, record_type="client", key="segment_x", label="Segment", type="text"
    )
    lead = make_lead(custom_fields={"fleet_size": 12})
    api_for(admin_user).patch(f"/api/leads/{lead.pk}", {"custom_fields": {"fleet_size": 14}})
    web = _web(admin_user)
    card = _text(web.get(reverse("leads:detail", args=[lead.pk])).content.decode())
    assert "Fleetsize14" in card.replace(" ", "") and "fleet_size" not in card
    timeline = _text(web.get(reverse("history:timeline", args=["lead", lead.pk])).content.decode())
    assert "Fleet size: 12 → 14" in timeline and "custom_fields" not in timeline
    client = make_record("client", custom_fields={"segment_x": "Farms"})
    page = _text(web.get(reverse("clients:detail", args=[client.pk])).content.decode())
    assert "SegmentFarms" in page.replace(" ", "") and "segment_x" not in page


def test_a_deals_stage_changes_by_name_in_bulk(admin_user):
    from leadbridge.deals.models import Stage

    stages = list(Stage.objects.filter(pipeline__is_default=True).order_by("order"))
    deal = make_record("deal", title="Kombajn", stage_id=stages[0].pk)
    api = api_for(admin_user)
    web = _web(admin_user)
    url = reverse("history:timeline", args=["deal", deal.pk])

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            html = web.get(url).content.decode()
        return len(captured), _text(html)

    api.patch(f"/api/deals/{deal.pk}", {"stage_id": stages[1].pk})
    few, text = queries()
    assert f"Stage: {stages[0].name} → {stages[1].name}" in text
    for stage in stages[2:]:
        api.patch(f"/api/deals/{deal.pk}", {"stage_id": stage.pk})
    many, text = queries()
    assert many == few and f"Stage: {stages[1].name} → {stages[2].name}" in text
