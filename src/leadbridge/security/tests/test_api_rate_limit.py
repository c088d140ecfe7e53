"""API rate limit per token: 429 with Retry-After and the usual error body; token use audited."""

import pytest
from django.test import override_settings

from leadbridge.conftest import api_for
from leadbridge.security.models import AuditEvent

pytestmark = pytest.mark.django_db


@override_settings(API_RATE_LIMIT="3/m")
def test_429_with_retry_after_per_token(admin_user):
    api = api_for(admin_user)
    for _ in range(3):
        assert api.get("/api/leads").status_code == 200
    response = api.get("/api/leads")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["code"] == "throttled" and body["errors"] == [] and body["detail"]
    # Another token of the same user has its own budget.
    assert api_for(admin_user).get("/api/leads").status_code == 200
    assert AuditEvent.objects.filter(kind="api_throttled").count() == 1


@override_settings(API_RATE_LIMIT="2/m")
def test_writes_count_too(admin_api):
    admin_api.post("/api/leads", {"last_name": "A"})
    admin_api.post("/api/leads", {"last_name": "B"})
    assert admin_api.post("/api/leads", {"last_name": "C"}).status_code == 429


@pytest.mark.parametrize("off", ["off", "0"])
def test_the_limit_can_be_switched_off(admin_api, settings, off):
    """The same token, over a small limit, is refused; with the limit off it is not, for
    more requests than the small limit let through (the counter is still over)."""
    settings.API_RATE_LIMIT = "3/m"
    assert [admin_api.get("/api/leads").status_code for _ in range(4)] == [200, 200, 200, 429]
    settings.API_RATE_LIMIT = off
    assert [admin_api.get("/api/leads").status_code for _ in range(10)] == [200] * 10


def test_token_use_is_audited_once_a_minute(admin_user):
    api = api_for(admin_user)
    api.get("/api/leads")
    api.get("/api/leads")
    events = AuditEvent.objects.filter(kind="token_used")
    assert events.count() == 1
    assert events.get().user_id == admin_user.pk and events.get().token_id is not None
