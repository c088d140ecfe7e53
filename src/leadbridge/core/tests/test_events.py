"""Domain events (core/events.py): the apps subscribe in `ready()`, a publish reaches them in
the publishing transaction, the representation is built once per event, and the lead's
webhook body is exactly the API's representation."""

import datetime as dt
import json

import pytest
from django.db import transaction

from leadbridge.automation.models import WebhookDelivery, WebhookSubscription
from leadbridge.core import events, representation
from leadbridge.leads.models import Lead
from leadbridge.leads.services import lead_create

pytestmark = pytest.mark.django_db


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def recorder():
    """A subscriber of `lead.updated` for the test, removed after it."""
    seen: list[events.Event] = []
    events.subscribe("test.recorder", seen.append, events=["lead.updated"])
    yield seen
    events._subscriptions.pop("test.recorder")


def test_the_apps_subscribe_in_ready():
    keys = set(events._subscriptions)
    assert {"automation.webhooks", "automation.task_templates", "mail.reminders"} <= keys
    assert events._subscriptions["automation.task_templates"].events == {
        "lead.created",
        "lead.status_changed",
    }


def test_unknown_event_names_are_refused():
    with pytest.raises(AssertionError):
        events.subscribe("test.bad", print, events=["lead.exploded"])
    assert "test.bad" not in events._subscriptions
    with transaction.atomic(), pytest.raises(AssertionError):
        events.publish("lead.exploded", "lead", None)


@pytest.mark.django_db(transaction=True)  # outside any transaction, as a caller would be
def test_publish_needs_the_changes_transaction(admin_user, recorder):
    # (A flushed database has no statuses to create a lead with; the check comes first.)
    lead = Lead(pk=1, last_name="Outside")
    with pytest.raises(AssertionError, match="transaction"):
        events.publish("lead.updated", "lead", lead, actor=admin_user)
    assert recorder == []


def test_a_failing_handler_fails_the_change(admin_user):
    def explode(event):
        Lead.objects.filter(pk=event.obj.pk).update(last_name="Half-written")
        raise RuntimeError("subscriber failed")

    lead = lead_create(actor=admin_user, data={"last_name": "Kept"}).obj
    events.subscribe("test.explode", explode, events=["lead.updated"])
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            Lead.objects.filter(pk=lead.pk).update(company_name="Also rolled back")
            events.publish("lead.updated", "lead", lead, actor=admin_user)
    finally:
        events._subscriptions.pop("test.explode")
    lead.refresh_from_db()
    assert (lead.last_name, lead.company_name) == ("Kept", "")


def test_representation_is_built_once_per_event(admin_user, recorder, monkeypatch):
    WebhookSubscription.objects.create(url="https://a.example/hook", events=["lead.updated"])
    WebhookSubscription.objects.create(url="https://b.example/hook", events=["lead.updated"])
    lead = lead_create(actor=admin_user, data={"last_name": "Once"}).obj
    calls = []
    real = representation.represent

    def counting(record_type, obj, extras=None):
        calls.append(obj.pk)
        return real(record_type, obj, extras)

    monkeypatch.setattr(events, "represent", counting)
    with transaction.atomic():
        event = events.publish("lead.updated", "lead", lead, actor=admin_user, extra={"why": 7})
    assert calls == [lead.pk]  # two deliveries and the recorder read it
    bodies = [json.loads(d.body) for d in WebhookDelivery.objects.order_by("subscription_id")]
    assert len(bodies) == 2 and bodies[0]["id"] != bodies[1]["id"]
    assert bodies[0]["data"] == bodies[1]["data"] == event.data
    assert event.data["why"] == 7 and event.data["last_name"] == "Once"
    assert recorder == [event]


def test_webhook_data_is_the_api_representation(admin_user, admin_api):
    WebhookSubscription.objects.create(url="https://a.example/hook", events=["lead.created"])
    r = admin_api.post("/api/leads", {"last_name": "Same", "email": "same@example.cz"})
    assert r.status_code == 201, r.content
    [delivery] = WebhookDelivery.objects.all()
    data = json.loads(delivery.body)["data"]
    shown = admin_api.get(f"/api/leads/{r.json()['id']}").json()
    # The API's schema writes times to the millisecond with a Z; the same moments.
    for when in ("created_at", "updated_at"):
        assert abs(moment(data.pop(when)) - moment(shown.pop(when))) < dt.timedelta(seconds=0.001)
    assert data == shown
    assert data["converted_records"] == [] and data["is_converted"] is False


def test_listened_follows_the_webhook_subscriptions(admin_user):
    assert not events.listened("lead.deleted")  # only webhooks take it: none is active
    assert events.listened("lead.created")  # the task templates' subscriber always may
    WebhookSubscription.objects.create(url="https://a.example/hook", events=["lead.deleted"])
    assert events.listened("lead.deleted")
