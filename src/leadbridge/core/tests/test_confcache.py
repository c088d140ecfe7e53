"""The per-process settings cache (core/confcache.py): every way of changing a cached table
changes the generation, a changed or rolled-back setting is never served from the cache,
and the web form path sees settings changed after its cache was filled."""

import json

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from leadbridge.activities.models import ActivityLink
from leadbridge.automation.models import (
    AssignmentRule,
    TaskTemplate,
    WebhookDelivery,
    WebhookSubscription,
)
from leadbridge.core import confcache
from leadbridge.customfields.models import CustomFieldDefinition, RequiredField
from leadbridge.leads.models import Lead, LeadSource, LeadStatus
from leadbridge.people.models import User
from leadbridge.people.services import system_actor
from leadbridge.webforms.services import webform_save

pytestmark = pytest.mark.django_db


def gen():
    return confcache.generation()


CHANGES = {
    "status": lambda: LeadStatus.objects.create(name="Cache test", order=99),
    "status bulk update": lambda: LeadStatus.objects.update(color="#123456"),
    "source": lambda: LeadSource.objects.create(name="Cache test"),
    "custom field": lambda: CustomFieldDefinition.objects.create(
        record_type="lead", key="cache_test", label="Cache test"
    ),
    "required field": lambda: RequiredField.objects.create(record_type="lead", field="phone"),
    "assignment rule": lambda: AssignmentRule.objects.create(name="r", channel="any"),
    "webhook": lambda: WebhookSubscription.objects.create(url="https://example.com/h"),
    "task template": lambda: TaskTemplate.objects.create(subject="Call"),
    "template status link": lambda: TaskTemplate.objects.create(subject="x").statuses.add(
        LeadStatus.objects.first()
    ),
    "system user": lambda: system_actor("cache-test"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_each_cached_table_changes_the_generation(change):
    before = gen()
    assert before is not None  # the migration made the row
    CHANGES[change]()
    assert gen() != before


def test_raw_sql_and_deletes_change_it_too():
    status = LeadStatus.objects.create(name="Raw", order=98)
    before = gen()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE leads_leadstatus SET name = 'Raw 2' WHERE id = %s", [status.pk])
    assert gen() != before
    before = gen()
    LeadStatus.objects.filter(pk=status.pk).delete()
    assert gen() != before


def test_other_users_do_not_change_it():
    before = gen()
    user = User.objects.create_user("plain", password="x-Secret-123")
    user.first_name = "Plain"
    user.save()
    assert gen() == before


def test_cached_until_the_settings_change():
    loads = []

    def load():
        loads.append(1)
        return tuple(LeadSource.objects.values_list("name", flat=True))

    first = confcache.cached("test.sources", load)
    assert confcache.cached("test.sources", load) == first and len(loads) == 1
    LeadSource.objects.create(name="New source")
    assert "New source" in confcache.cached("test.sources", load) and len(loads) == 2


def test_a_rolled_back_change_is_not_served():
    def load():
        return tuple(LeadSource.objects.values_list("name", flat=True))

    confcache.cached("test.sources", load)
    with pytest.raises(RuntimeError), transaction.atomic():
        LeadSource.objects.create(name="Rolled back")
        assert "Rolled back" in confcache.cached("test.sources", load)
        raise RuntimeError
    assert "Rolled back" not in confcache.cached("test.sources", load)


def test_pinned_work_does_not_store_its_own_uncommitted_settings():
    def load():
        return tuple(LeadSource.objects.values_list("name", flat=True))

    pinned = gen()
    with pytest.raises(RuntimeError), transaction.atomic(), confcache.pinned(pinned):
        LeadSource.objects.create(name="Mine")
        assert "Mine" in confcache.cached("test.sources.pinned", load)
        raise RuntimeError
    with confcache.pinned(pinned):
        assert "Mine" not in confcache.cached("test.sources.pinned", load)


@pytest.fixture
def form(admin_user):
    return webform_save(
        actor=admin_user,
        data={"name": "Cache", "min_fill_seconds": 0, "fields": ["last_name", "email"]},
    )


def submit(form, name):
    r = Client().post(
        f"/f/{form.key}",
        json.dumps({"last_name": name, "email": f"{name.lower()}@example.com"}),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    return Lead.objects.get(last_name=name)


def test_web_form_sees_settings_added_after_its_cache_was_filled(form, admin_user):
    submit(form, "Before")  # fills the cache: no webhooks, rules or templates
    WebhookSubscription.objects.create(url="https://example.com/h", events=["lead.created"])
    AssignmentRule.objects.create(name="All to admin", channel="webform", user=admin_user)
    LeadStatus.objects.update(order=F("order") + 1)
    status = LeadStatus.objects.create(name="First", order=0, kind="open")  # the new default
    template = TaskTemplate.objects.create(subject="Call them")
    template.statuses.add(status)
    lead = submit(form, "After")
    assert WebhookDelivery.objects.filter(record_id=lead.pk, event="lead.created").exists()
    assert lead.owner_id == admin_user.pk
    assert lead.status_id == status.pk
    assert ActivityLink.objects.filter(
        record_type="lead", record_id=lead.pk, activity__subject="Call them"
    ).exists()


def test_a_submission_reads_no_settings_table_when_they_did_not_change(form):
    submit(form, "Warm")  # makes the form's system user: a change, nothing stored yet
    submit(form, "Warmer")
    with CaptureQueriesContext(connection) as queries:
        submit(form, "Counted")
    tables = [
        q["sql"].split(" FROM ")[1].split()[0]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and " FROM " in q["sql"]
    ]
    for table in (
        "leads_leadstatus",
        "customfields_",
        "automation_assignmentrule",
        "automation_webhooksubscription",
        "automation_tasktemplate",
        '"people_user"',
    ):
        assert not [t for t in tables if t.strip('"').startswith(table.strip('"'))], tables
    # All or nothing in one transaction (a savepoint here, inside the test's transaction),
    # without savepoints of its own.
    assert len([q for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]) == 1
