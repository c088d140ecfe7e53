"""The timeline: created, updated (old and new value per field), deleted events; the history
endpoint; and atomic services (a failure halfway leaves nothing written)."""

from __future__ import annotations

import pytest

from leadbridge.core.tests.helpers import PLURAL, assert_error, make_record
from leadbridge.history.models import HistoryEvent
from leadbridge.leads.models import Lead


class Boom(Exception):
    pass


def events(record_type: str, record_id: int) -> list[HistoryEvent]:
    return list(HistoryEvent.objects.filter(record_type=record_type, record_id=record_id))


def test_created_event_holds_the_values(admin_api, admin_user):
    r = admin_api.post(
        "/api/leads",
        {"first_name": "Jan", "last_name": "Novák", "expected_value": "10.5", "tags": ["vip"]},
    )
    lead_id = r.json()["id"]
    (created,) = events("lead", lead_id)
    assert created.kind == "created"
    assert (created.actor_id, created.actor_name) == (admin_user.pk, "admin")
    assert created.new_value["first_name"] == "Jan"
    assert created.new_value["expected_value"] == "10.50"
    assert created.new_value["tags"] == ["vip"]
    assert "city" not in created.new_value  # empty values are left out


def test_update_writes_old_and_new_value_per_field(admin_api, make_lead):
    lead = make_lead(first_name="Jan", city="Praha")
    r = admin_api.patch(
        f"/api/leads/{lead.pk}",
        {"first_name": "Honza", "city": "Brno", "expected_value": 99, "last_name": lead.last_name},
    )
    assert r.status_code == 200, r.content
    updated = {e.field: e for e in events("lead", lead.pk) if e.kind == "updated"}
    assert set(updated) == {"first_name", "city", "expected_value"}  # unchanged left out
    assert (updated["first_name"].old_value, updated["first_name"].new_value) == ("Jan", "Honza")
    assert (updated["city"].old_value, updated["city"].new_value) == ("Praha", "Brno")
    assert (updated["expected_value"].old_value, updated["expected_value"].new_value) == (
        None,
        "99.00",
    )


def test_no_change_no_event(admin_api, make_lead):
    lead = make_lead(first_name="Jan")
    admin_api.patch(f"/api/leads/{lead.pk}", {"first_name": "Jan"})
    assert [e.kind for e in events("lead", lead.pk)] == ["created"]


def test_custom_field_changes_are_history(admin_api, admin_user, make_lead):
    from leadbridge.customfields.services import custom_field_create

    custom_field_create(actor=admin_user, record_type="lead", key="size", label="S", type="number")
    lead = make_lead(custom_fields={"size": 1})
    admin_api.patch(f"/api/leads/{lead.pk}", {"custom_fields": {"size": 2}})
    (event,) = [e for e in events("lead", lead.pk) if e.kind == "updated"]
    assert (event.field, event.old_value, event.new_value) == ("custom_fields.size", 1, 2)


def test_history_endpoint(admin_api, make_lead):
    lead = make_lead(first_name="Jan")
    admin_api.patch(f"/api/leads/{lead.pk}", {"first_name": "Honza"})
    r = admin_api.get(f"/api/leads/{lead.pk}/history")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["count"] == 2
    created, updated = body["items"]
    assert created["kind"] == "created" and created["actor_name"] == "System (tests)"
    assert created["origin"] == {"record_type": "lead", "id": lead.pk, "relation": "self"}
    assert (updated["kind"], updated["field"], updated["old_value"], updated["new_value"]) == (
        "updated",
        "first_name",
        "Jan",
        "Honza",
    )
    assert updated["actor_name"] == "admin"


@pytest.mark.parametrize("record_type", ["lead", "client", "contact", "deal"])
def test_every_record_type_has_a_timeline(admin_api, record_type):
    obj = make_record(record_type)
    url = f"/api/{PLURAL[record_type]}/{obj.pk}"
    assert admin_api.patch(url, {"description": "Note"}).status_code == 200
    items = admin_api.get(f"{url}/history").json()["items"]
    assert [(e["kind"], e["field"]) for e in items] == [("created", ""), ("updated", "description")]
    assert items[1]["new_value"] == "Note"
    assert admin_api.delete(url).status_code == 204
    assert [e.kind for e in events(record_type, obj.pk)] == ["created", "updated", "deleted"]
    assert_error(admin_api.get(f"{url}/history"), 404)


def test_history_of_an_invisible_record_is_404(make_lead, users, teams):
    from leadbridge.conftest import api_for

    lead = make_lead(team_id=teams[1].pk)
    assert_error(api_for(users["sales_north"]).get(f"/api/leads/{lead.pk}/history"), 404)


def test_history_outlives_the_record(admin_user, make_lead):
    from leadbridge.leads.services import lead_delete

    lead = make_lead()
    lead_delete(actor=admin_user, pk=lead.pk)
    (deleted,) = [e for e in events("lead", lead.pk) if e.kind == "deleted"]
    assert deleted.actor_id == admin_user.pk


# Atomicity: a failure halfway leaves nothing written ------------------------------------------


def _fail_after_row(record_model, check):
    """A history writer that first sees the record row saved, then fails."""

    def fail(*args, **kwargs):
        check()
        raise Boom("history is down")

    return fail


def test_failed_create_leaves_no_lead_and_no_history(admin_user, monkeypatch):
    from leadbridge.core import record_services
    from leadbridge.leads.services import lead_create

    seen = []
    monkeypatch.setattr(
        record_services,
        "history_event",
        _fail_after_row(Lead, lambda: seen.append(Lead.objects.filter(last_name="Half").count())),
    )
    with pytest.raises(Boom):
        lead_create(actor=admin_user, data={"last_name": "Half"})
    assert seen == [1]  # the row was written before the failure …
    assert not Lead.objects.exists()  # … and rolled back with it
    assert not HistoryEvent.objects.exists()


def test_failed_create_through_the_api_is_atomic(admin_api, monkeypatch):
    from leadbridge.history.models import HistoryEvent as Model

    def boom(**kwargs):
        assert Lead.objects.filter(last_name="Half").exists()
        raise Boom("history is down")

    monkeypatch.setattr(Model.objects, "create", boom)
    with pytest.raises(Boom):
        admin_api.post("/api/leads", {"last_name": "Half"})
    monkeypatch.undo()
    assert not Lead.objects.exists()
    assert not HistoryEvent.objects.exists()


@pytest.mark.parametrize("record_type", ["lead", "client", "contact", "deal"])
def test_failed_update_keeps_old_values_and_version(admin_user, record_type, monkeypatch):
    from leadbridge.core import record_services
    from leadbridge.core.registry import model_for

    obj = make_record(record_type, description="before")
    model = model_for(record_type)

    def check():
        assert model.objects.get(pk=obj.pk).description == "after"  # saved, not committed

    monkeypatch.setattr(record_services, "history_changes", _fail_after_row(model, check))
    update = {
        "lead": ("leadbridge.leads.services", "lead_update"),
        "client": ("leadbridge.clients.services", "client_update"),
        "contact": ("leadbridge.clients.services", "contact_update"),
        "deal": ("leadbridge.deals.services", "deal_update"),
    }[record_type]
    import importlib

    service = getattr(importlib.import_module(update[0]), update[1])
    with pytest.raises(Boom):
        service(actor=admin_user, pk=obj.pk, data={"description": "after"})
    fresh = model.objects.get(pk=obj.pk)
    assert (fresh.description, fresh.version) == ("before", 1)
    assert [e.kind for e in events(record_type, obj.pk)] == ["created"]


def test_failed_update_through_the_api_is_atomic(admin_api, make_lead, monkeypatch):
    from leadbridge.core import record_services

    lead = make_lead(first_name="Jan")
    monkeypatch.setattr(record_services, "history_changes", _fail_after_row(Lead, lambda: None))
    with pytest.raises(Boom):
        admin_api.patch(f"/api/leads/{lead.pk}", {"first_name": "Honza", "version": 1})
    monkeypatch.undo()
    lead.refresh_from_db()
    assert (lead.first_name, lead.version) == ("Jan", 1)
    r = admin_api.patch(f"/api/leads/{lead.pk}", {"first_name": "Honza", "version": 1})
    assert r.status_code == 200 and r.json()["version"] == 2


def test_failed_status_change_keeps_the_old_status(admin_user, make_lead, monkeypatch):
    from leadbridge.leads import services
    from leadbridge.leads.models import LeadStatus

    lead = make_lead(city="Praha")
    lost = LeadStatus.objects.filter(kind="lost").first()
    monkeypatch.setattr(services, "history_event", _fail_after_row(Lead, lambda: None))
    with pytest.raises(Boom):
        services.lead_update(
            actor=admin_user, pk=lead.pk, data={"status_id": lost.pk, "city": "Brno"}
        )
    fresh = Lead.objects.get(pk=lead.pk)
    assert (fresh.status_id, fresh.city, fresh.version) == (lead.status_id, "Praha", 1)
    assert [e.kind for e in events("lead", lead.pk)] == ["created"]


def test_failed_delete_keeps_the_record(admin_user, make_lead, monkeypatch):
    from leadbridge.core import record_services
    from leadbridge.leads.services import lead_delete

    lead = make_lead()
    monkeypatch.setattr(record_services, "history_event", _fail_after_row(Lead, lambda: None))
    with pytest.raises(Boom):
        lead_delete(actor=admin_user, pk=lead.pk)
    fresh = Lead.objects.get(pk=lead.pk)
    assert (fresh.deleted_at, fresh.version) == (None, 1)
