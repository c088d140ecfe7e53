"""Issue 19 item 15b: undoing an import or a merge tells webhook subscribers, as the single
deletes and updates do (they kept leads an undo had deleted)."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from leadbridge.automation.models import WebhookDelivery, WebhookSubscription
from leadbridge.duplicates.merge import merge_undo, record_merge
from leadbridge.imports import jobs as imports
from leadbridge.imports.tests.files import csv_bytes
from leadbridge.imports.tests.test_import_services import run, upload
from leadbridge.leads.models import Lead

pytestmark = pytest.mark.django_db
EVENTS = ["lead.created", "lead.updated", "lead.deleted", "lead.merged"]


@pytest.fixture(autouse=True)
def subscriber():
    cache.clear()  # the subscriptions are cached per settings generation
    yield WebhookSubscription.objects.create(url="http://127.0.0.1:9/hook", events=EVENTS)
    cache.clear()


def deliveries(since: int = 0) -> list[tuple[str, int, dict]]:
    return [
        (d.event, d.record_id, json.loads(d.body)["data"])
        for d in WebhookDelivery.objects.order_by("created_at", "event", "record_id")
    ][since:]


def test_import_undo_emits_deleted_and_updated(admin_user, make_lead):
    old = make_lead(last_name="Novák", email="jan@firma.cz", city="Brno")
    rows = [
        ["E-mail", "Město", "Příjmení"],
        ["jan@firma.cz", "Praha", ""],
        ["nova@firma.cz", "Ostrava", "Nová"],
        ["novy@firma.cz", "Olomouc", "Nový"],
    ]
    job = run(
        admin_user, upload(admin_user, csv_bytes(rows), on_duplicate="overwrite", match_on="email")
    )
    assert (job.rows_updated, job.rows_created) == (1, 2)
    created = sorted(Lead.objects.exclude(pk=old.pk).values_list("pk", flat=True))
    before = len(deliveries())
    imports.import_undo(actor=admin_user, job_id=job.pk)
    undone = deliveries(before)
    assert sorted((event, pk) for event, pk, _data in undone) == sorted(
        [("lead.updated", old.pk)] + [("lead.deleted", pk) for pk in created]
    )
    assert all(data["import_undo"] == job.pk for _e, _pk, data in undone)
    [updated] = [data for event, _pk, data in undone if event == "lead.updated"]
    assert updated["city"] == "Brno"


def test_import_undo_without_subscribers_emits_nothing(admin_user, subscriber):
    subscriber.delete()
    cache.clear()
    job = run(admin_user, upload(admin_user, csv_bytes([["Příjmení"], ["Nová"]])))
    imports.import_undo(actor=admin_user, job_id=job.pk)
    assert not WebhookDelivery.objects.exists()
    assert not Lead.objects.alive().exists()


def test_merge_undo_emits_updated_for_every_record(admin_user, make_lead):
    a = make_lead(last_name="Nováková", email="eva@firma.cz", city="Brno")
    b = make_lead(last_name="Novakova", email="eva@firma.cz", city="Praha")
    merge = record_merge(
        actor=admin_user, record_type="lead", survivor_id=a.pk, ids=[a.pk, b.pk], choices={}
    )
    before = len(deliveries())
    merge_undo(actor=admin_user, merge_id=merge.pk)
    undone = deliveries(before)
    assert sorted((event, pk) for event, pk, _data in undone) == [
        ("lead.updated", a.pk),
        ("lead.updated", b.pk),
    ]
    assert all(data["merge_undo"] == merge.pk for _e, _pk, data in undone)
    by_id = {pk: data for _e, pk, data in undone}
    assert by_id[b.pk]["last_name"] == "Novakova" and by_id[b.pk]["city"] == "Praha"
