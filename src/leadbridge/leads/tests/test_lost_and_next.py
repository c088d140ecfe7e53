"""The board's Lost zone (status of kind lost with a reason from Settings), the lost-reason
list and its count on the dashboard; the next activity on the board, the list and the card's
open activities."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from leadbridge.activities.services import activity_create
from leadbridge.conftest import make_user
from leadbridge.core.errors import ValidationFailed
from leadbridge.leads import services
from leadbridge.leads.models import Lead, LeadStatus, LostReason


def lost():
    return LeadStatus.objects.get(kind="lost")


def test_lost_reasons_are_seeded_in_the_install_language(db):
    assert list(LostReason.objects.values_list("name", flat=True))[:2] == [
        "Price too high",
        "Went with a competitor",
    ]


def test_dropping_on_lost_stores_status_and_reason(admin_web, make_lead):
    lead = make_lead(last_name="Ztracená")
    reason = LostReason.objects.get(name="No budget")
    response = admin_web.post(
        reverse("leads:board_lost"),
        {"id": lead.pk, "lost_reason_id": reason.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200, response.content
    lead.refresh_from_db()
    assert (lead.status_id, lead.lost_reason_id) == (lost().pk, reason.pk)
    # Lost is not on the board: no card comes back, the New column counts one fewer.
    body = response.json()
    new = LeadStatus.objects.get(name="New")
    assert body["card"] == "" and f'count-{new.pk}">0<' in body["heads"][str(new.pk)]
    # The API shows the reason; moving back to an open status clears it.
    services.lead_change_status(actor=lead.owner or _admin(), pk=lead.pk, status_id=new.pk)
    lead.refresh_from_db()
    assert lead.lost_reason_id is None


def _admin():
    from leadbridge.people.models import User

    return User.objects.get(username="admin")


def test_lost_drop_needs_a_valid_reason(admin_web, make_lead):
    lead = make_lead()
    url = reverse("leads:board_lost")
    assert admin_web.post(url, {"id": lead.pk}).status_code == 400
    inactive = LostReason.objects.create(name="Gone", active=False)
    response = admin_web.post(url, {"id": lead.pk, "lost_reason_id": inactive.pk})
    assert response.status_code == 422 and "lost reason" in response.content.decode()
    assert admin_web.post(url, {"id": 999999, "lost_reason_id": inactive.pk}).status_code in (
        400,
        404,
    )
    assert admin_web.post(url, {"id": "x"}).status_code == 400
    lead.refresh_from_db()
    assert lead.status.kind == "open" and lead.lost_reason_id is None


def test_lost_drop_of_another_teams_lead_is_refused(client, make_lead, teams):
    north, south = teams
    lead = make_lead(team_id=south.pk)
    client.force_login(make_user("sales", [north]))
    reason = LostReason.objects.first()
    response = client.post(
        reverse("leads:board_lost"), {"id": lead.pk, "lost_reason_id": reason.pk}
    )
    assert response.status_code in (403, 404)
    assert Lead.objects.get(pk=lead.pk).lost_reason_id is None


def test_a_reason_needs_a_lost_status(admin_user, make_lead):
    lead = make_lead()
    reason = LostReason.objects.first()
    new = LeadStatus.objects.get(name="New")
    with pytest.raises(ValidationFailed) as caught:
        services.lead_change_status(
            actor=admin_user, pk=lead.pk, status_id=new.pk, lost_reason_id=reason.pk
        )
    assert [e.field for e in caught.value.errors] == ["lost_reason_id"]


def test_settings_edit_lost_reasons_and_dashboard_counts(admin_web, make_lead, admin_user):
    url = reverse("settings:index")
    assert (
        admin_web.post(url, {"action": "lost_reason", "name": "  Chose Excel  "}).status_code == 302
    )
    made = LostReason.objects.get(name="Chose Excel")
    admin_web.post(
        url, {"action": "lost_reason", "id": made.pk, "name": "Stayed with Excel", "active": "off"}
    )
    made.refresh_from_db()
    assert (made.name, made.active) == ("Stayed with Excel", False)
    # A duplicate name is refused with the field's message, nothing saved.
    page = admin_web.post(url, {"action": "lost_reason", "name": "No budget"}, follow=True)
    assert "exists already" in page.content.decode()
    assert LostReason.objects.filter(name="No budget").count() == 1
    budget = LostReason.objects.get(name="No budget")
    for _ in range(3):
        lead = make_lead()
        services.lead_change_status(
            actor=admin_user, pk=lead.pk, status_id=lost().pk, lost_reason_id=budget.pk
        )
    html = admin_web.get(reverse("core:dashboard")).content.decode()
    section = html.split('data-testid="lost-reasons"')[1].split("</table>")[0]
    assert "No budget" in section and "<td>3</td>" in section
    assert "Stayed with Excel" in admin_web.get(url).content.decode()


def test_sales_user_cannot_edit_lost_reasons(client, teams):
    client.force_login(make_user("sales", [teams[0]]))
    response = client.post(reverse("settings:index"), {"action": "lost_reason", "name": "Mine"})
    assert response.status_code == 403
    assert not LostReason.objects.filter(name="Mine").exists()


def test_next_activity_on_board_and_list(admin_web, make_lead, admin_user):
    soon = timezone.now() + dt.timedelta(days=2)
    planned, overdue, idle = (
        make_lead(last_name="Plánovaný"),
        make_lead(last_name="Pozdní"),
        make_lead(last_name="Nečinný"),
    )
    for lead, subject, at in [
        (planned, "Send <offer>", soon),
        (overdue, "Call back", timezone.now() - dt.timedelta(days=1)),
    ]:
        activity_create(
            actor=admin_user,
            record_type="lead",
            record_id=lead.pk,
            data={"type": "task", "subject": subject, "due_at": at},
        )
    for url in (reverse("leads:board"), reverse("leads:list")):
        html = admin_web.get(url).content.decode()
        assert "Send &lt;offer&gt;" in html and "<offer>" not in html
        card = (
            html.split(f'data-card="{overdue.pk}"')[1]
            if "board" in url
            else html.split(f'data-testid="next-{overdue.pk}"')[1]
        )
        assert 'class="next-act overdue"' in card.split("</article>")[0].split("</td>")[0]
        idle_html = (
            html.split(f'data-card="{idle.pk}"')[1]
            if "board" in url
            else html.split(f'data-testid="next-{idle.pk}"')[1]
        )
        assert "next-act none" in idle_html.split("</article>")[0].split("</td>")[0]
    # Sorted by next activity: overdue first, then the planned one.
    html = admin_web.get(reverse("leads:list") + "?ordering=next_activity_at").content.decode()
    assert html.index(f'data-lead="{overdue.pk}"') < html.index(f'data-lead="{planned.pk}"')


def test_card_composer_and_done(admin_web, make_lead):
    lead = make_lead(phone="+420 777 123 456", email="jana@example.cz")
    page = admin_web.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert 'href="tel:+420777123456"' in page and 'href="mailto:jana@example.cz"' in page
    url = reverse("activities:agenda_create", args=["lead", lead.pk])
    # Refused at the field, nothing saved: a task needs a subject.
    html = admin_web.post(
        url,
        {"type": "task", "subject": "", "due_at": "2031-05-04T10:15"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Say what to do." in html and 'value="2031-05-04T10:15"' in html
    assert not lead.__class__.objects.get(pk=lead.pk).next_activity_id
    html = admin_web.post(
        url,
        {"type": "meeting", "subject": "Demo in Brno", "due_at": "2031-05-04T10:15"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Demo in Brno" in html
    stored = Lead.objects.get(pk=lead.pk)
    assert stored.next_activity_subject == "Demo in Brno"
    assert (
        timezone.localtime(stored.next_activity_at).strftime("%Y-%m-%d %H:%M") == "2031-05-04 10:15"
    )
    task_html = admin_web.post(
        url,
        {"type": "task", "subject": "Prepare offer", "due_at": "2031-05-01T08:00"},
        headers={"HX-Request": "true"},
    ).content.decode()
    # Due first comes first.
    assert task_html.index("Prepare offer") < task_html.index("Demo in Brno")
    task_id = Lead.objects.get(pk=lead.pk).next_activity_id
    done_url = reverse("activities:agenda_done", args=["lead", lead.pk, task_id])
    html = admin_web.post(done_url, {"done": "1"}, headers={"HX-Request": "true"}).content.decode()
    assert "Prepare offer" not in html
    assert Lead.objects.get(pk=lead.pk).next_activity_subject == "Demo in Brno"
    # Wrong ids: a 404, not a 500.
    assert (
        admin_web.post(
            reverse("activities:agenda_done", args=["lead", lead.pk, 999999])
        ).status_code
        == 404
    )
    assert (
        admin_web.post(
            reverse("activities:agenda_create", args=["lead", 999999]),
            {"type": "task", "subject": "x"},
        ).status_code
        == 404
    )


def test_card_composer_of_another_teams_lead(client, make_lead, teams):
    north, south = teams
    lead = make_lead(team_id=south.pk)
    client.force_login(make_user("sales", [north]))
    url = reverse("activities:agenda_create", args=["lead", lead.pk])
    assert client.post(url, {"type": "task", "subject": "Sneaky"}).status_code in (403, 404)
    assert Lead.objects.get(pk=lead.pk).next_activity_id is None


def test_lost_column_on_the_board_asks_for_the_reason_too(admin_web, make_lead):
    second_lost = LeadStatus.objects.create(name="Gone quiet", kind="lost", order=99)
    LeadStatus.objects.filter(pk=second_lost.pk).update(on_board=True)
    html = admin_web.get(reverse("leads:board")).content.decode()
    assert f'data-column="{second_lost.pk}" data-kind="lost"' in html
    lead = make_lead()
    reason = LostReason.objects.get(name="No response")
    url = reverse("leads:board_lost")
    # An open column with a reason is refused at the field.
    new = LeadStatus.objects.get(name="New")
    response = admin_web.post(url, {"id": lead.pk, "column": new.pk, "lost_reason_id": reason.pk})
    assert response.status_code == 422 and "lost" in response.content.decode()
    response = admin_web.post(
        url, {"id": lead.pk, "column": second_lost.pk, "lost_reason_id": reason.pk}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["column"] == second_lost.pk and f'data-card="{lead.pk}"' in body["card"]
    assert f'count-{second_lost.pk}">1<' in body["heads"][str(second_lost.pk)]
    lead.refresh_from_db()
    assert (lead.status_id, lead.lost_reason_id) == (second_lost.pk, reason.pk)
