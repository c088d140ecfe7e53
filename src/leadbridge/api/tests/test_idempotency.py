"""`Idempotency-Key`: a retried write gives the first answer without writing again; the key
is bound to the request, the user and the endpoint; a failed write leaves no key behind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from leadbridge.activities.models import Activity
from leadbridge.conftest import api_for, make_user
from leadbridge.core.models import IdempotencyRecord
from leadbridge.core.tests.helpers import assert_error
from leadbridge.history.models import HistoryEvent
from leadbridge.leads.models import Lead

KEY = {"Idempotency-Key": "a6d0c9e2-retry-1"}


def test_same_key_same_body_gives_the_same_answer_once(admin_api):
    body = {"last_name": "Nováková", "phone": "not a number"}
    first = admin_api.post("/api/leads", body, **KEY)
    again = admin_api.post("/api/leads", body, **KEY)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()  # warnings included
    assert first.json()["warnings"]
    assert Lead.objects.count() == 1
    assert HistoryEvent.objects.filter(kind="created").count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_same_key_different_body_is_refused(admin_api):
    assert admin_api.post("/api/leads", {"last_name": "A"}, **KEY).status_code == 201
    r = admin_api.post("/api/leads", {"last_name": "B"}, **KEY)
    assert_error(r, 422, code="idempotency_key_reused")
    assert list(Lead.objects.values_list("last_name", flat=True)) == ["A"]


def test_failed_write_leaves_no_key_so_a_corrected_retry_succeeds(admin_api):
    r = admin_api.post("/api/leads", {"last_name": "A", "email": "broken"}, **KEY)
    assert_error(r, 422, field="email")
    assert not IdempotencyRecord.objects.exists()
    r = admin_api.post("/api/leads", {"last_name": "A", "email": "a@firma.cz"}, **KEY)
    assert r.status_code == 201, r.content
    again = admin_api.post("/api/leads", {"last_name": "A", "email": "a@firma.cz"}, **KEY)
    assert again.json()["id"] == r.json()["id"]
    assert Lead.objects.count() == 1


def test_refused_write_leaves_no_key(users, make_lead, teams):
    api = api_for(users["sales_north"])
    assert_error(api.post("/api/leads", {"last_name": "A"}, **KEY), 403)
    assert not IdempotencyRecord.objects.exists()


def test_keys_are_per_user_and_per_endpoint(admin_api, teams):
    other = api_for(make_user("sales_manager", [teams[0]]))
    a = admin_api.post("/api/leads", {"last_name": "A"}, **KEY)
    b = other.post("/api/leads", {"last_name": "A"}, **KEY)
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]
    c = admin_api.post("/api/clients", {"name": "A"}, **KEY)
    assert c.status_code == 201
    assert Lead.objects.count() == 2


def test_patch_with_a_key_replays(admin_api, make_lead):
    lead = make_lead(city="Praha")
    url = f"/api/leads/{lead.pk}"
    first = admin_api.patch(url, {"city": "Brno", "version": 1}, **KEY)
    again = admin_api.patch(url, {"city": "Brno", "version": 1}, **KEY)  # no stale_version
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    lead.refresh_from_db()
    assert lead.version == 2
    assert HistoryEvent.objects.filter(record_id=lead.pk, kind="updated").count() == 1
    # The same key on another record's endpoint is a different request.
    other = make_lead()
    r = admin_api.patch(f"/api/leads/{other.pk}", {"city": "Brno", "version": 1}, **KEY)
    assert r.status_code == 200


def test_activity_create_with_a_key(admin_api, make_lead):
    lead = make_lead()
    body = {"record_type": "lead", "record_id": lead.pk, "type": "call"}
    first = admin_api.post("/api/activities", body, **KEY)
    again = admin_api.post("/api/activities", body, **KEY)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Activity.objects.count() == 1


def test_expired_key_runs_again(admin_api):
    first = admin_api.post("/api/leads", {"last_name": "A"}, **KEY)
    IdempotencyRecord.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    again = admin_api.post("/api/leads", {"last_name": "A"}, **KEY)
    assert again.status_code == 201 and again.json()["id"] != first.json()["id"]
    assert IdempotencyRecord.objects.count() == 1


def test_without_a_key_every_post_writes(admin_api):
    admin_api.post("/api/leads", {"last_name": "A"})
    admin_api.post("/api/leads", {"last_name": "A"})
    assert Lead.objects.count() == 2 and not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "   "])
def test_blank_keys(admin_api, key):
    r = admin_api.post("/api/leads", {"last_name": "A"}, **{"Idempotency-Key": key})
    # An empty header is no key; blanks are refused.
    if key:
        assert_error(r, 422, field="Idempotency-Key")
    else:
        assert r.status_code == 201
