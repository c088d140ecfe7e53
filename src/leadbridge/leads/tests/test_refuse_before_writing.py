"""Refusals come before the first write: a lead moved to a converted status asks for a
conversion plan before anything is written (it used to save the other fields first and roll
them back); a wrong field is still reported first; the conversion preview locks nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadbridge.core.errors import Conflict, ValidationFailed
from leadbridge.core.runtime_settings import set_setting
from leadbridge.core.tests.helpers import writes
from leadbridge.history.models import HistoryEvent
from leadbridge.leads.models import Lead, LeadStatus
from leadbridge.leads.services import lead_change_status, lead_update


@pytest.fixture
def converted_status(db):
    return LeadStatus.objects.filter(kind=LeadStatus.Kind.CONVERTED).order_by("order").first()


def events(lead: Lead) -> int:
    return HistoryEvent.objects.filter(record_type="lead", record_id=lead.pk).count()


def test_a_move_that_needs_a_plan_is_refused_before_any_write(
    admin_user, make_lead, converted_status
):
    set_setting(actor=admin_user, key="conversion.on_status", value="ask")
    lead = make_lead(last_name="Open", city="Praha")
    before = events(lead)
    with CaptureQueriesContext(connection) as captured, pytest.raises(Conflict) as caught:
        lead_update(
            actor=admin_user,
            pk=lead.pk,
            data={"city": "Brno", "status_id": converted_status.pk},
            version=lead.version,
        )
    assert caught.value.code == "plan_required"
    assert writes(captured.captured_queries) == []  # refused, not written and rolled back
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.city, stored.status_id, stored.version) == ("Praha", lead.status_id, 1)
    assert events(lead) == before
    # The status bar's path refuses the same way.
    with CaptureQueriesContext(connection) as captured, pytest.raises(Conflict) as caught:
        lead_change_status(actor=admin_user, pk=lead.pk, status_id=converted_status.pk)
    assert caught.value.code == "plan_required"
    assert writes(captured.captured_queries) == []


def test_a_wrong_field_is_reported_before_the_plan_is_asked_for(
    admin_user, make_lead, converted_status
):
    set_setting(actor=admin_user, key="conversion.on_status", value="ask")
    lead = make_lead(last_name="Open")
    with pytest.raises(ValidationFailed) as caught:
        lead_update(
            actor=admin_user,
            pk=lead.pk,
            data={"no_such_field": 1, "status_id": converted_status.pk},
        )
    assert [e.field for e in caught.value.errors] == ["no_such_field"]


def test_with_the_default_plan_the_update_saves_the_fields_and_converts(
    admin_user, make_lead, converted_status
):
    set_setting(actor=admin_user, key="conversion.on_status", value="default_plan")
    lead = make_lead(last_name="Moved", company_name="Přesun s.r.o.")
    saved = lead_update(
        actor=admin_user,
        pk=lead.pk,
        data={"city": "Brno", "status_id": converted_status.pk},
        version=lead.version,
    )
    assert ("status_id", lead.status_id, converted_status.pk) in saved.changes
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.city, stored.status_id, stored.is_converted) == (
        "Brno",
        converted_status.pk,
        True,
    )


def test_the_conversion_preview_takes_no_lock_of_any_kind(admin_user, make_lead):
    """Each render of the wizard previews: it must neither wait for nor hold up a writer (no
    row lock, no advisory lock — PostgreSQL shows both in the SQL)."""
    from leadbridge.leads import conversion

    lead = make_lead(last_name="Preview", company_name="Náhled s.r.o.", email="p@example.com")
    plan = conversion.plan_from_dict({"deal": {"mode": "new"}, "on_duplicate": "reject"})
    with CaptureQueriesContext(connection) as captured:
        conversion.lead_convert_preview(actor=admin_user, lead_id=lead.pk, plan=plan)
    sql = [q["sql"].upper() for q in captured.captured_queries]
    assert not [s for s in sql if "FOR UPDATE" in s or "ADVISORY" in s]
    assert writes(captured.captured_queries) == []


@pytest.mark.parametrize("path", ["update", "change_status"])
def test_a_status_change_that_converts_locks_the_lead_once(
    path, admin_user, make_lead, converted_status, lock_calls
):
    """The conversion works on the row the status change locked (not locked a second time)."""
    set_setting(actor=admin_user, key="conversion.on_status", value="default_plan")
    lead = make_lead(last_name="Once", company_name="Jednou s.r.o.")
    if path == "update":
        lead_update(actor=admin_user, pk=lead.pk, data={"status_id": converted_status.pk})
    else:
        lead_change_status(actor=admin_user, pk=lead.pk, status_id=converted_status.pk)
    assert lock_calls.count(Lead) == 1
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.is_converted, stored.status_id) == (True, converted_status.pk)
