"""A lead's update locks and checks the row once and refuses a converted lead before writing;
the import's upsert adds no lock of its own; the conversion preview locks nothing (issue 20)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadbridge.core.errors import Conflict
from leadbridge.duplicates import intake
from leadbridge.duplicates.intake import act_on_match
from leadbridge.duplicates.policy import OnDuplicate
from leadbridge.history.models import HistoryEvent
from leadbridge.imports import writer
from leadbridge.imports.checking import RowOutcome
from leadbridge.imports.tests.files import csv_bytes
from leadbridge.imports.tests.test_import_services import upload
from leadbridge.leads import conversion
from leadbridge.leads.models import Lead, LeadStatus
from leadbridge.leads.services import lead_update

LEAD_TABLE = Lead._meta.db_table


def reads_of(queries, pk: int) -> list[str]:
    """The statements that read the lead row `pk` itself (a lock or a plain read)."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith("SELECT")
        and f'FROM "{LEAD_TABLE}"' in q["sql"]
        and f'"{LEAD_TABLE}"."id" = {pk}' in q["sql"]
    ]


def writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE", "COPY"))
    ]


def test_an_update_locks_and_reads_the_lead_once(admin_user, make_lead, lock_calls):
    lead = make_lead(last_name="Once", email="once@example.com")
    with CaptureQueriesContext(connection) as captured:
        saved = lead_update(
            actor=admin_user, pk=lead.pk, data={"first_name": "Jana"}, version=lead.version
        )
    assert [c[0] for c in saved.changes] == ["first_name"] and saved.obj.version == lead.version + 1
    assert lock_calls.count(Lead) == 1
    assert len(reads_of(captured.captured_queries, lead.pk)) == 1
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.first_name, stored.version) == ("Jana", lead.version + 1)


def test_a_stale_version_is_refused_by_the_one_check(admin_user, make_lead):
    lead = make_lead(last_name="Stale")
    with pytest.raises(Conflict) as caught:
        lead_update(actor=admin_user, pk=lead.pk, data={"first_name": "X"}, version=99)
    assert caught.value.code == "stale_version"
    assert Lead.objects.get(pk=lead.pk).first_name == ""


def test_a_status_change_with_fields_still_lands_once(admin_user, make_lead):
    contacted = LeadStatus.objects.get(name="Contacted")
    lead = make_lead(last_name="Moved")
    old_status = lead.status_id
    saved = lead_update(
        actor=admin_user,
        pk=lead.pk,
        data={"first_name": "Eva", "status_id": contacted.pk},
        version=lead.version,
    )
    assert ("status_id", old_status, contacted.pk) in saved.changes
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.first_name, stored.status_id, stored.version) == (
        "Eva",
        contacted.pk,
        lead.version + 1,
    )


def test_a_converted_leads_update_is_refused_before_anything_is_written(admin_user, make_lead):
    converted = LeadStatus.objects.filter(kind=LeadStatus.Kind.CONVERTED).first()
    lead = make_lead(last_name="Done", status_id=converted.pk)
    assert lead.is_converted
    events = HistoryEvent.objects.filter(record_type="lead", record_id=lead.pk).count()
    with CaptureQueriesContext(connection) as captured, pytest.raises(Conflict) as caught:
        lead_update(actor=admin_user, pk=lead.pk, data={"last_name": "Changed"})
    assert caught.value.code == "lead_converted"
    assert [e.field for e in caught.value.errors] == ["last_name"]
    assert writes(captured.captured_queries) == []  # refused, not written and rolled back
    assert HistoryEvent.objects.filter(record_type="lead", record_id=lead.pk).count() == events
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.last_name, stored.version) == ("Done", lead.version)
    # What stays editable on a converted lead still saves.
    saved = lead_update(actor=admin_user, pk=lead.pk, data={"description": "Note"})
    assert [c[0] for c in saved.changes] == ["description"]


def test_the_imports_upsert_locks_the_lead_once_and_keeps_the_values_before(
    admin_user, make_lead, lock_calls
):
    from leadbridge.customfields.services import custom_field_create

    custom_field_create(
        actor=admin_user, record_type="lead", key="fleet", label="Fleet", type="number"
    )
    custom_field_create(
        actor=admin_user, record_type="lead", key="region", label="Region", type="text"
    )
    lead = make_lead(
        last_name="Stored",
        email="up@example.com",
        phone="+420777111222",
        custom_fields={"region": "Morava"},
    )
    job = upload(admin_user, csv_bytes([["E-mail"], ["up@example.com"]]))
    batch_writer = writer.BatchWriter(job, admin_user)
    outcome = RowOutcome(
        line=2,
        cells=[],
        data={
            "email": "up@example.com",
            "last_name": "Imported",
            "company_name": "",
            "custom_fields": {"fleet": "12", "region": "Čechy"},
        },
    )

    def overwrite():
        # The import's path: the pipeline decides the values, the writer's update keeps undo.
        return act_on_match(
            actor=admin_user,
            record_type="lead",
            pk=lead.pk,
            data=outcome.data,
            mode=OnDuplicate.OVERWRITE,
            update=batch_writer._update,
        )[1]

    with CaptureQueriesContext(connection) as captured:
        before = overwrite()
    assert lock_calls.count(Lead) == 1
    assert len(reads_of(captured.captured_queries, lead.pk)) == 1
    assert before == {"last_name": "Stored", "custom_fields": {"region": "Morava"}}
    stored = Lead.objects.get(pk=lead.pk)
    assert stored.last_name == "Imported"
    assert stored.custom_fields["region"] == "Čechy" and str(stored.custom_fields["fleet"]) in (
        "12",
        "12.0",
    )
    assert overwrite() is None  # nothing changes the second time


def test_the_conversion_preview_locks_nothing_and_the_conversion_locks_the_lead(
    admin_user, make_lead, lock_calls
):
    lead = make_lead(last_name="Preview", company_name="Náhled s.r.o.")
    plan = conversion.plan_from_dict({"deal": {"mode": "new"}})
    result = conversion.lead_convert_preview(actor=admin_user, lead_id=lead.pk, plan=plan)
    assert result["lead_id"] == lead.pk and result["client"]["mode"] == "new"
    assert lock_calls == []
    assert not Lead.objects.get(pk=lead.pk).is_converted
    conversion.lead_convert(
        actor=admin_user,
        lead_id=lead.pk,
        plan=conversion.plan_from_dict({"deal": {"mode": "new"}, "version": lead.version}),
    )
    assert Lead in lock_calls
    assert Lead.objects.get(pk=lead.pk).is_converted


def test_the_preview_of_a_missing_lead_is_not_found(admin_user):
    from leadbridge.core.errors import NotFound

    with pytest.raises(NotFound):
        conversion.lead_convert_preview(
            actor=admin_user, lead_id=987654, plan=conversion.plan_from_dict({})
        )


def test_a_fill_never_overwrites_a_field_filled_meanwhile(admin_user, make_lead, monkeypatch):
    """`fill` reads what is empty without a lock; the update's one lock checks the version
    read. A city a colleague saves between that read and the lock is kept: the stale
    version sends the fill back to read the lead again, and it fills only what is still
    empty."""
    lead = make_lead(first_name="Jana", last_name="Malá", email="jana@mala.cz")
    reads: list[int] = []

    class Leads:  # the model as the fill reads it, with a colleague saving after the first read
        class objects:  # noqa: N801
            @staticmethod
            def get(pk):
                read = Lead.objects.get(pk=pk)
                reads.append(read.version)
                if len(reads) == 1:
                    lead_update(actor=admin_user, pk=pk, data={"city": "Olomouc"}, version=None)
                return read

    monkeypatch.setattr(intake, "model_for", lambda record_type: Leads)
    outcome, saved = act_on_match(
        actor=admin_user,
        record_type="lead",
        pk=lead.pk,
        data={"city": "Znojmo", "phone": "+420603555111"},
        mode=OnDuplicate.FILL,
        update=lead_update,
    )
    lead.refresh_from_db()
    assert outcome == "updated" and (lead.city, lead.phone) == ("Olomouc", "+420603555111")
    assert reads == [reads[0], reads[0] + 1]  # read again after the stale version
    assert [k for k, _old, _new in saved.changes] == ["phone"]


def test_a_fill_locks_the_matched_record_once(admin_user, make_lead, lock_calls):
    lead = make_lead(first_name="Petr", last_name="Dlouhý", email="petr@dlouhy.cz")
    lock_calls.clear()
    act_on_match(
        actor=admin_user,
        record_type="lead",
        pk=lead.pk,
        data={"city": "Kolín"},
        mode=OnDuplicate.FILL,
        update=lead_update,
    )
    lead.refresh_from_db()
    assert lead.city == "Kolín" and lock_calls.count(Lead) == 1
