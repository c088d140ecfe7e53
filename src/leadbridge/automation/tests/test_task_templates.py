"""Task templates on statuses (F10): every way a lead arrives in a status makes the tasks once."""

import pytest
from django.test import Client

from leadbridge.activities.models import Activity, ActivityLink
from leadbridge.automation.models import TaskTemplate
from leadbridge.automation.services import task_template_save
from leadbridge.conftest import api_for, make_user
from leadbridge.leads.models import LeadStatus
from leadbridge.leads.services import lead_change_status, lead_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def statuses(db):
    open_ = list(LeadStatus.objects.filter(kind="open").order_by("order", "id"))
    return open_[0], open_[1]


@pytest.fixture
def template(admin_user, statuses):
    return task_template_save(
        actor=admin_user,
        data={"subject": "First call", "due_in_days": 2, "status_ids": [statuses[1].pk]},
    )


def tasks_on(lead_id: int) -> list[Activity]:
    ids = ActivityLink.objects.filter(record_type="lead", record_id=lead_id).values("activity_id")
    return list(Activity.objects.filter(pk__in=ids, type="task"))


def test_created_in_status_gets_task_for_owner(admin_user, statuses, template):
    lead = lead_create(
        actor=admin_user, data={"last_name": "Novák", "status_id": statuses[1].pk}
    ).obj
    [task] = tasks_on(lead.pk)
    assert task.subject == "First call" and task.owner_id == admin_user.pk
    assert task.due_at is not None and task.due_at > lead.created_at


def test_other_status_gets_nothing(admin_user, statuses, template):
    lead = lead_create(actor=admin_user, data={"last_name": "A", "status_id": statuses[0].pk}).obj
    assert tasks_on(lead.pk) == []


def test_service_change_once_per_change(admin_user, statuses, template):
    lead = lead_create(actor=admin_user, data={"last_name": "A", "status_id": statuses[0].pk}).obj
    lead_change_status(actor=admin_user, pk=lead.pk, status_id=statuses[1].pk)
    lead_change_status(actor=admin_user, pk=lead.pk, status_id=statuses[1].pk)  # no change
    assert len(tasks_on(lead.pk)) == 1
    lead_change_status(actor=admin_user, pk=lead.pk, status_id=statuses[0].pk)
    lead_change_status(actor=admin_user, pk=lead.pk, status_id=statuses[1].pk)
    assert len(tasks_on(lead.pk)) == 2


def test_api_patch(admin_user, admin_api, statuses, template):
    lead = lead_create(actor=admin_user, data={"last_name": "A", "status_id": statuses[0].pk}).obj
    r = admin_api.patch(f"/api/leads/{lead.pk}", {"status_id": statuses[1].pk})
    assert r.status_code == 200, r.content
    assert len(tasks_on(lead.pk)) == 1


def test_api_create(admin_api, statuses, template):
    r = admin_api.post("/api/leads", {"last_name": "B", "status_id": statuses[1].pk})
    assert r.status_code == 201, r.content
    assert len(tasks_on(r.json()["id"])) == 1


def test_list_badge_board_mass_and_form(admin_user, statuses, template):
    web = Client()
    web.force_login(admin_user)
    leads = [
        lead_create(actor=admin_user, data={"last_name": f"L{i}", "status_id": statuses[0].pk}).obj
        for i in range(5)
    ]
    web.post(f"/leads/{leads[0].pk}/status/", {"status_id": statuses[1].pk})
    web.post("/leads/board/move/", {"id": leads[1].pk, "column": statuses[1].pk})
    web.post(
        "/leads/mass/",
        {"ids": [leads[2].pk, leads[3].pk], "action": "status", "status_id": statuses[1].pk},
    )
    r = web.post(
        f"/leads/{leads[4].pk}/edit/",
        {"last_name": "L4", "status_id": statuses[1].pk, "version": leads[4].version},
    )
    assert r.status_code in (200, 302)
    for lead in leads:
        assert len(tasks_on(lead.pk)) == 1, lead.last_name


def test_user_and_round_robin_assignees(admin_user, statuses, teams):
    north, _ = teams
    a, b = make_user("sales", [north]), make_user("sales", [north])
    fixed = make_user("sales", [north])
    task_template_save(
        actor=admin_user,
        data={
            "subject": "Fixed",
            "assignee": "user",
            "user_id": fixed.pk,
            "status_ids": [statuses[1].pk],
        },
    )
    task_template_save(
        actor=admin_user,
        data={
            "subject": "Turns",
            "assignee": "round_robin",
            "team_id": north.pk,
            "status_ids": [statuses[1].pk],
        },
    )
    owners = []
    for i in range(3):
        lead = lead_create(
            actor=admin_user, data={"last_name": f"R{i}", "status_id": statuses[1].pk}
        ).obj
        by_subject = {t.subject: t.owner_id for t in tasks_on(lead.pk)}
        assert by_subject["Fixed"] == fixed.pk
        owners.append(by_subject["Turns"])
    members = sorted([a.pk, b.pk, fixed.pk])
    assert owners == members  # each member in turn


def test_template_validation(admin_user):
    from leadbridge.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        task_template_save(actor=admin_user, data={"subject": "x", "assignee": "user"})
    assert exc.value.errors[0].field == "user_id"
    assert TaskTemplate.objects.count() == 0


def test_salesperson_status_change_makes_task_without_admin_rights(statuses, template, teams):
    seller = make_user("marketing", [teams[0]])
    api = api_for(seller)
    r = api.post("/api/leads", {"last_name": "S", "status_id": statuses[0].pk})
    assert r.status_code == 201, r.content
    lead_id = r.json()["id"]
    assert api.patch(f"/api/leads/{lead_id}", {"status_id": statuses[1].pk}).status_code == 200
    [task] = tasks_on(lead_id)
    assert task.owner_id == seller.pk


def test_other_write_paths_publish_or_set_nothing_off(admin_user, statuses, template):
    """What a bulk import does per lead it writes itself: with `run_automations` on it
    publishes `lead.created` (the templates' tasks follow), with it off it does not."""
    from django.db import transaction

    from leadbridge.core.events import publish
    from leadbridge.leads.models import Lead

    with transaction.atomic():
        on = Lead.objects.create(last_name="Imported on", status=statuses[1])
        publish("lead.created", "lead", on, actor=admin_user)
        off = Lead.objects.create(last_name="Imported off", status=statuses[1])
    assert len(tasks_on(on.pk)) == 1 and tasks_on(off.pk) == []
