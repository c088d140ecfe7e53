"""The capture and automation settings pages."""

import pytest
from django.test import Client

from leadbridge.automation.models import TaskTemplate, WebhookSubscription
from leadbridge.leads.models import LeadStatus
from leadbridge.webforms.models import WebForm

pytestmark = pytest.mark.django_db


def test_pages_need_an_administrator(users):
    client = Client()
    client.force_login(users["manager_north"])
    assert client.get("/settings/automation/").status_code == 403


def test_create_webform_and_see_the_snippet(admin_web):
    r = admin_web.post(
        "/settings/automation/",
        {
            "action": "webform",
            "name": "Kontakt",
            "language": "cs",
            "fields": ["first_name", "email"],
            "required_fields": ["email"],
            "allowed_origins": "https://www.example.cz",
            "on_duplicate": "link",
            "min_fill_seconds": "3",
            "active": "on",
        },
    )
    assert r.status_code == 302
    form = WebForm.objects.get()
    assert form.allowed_origins == ["https://www.example.cz"] and form.active
    page = admin_web.get(f"/settings/automation/webforms/{form.pk}/")
    assert page.status_code == 200
    assert f"/f/{form.key}" in page.content.decode() and "&lt;iframe" in page.content.decode()
    r = admin_web.post(
        f"/settings/automation/webforms/{form.pk}/", {"name": "", "fields": ["email"]}
    )
    assert r.status_code == 422 and b"This field is required." in r.content


def test_webhook_template_and_rule_forms(admin_web, users):
    status = LeadStatus.objects.filter(kind="open").first()
    admin_web.post(
        "/settings/automation/",
        {"action": "webhook", "url": "https://hooks.example.com/x", "events": ["lead.created"]},
    )
    assert WebhookSubscription.objects.get().events == ["lead.created"]
    r = admin_web.post("/settings/automation/", {"action": "webhook", "url": "x", "events": []})
    assert r.status_code == 422 and b"errorlist" in r.content
    admin_web.post(
        "/settings/automation/",
        {"action": "template", "subject": "Call", "due_in_days": "2", "status_ids": [status.pk]},
    )
    assert list(TaskTemplate.objects.get().statuses.all()) == [status]
    r = admin_web.post("/settings/automation/", {"action": "rule", "name": "No target"})
    assert r.status_code == 422
    admin_web.post(
        "/settings/automation/",
        {"action": "rule", "name": "CZ", "country": "cz", "user_id": users["sales_north"].pk},
    )
    page = admin_web.get("/settings/automation/")
    assert page.status_code == 200 and b"hooks.example.com" in page.content
