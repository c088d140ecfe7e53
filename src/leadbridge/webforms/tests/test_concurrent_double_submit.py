"""A double submit whose two posts overlap makes one lead (PostgreSQL: the second post
waits on the idempotency key's unique index until the first commits, then answers the
stored thank-you)."""

import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from leadbridge.leads.models import Lead, LeadStatus
from leadbridge.webforms import views
from leadbridge.webforms.models import WebFormSubmission
from leadbridge.webforms.services import webform_save


@pytest.mark.django_db(transaction=True)
def test_overlapping_double_submit_makes_one_lead(admin_user, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time")
    # An earlier transactional test may have flushed the statuses the migrations seed.
    LeadStatus.objects.get_or_create(name="Race new", defaults={"kind": "open"})
    form = webform_save(
        actor=admin_user,
        data={"name": "Race", "min_fill_seconds": 0, "fields": ["last_name", "email"]},
    )
    real = views.webform_submit

    def slow_submit(**kwargs):
        answer = real(**kwargs)
        time.sleep(0.5)  # the lead is written, not committed: the twin post arrives now
        return answer

    monkeypatch.setattr(views, "webform_submit", slow_submit)
    body = json.dumps({"last_name": "Twin", "email": "twin@example.com"})
    answers: list = []

    def post():
        r = Client().post(
            f"/f/{form.key}",
            body,
            content_type="application/json",
            headers={"Idempotency-Key": "k1"},
        )
        answers.append((r.status_code, r.json()))
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
        time.sleep(0.1)
    for t in threads:
        t.join()
    assert [a[0] for a in answers] == [201, 201] and answers[0][1] == answers[1][1]
    assert Lead.objects.filter(last_name="Twin").count() == 1
    assert WebFormSubmission.objects.count() == 1
