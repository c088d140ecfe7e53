"""The automation and web form settings over the API; "New e-mail"."""

import pytest

from leadbridge.automation.models import WebhookDelivery
from leadbridge.conftest import api_for
from leadbridge.leads.models import LeadStatus

from .helpers import Receiver, run_worker

pytestmark = pytest.mark.django_db


def test_webhook_crud_log_and_redeliver(admin_api, settings):
    settings.OUTBOUND_RETRY_BASE_SECONDS = 3600
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    with Receiver(answers=[500]) as receiver:
        r = admin_api.post("/api/webhooks", {"url": receiver.url, "events": ["lead.created"]})
        assert r.status_code == 201, r.content
        hook = r.json()
        assert len(hook["secret"]) >= 32
        assert admin_api.post("/api/leads", {"last_name": "A"}).status_code == 201
        run_worker()
        [delivery] = admin_api.get(f"/api/webhooks/{hook['id']}/deliveries").json()
        assert delivery["status"] == "pending" and delivery["attempts"] == 1
        detail = admin_api.get(f"/api/webhook-deliveries/{delivery['id']}").json()
        assert [a["status_code"] for a in detail["log"]] == [500]
        r = admin_api.post(f"/api/webhook-deliveries/{delivery['id']}/redeliver")
        assert r.status_code == 202
        run_worker()
    assert WebhookDelivery.objects.get().status == "delivered"
    r = admin_api.patch(f"/api/webhooks/{hook['id']}", {"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    r = admin_api.post("/api/webhooks", {"url": "http://x", "events": ["lead.nope"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "events"
    assert admin_api.delete(f"/api/webhooks/{hook['id']}").status_code == 204


def test_settings_are_for_administrators(users):
    api = api_for(users["manager_north"])
    for path in ("/api/webhooks", "/api/task-templates", "/api/assignment-rules", "/api/webforms"):
        assert api.get(path).status_code == 403, path
    r = api.post("/api/webhooks", {"url": "http://x", "events": ["lead.created"]})
    assert r.status_code == 403


def test_task_templates_and_rules(admin_api, users):
    status = LeadStatus.objects.filter(kind="open").order_by("order", "id")[1]
    r = admin_api.post(
        "/api/task-templates",
        {"subject": "First call", "due_in_days": 1, "status_ids": [status.pk]},
    )
    assert r.status_code == 201 and r.json()["status_ids"] == [status.pk]
    r = admin_api.post("/api/task-templates", {"subject": "X", "assignee": "round_robin"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "team_id"
    r = admin_api.post(
        "/api/assignment-rules",
        {"name": "CZ", "country": "cz", "user_id": users["sales_north"].pk},
    )
    assert r.status_code == 201 and r.json()["country"] == "CZ"
    assert admin_api.post("/api/assignment-rules", {"name": "none"}).status_code == 422


def test_webform_api_with_embed_snippet(admin_api):
    r = admin_api.post(
        "/api/webforms",
        {
            "name": "Contact",
            "fields": ["first_name", "email"],
            "required_fields": ["email"],
            "allowed_origins": ["https://www.example.cz/"],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["allowed_origins"] == ["https://www.example.cz"]
    assert f"/f/{body['key']}" in body["embed_html"] and "_lb_hp" in body["embed_html"]
    assert "<iframe" in body["embed_fallback"]
    r = admin_api.post("/api/webforms", {"name": "Bad", "fields": ["owner_id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "fields"
    r = admin_api.patch(f"/api/webforms/{body['id']}", {"autoresponder_body": "{% if %}"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "autoresponder_body"


def test_new_email_api(admin_api, make_lead, users):
    lead = make_lead(last_name="A", email="a@x.cz")
    r = admin_api.post(
        "/api/emails",
        {"record_type": "lead", "record_id": lead.pk, "to": "a@x.cz", "subject": "Hello"},
    )
    assert r.status_code == 202 and r.json()["status"] == "queued"
    r = api_for(users["sales_south"]).post(
        "/api/emails",
        {"record_type": "lead", "record_id": lead.pk, "to": "a@x.cz", "subject": "Hello"},
    )
    assert r.status_code in (403, 404)
