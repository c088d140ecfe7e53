"""The lead's stored next activity (`next_activity_*`), kept by every activity write:
create, reschedule, complete, delete, link, merge and its undo; the API's `next_activity_at`
and the migration's backfill."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from leadbridge.activities.models import Activity
from leadbridge.activities.next_activity import refresh_next_activity
from leadbridge.activities.services import activity_create, link_activity
from leadbridge.leads.models import Lead

AT = timezone.make_aware(dt.datetime(2031, 3, 14, 9, 30))


def _post(api, lead, **data):
    body = {"record_type": "lead", "record_id": lead.pk, "type": "task", **data}
    r = api.post("/api/activities", body)
    assert r.status_code == 201, r.content
    return r.json()["id"]


def _stored(lead) -> tuple:
    lead = Lead.objects.get(pk=lead.pk)
    return lead.next_activity_id, lead.next_activity_at, lead.next_activity_subject


def _api_next(api, lead):
    r = api.get(f"/api/leads/{lead.pk}")
    assert r.status_code == 200, r.content
    return r.json()["next_activity_at"]


@pytest.mark.django_db
def test_create_reschedule_complete_delete(admin_api, make_lead):
    lead = make_lead()
    assert _stored(lead) == (None, None, "")
    assert _api_next(admin_api, lead) is None
    later = _post(
        admin_api, lead, subject="Send the offer", due_at=(AT + dt.timedelta(days=3)).isoformat()
    )
    assert _stored(lead) == (later, AT + dt.timedelta(days=3), "Send the offer")
    # An earlier one becomes the next; a note, an undated task and a done one never do.
    sooner = _post(admin_api, lead, subject="First call", type="call", due_at=AT.isoformat())
    _post(
        admin_api,
        lead,
        subject="Remember",
        type="note",
        due_at=(AT - dt.timedelta(days=9)).isoformat(),
    )
    _post(admin_api, lead, subject="Someday")
    _post(admin_api, lead, subject="Old", done=True, due_at=(AT - dt.timedelta(days=5)).isoformat())
    assert _stored(lead) == (sooner, AT, "First call")
    assert dt.datetime.fromisoformat(_api_next(admin_api, lead)) == AT

    # Reschedule past the other one, then rename: the stored copy follows.
    r = admin_api.patch(
        f"/api/activities/{sooner}", {"due_at": (AT + dt.timedelta(days=5)).isoformat()}
    )
    assert r.status_code == 200, r.content
    assert _stored(lead) == (later, AT + dt.timedelta(days=3), "Send the offer")
    r = admin_api.patch(f"/api/activities/{later}", {"subject": "Send the revised offer"})
    assert r.status_code == 200, r.content
    assert _stored(lead)[2] == "Send the revised offer"

    # Complete it: the rescheduled call is next; delete that: nothing scheduled.
    r = admin_api.patch(f"/api/activities/{later}", {"done": True})
    assert r.status_code == 200, r.content
    assert _stored(lead) == (sooner, AT + dt.timedelta(days=5), "First call")
    r = admin_api.delete(f"/api/activities/{sooner}")
    assert r.status_code == 204, r.content
    assert _stored(lead) == (None, None, "")
    assert _api_next(admin_api, lead) is None
    # Reopening a done task makes it next again.
    r = admin_api.patch(f"/api/activities/{later}", {"done": False})
    assert r.status_code == 200, r.content
    assert _stored(lead)[0] == later


@pytest.mark.django_db
def test_link_to_another_lead_and_merge(admin_user, make_lead):
    from leadbridge.duplicates.merge import merge_undo, record_merge

    first, second = make_lead(last_name="Kopřiva"), make_lead(last_name="Kopřivová")
    task = activity_create(
        actor=admin_user,
        record_type="lead",
        record_id=first.pk,
        data={"type": "meeting", "subject": "Demo", "due_at": AT},
    ).obj
    assert _stored(second) == (None, None, "")
    assert link_activity(actor=admin_user, activity=task, record_type="lead", record_id=second.pk)
    assert _stored(second) == (task.pk, AT, "Demo")

    third = make_lead(last_name="Dvořák")
    call = activity_create(
        actor=admin_user,
        record_type="lead",
        record_id=third.pk,
        data={"type": "call", "subject": "Call back", "due_at": AT - dt.timedelta(hours=2)},
    ).obj
    merge = record_merge(
        actor=admin_user, record_type="lead", ids=[first.pk, third.pk], survivor_id=first.pk
    )
    # The merged-in lead's call is earlier: the survivor's next activity now.
    assert _stored(first) == (call.pk, AT - dt.timedelta(hours=2), "Call back")
    merge_undo(actor=admin_user, merge_id=merge.pk)
    assert _stored(first) == (task.pk, AT, "Demo")
    assert _stored(third) == (call.pk, AT - dt.timedelta(hours=2), "Call back")


@pytest.mark.django_db
def test_refresh_sets_every_lead_in_one_statement(admin_user, make_lead, django_assert_num_queries):
    leads = [make_lead() for _ in range(3)]
    for i, lead in enumerate(leads):
        activity_create(
            actor=admin_user,
            record_type="lead",
            record_id=lead.pk,
            data={"type": "task", "subject": f"T{i}", "due_at": AT + dt.timedelta(days=i)},
        )
    Lead.objects.update(next_activity_id=None, next_activity_at=None, next_activity_subject="")
    with django_assert_num_queries(1):
        refresh_next_activity([("lead", lead.pk) for lead in leads] + [("client", 1)])
    assert [_stored(lead)[2] for lead in leads] == ["T0", "T1", "T2"]


@pytest.mark.django_db
def test_migration_backfills(admin_user, make_lead):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "leadbridge.leads.migrations.0009_next_activity_and_lost_reason"
    )
    lead, other = make_lead(), make_lead()
    activity = activity_create(
        actor=admin_user,
        record_type="lead",
        record_id=lead.pk,
        data={"type": "email", "subject": "Follow up", "due_at": AT},
    ).obj
    Lead.objects.update(next_activity_id=None, next_activity_at=None, next_activity_subject="x")
    migration.backfill_next_activity(apps, None)
    assert _stored(lead) == (activity.pk, AT, "Follow up")
    assert _stored(other) == (None, None, "")
    assert Activity.objects.count() == 1


@pytest.mark.django_db
def test_openapi_documents_the_read_only_fields(admin_api, make_lead, admin_user):
    from leadbridge.leads.models import LeadStatus, LostReason
    from leadbridge.leads.services import lead_change_status

    schema = admin_api.get("/api/openapi.json").json()
    lead_out = schema["components"]["schemas"]["LeadOut"]["properties"]
    assert "next open activity" in lead_out["next_activity_at"]["description"]
    assert "lost reason" in lead_out["lost_reason_id"]["description"]
    lead = make_lead()
    reason = LostReason.objects.get(name="No need")
    lead_change_status(
        actor=admin_user,
        pk=lead.pk,
        status_id=LeadStatus.objects.get(kind="lost").pk,
        lost_reason_id=reason.pk,
    )
    body = admin_api.get(f"/api/leads/{lead.pk}").json()
    assert (body["lost_reason_id"], body["next_activity_at"]) == (reason.pk, None)
    listed = admin_api.get("/api/leads", ordering="next_activity_at").json()
    assert lead.pk in [item["id"] for item in listed["items"]]
