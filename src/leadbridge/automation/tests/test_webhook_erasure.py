"""GDPR erasure reaches webhook delivery bodies and the delivery log."""

import pytest

from leadbridge.automation.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from leadbridge.privacy.tests.test_erasure import EMAIL, FIRST, LAST, dump_text, traces

pytestmark = pytest.mark.django_db


def test_erasure_reaches_webhook_deliveries(admin_api):
    WebhookSubscription.objects.create(url="http://127.0.0.1:9/hook", events=["lead.created"])
    lead = admin_api.post(
        "/api/leads", {"first_name": FIRST, "last_name": LAST, "email": EMAIL}
    ).json()
    delivery = WebhookDelivery.objects.get(record_type="lead", record_id=lead["id"])
    assert EMAIL in delivery.body
    WebhookAttempt.objects.create(
        delivery=delivery, status_code=400, response_excerpt=f"bad {EMAIL}"
    )
    r = admin_api.post(f"/api/privacy/lead/{lead['id']}/erase")
    assert r.status_code == 200, r.content
    assert r.json()["rows"]["webhook_deliveries"] >= 2
    assert traces(dump_text()) == []
