"""The settings page's POST actions (automation/views.ACTIONS): each reads its form into the
same data the hand-parsed dispatcher handed its service, and runs that service once."""

from __future__ import annotations

import pytest

from leadbridge.automation import services, views, webhooks
from leadbridge.automation.models import WebhookSubscription
from leadbridge.webforms.models import WebForm

pytestmark = pytest.mark.django_db
URL = "/settings/automation/"


@pytest.fixture
def calls(monkeypatch):
    """Each service the page calls, recorded with its keyword arguments instead of run."""
    seen: list[tuple[str, dict]] = []

    def record(name):
        def fake(**kwargs):
            seen.append((name, kwargs))

        return fake

    for module, name in (
        (services, "task_template_save"),
        (services, "assignment_rule_save"),
        (webhooks, "webhook_save"),
        (webhooks, "webhook_redeliver"),
    ):
        monkeypatch.setattr(module, name, record(name))
    return seen


def test_the_template_and_rule_forms_hand_their_services_the_posted_data(admin_web, calls):
    r = admin_web.post(
        URL,
        {
            "action": "template",
            "subject": "  Call back  ",
            "body": " as is ",
            "due_in_days": "x",
            "user_id": "12",
            "team_id": "",
            "status_ids": ["3", "x", "5"],
        },
    )
    assert r.status_code == 302 and r["Location"].endswith("#template")
    admin_web.post(
        URL,
        {"action": "rule", "name": " CZ ", "order": "", "country": " cz", "source_id": "0"},
    )
    admin_web.post(URL, {"action": "webhook", "url": " u ", "events": ["a", "b"]})
    admin_web.post(URL, {"action": "redeliver"})
    admin_web.post(URL, {"action": "redeliver", "id": "abc"})
    assert [(name, kw["data"] if "data" in kw else kw) for name, kw in calls] == [
        (
            "task_template_save",
            {
                "subject": "Call back",
                "body": " as is ",
                "due_in_days": 0,
                "assignee": "owner",
                "user_id": 12,
                "team_id": None,
                "status_ids": [3, 5],
            },
        ),
        (
            "assignment_rule_save",
            {
                "name": "CZ",
                "order": 0,
                "channel": "any",
                "country": " cz",
                "source_id": 0,
                "user_id": None,
                "team_id": None,
            },
        ),
        ("webhook_save", {"url": " u ", "events": ["a", "b"], "description": ""}),
        ("webhook_redeliver", {"actor": calls[3][1]["actor"], "delivery_id": None}),
        ("webhook_redeliver", {"actor": calls[3][1]["actor"], "delivery_id": "abc"}),
    ]


def test_the_webform_form_reads_what_the_edit_page_reads(admin_web):
    post = {
        "action": "webform",
        "name": "  Kontakt ",
        "fields": ["email", "first_name"],
        "allowed_origins": "https://a.example, https://b.example\nhttps://c.example",
        "min_fill_seconds": "",
        "active": "yes",  # only "on" ticks it
        "consent_text": "\x00kept for the service",
    }
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in post.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    data = views.webform_data(query)
    assert data == {
        "name": "Kontakt",
        "language": "en",
        "fields": ["email", "first_name"],
        "required_fields": [],
        "consent_text": "\x00kept for the service",
        "source_id": None,
        "status_id": None,
        "pipeline_id": None,
        "owner_id": None,
        "team_id": None,
        "allowed_origins": ["https://a.example", "https://b.example", "https://c.example"],
        "thank_you_message": "",
        "redirect_url": "",
        "autoresponder_subject": "",
        "autoresponder_body": "",
        "on_duplicate": "link",
        "min_fill_seconds": 0,
        "active": False,
    }


def test_toggle_delete_and_unknown_actions(admin_web):
    sub = WebhookSubscription.objects.create(url="https://hooks.example.com/t", events=[])
    assert admin_web.post(URL, {"action": "webhook_toggle", "id": sub.pk}).status_code == 302
    sub.refresh_from_db()
    assert sub.active is False
    assert admin_web.post(URL, {"action": "webhook_toggle", "id": "999999"}).status_code == 404
    assert admin_web.post(URL, {"action": "webhook_toggle"}).status_code == 404
    r = admin_web.post(URL, {"action": "nonsense", "id": sub.pk})
    assert r.status_code == 302  # nothing to do: the page shows again
    assert admin_web.post(URL, {"id": sub.pk}).status_code == 302
    assert WebhookSubscription.objects.filter(pk=sub.pk, active=False).exists()
    assert admin_web.post(URL, {"action": "webhook_delete", "id": sub.pk}).status_code == 302
    assert not WebhookSubscription.objects.filter(pk=sub.pk).exists()
    assert not WebForm.objects.exists()
    assert set(views.ACTIONS) == {
        "webform",
        "webhook",
        "webhook_toggle",
        "webhook_delete",
        "redeliver",
        "template",
        "template_delete",
        "rule",
        "rule_delete",
    }
