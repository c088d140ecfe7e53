"""Every record type's update and delete take the same arguments, return a `Saved`, lock and
check the row once, and refuse before writing: a refused write leaves no history row, no
changed column and no new version, and sends no write to the database at all (issue 20)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadbridge.clients.services import (
    client_delete,
    client_update,
    contact_delete,
    contact_update,
)
from leadbridge.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from leadbridge.core.record_services import Saved
from leadbridge.core.registry import model_for
from leadbridge.core.tests.helpers import make_record, reads_of, writes
from leadbridge.deals.services import deal_delete, deal_update
from leadbridge.history.models import HistoryEvent
from leadbridge.leads.services import lead_delete, lead_update

TYPES = ("lead", "client", "contact", "deal")
UPDATE = {
    "lead": lead_update,
    "client": client_update,
    "contact": contact_update,
    "deal": deal_update,
}
DELETE = {
    "lead": lead_delete,
    "client": client_delete,
    "contact": contact_delete,
    "deal": deal_delete,
}


def history_of(record_type: str, pk: int) -> int:
    return HistoryEvent.objects.filter(record_type=record_type, record_id=pk).count()


def unchanged(record_type: str, obj, events: int) -> None:
    stored = model_for(record_type).objects.get(pk=obj.pk)
    assert (stored.description, stored.version, stored.deleted_at) == (
        obj.description,
        obj.version,
        None,
    )
    assert history_of(record_type, obj.pk) == events


@pytest.mark.parametrize("record_type", TYPES)
def test_an_update_locks_and_reads_the_row_once_and_returns_saved(
    record_type, admin_user, lock_calls
):
    obj = make_record(record_type, description="before")
    with CaptureQueriesContext(connection) as captured:
        saved = UPDATE[record_type](
            actor=admin_user, pk=obj.pk, data={"description": "after"}, version=obj.version
        )
    assert isinstance(saved, Saved)
    assert saved.changes == [("description", "before", "after")]
    assert saved.obj.version == obj.version + 1
    assert lock_calls.count(model_for(record_type)) == 1
    assert len(reads_of(captured.captured_queries, record_type, obj.pk)) == 1
    # Nothing to change: no write, no history row, no new version.
    events = history_of(record_type, obj.pk)
    with CaptureQueriesContext(connection) as captured:
        again = UPDATE[record_type](actor=admin_user, pk=obj.pk, data={"description": "after"})
    assert again.changes == [] and again.obj.version == obj.version + 1
    assert writes(captured.captured_queries) == []
    assert history_of(record_type, obj.pk) == events


@pytest.mark.parametrize("record_type", TYPES)
def test_a_delete_locks_the_row_once_and_returns_saved(record_type, admin_user, lock_calls):
    obj = make_record(record_type)
    saved = DELETE[record_type](actor=admin_user, pk=obj.pk, version=obj.version)
    assert isinstance(saved, Saved) and saved.obj.pk == obj.pk
    assert saved.obj.deleted_at is not None and saved.changes == []
    assert lock_calls.count(model_for(record_type)) == 1


@pytest.mark.parametrize("record_type", TYPES)
def test_a_stale_version_is_refused_before_writing(record_type, admin_user):
    obj = make_record(record_type, description="kept")
    events = history_of(record_type, obj.pk)
    for write, kwargs in (
        (UPDATE[record_type], {"data": {"description": "lost"}}),
        (DELETE[record_type], {}),
    ):
        with CaptureQueriesContext(connection) as captured, pytest.raises(Conflict) as caught:
            write(actor=admin_user, pk=obj.pk, version=obj.version + 5, **kwargs)
        assert caught.value.code == "stale_version"
        assert writes(captured.captured_queries) == []
        unchanged(record_type, obj, events)


@pytest.mark.parametrize("record_type", TYPES)
def test_an_invalid_value_is_refused_before_writing(record_type, admin_user):
    obj = make_record(record_type, description="kept")
    events = history_of(record_type, obj.pk)
    with CaptureQueriesContext(connection) as captured, pytest.raises(ValidationFailed):
        UPDATE[record_type](
            actor=admin_user, pk=obj.pk, data={"description": "lost", "no_such_field": 1}
        )
    assert writes(captured.captured_queries) == []
    unchanged(record_type, obj, events)


@pytest.mark.parametrize("record_type", TYPES)
def test_a_refused_placement_or_an_invisible_record_writes_nothing(record_type, users, teams):
    north, south = teams
    mine = users["sales_north"]
    obj = make_record(record_type, description="kept", owner_id=mine.pk, team_id=north.pk)
    events = history_of(record_type, obj.pk)
    # Handing one's record to another team: refused once the values are known.
    with CaptureQueriesContext(connection) as captured, pytest.raises(Forbidden):
        UPDATE[record_type](
            actor=mine,
            pk=obj.pk,
            data={
                "description": "lost",
                "owner_id": users["sales_south"].pk,
                "team_id": south.pk,
            },
        )
    assert writes(captured.captured_queries) == []
    unchanged(record_type, obj, events)
    # Someone of the other team does not see it: it answers as a missing one.
    for write, kwargs in (
        (UPDATE[record_type], {"data": {"description": "lost"}}),
        (DELETE[record_type], {}),
    ):
        with CaptureQueriesContext(connection) as captured, pytest.raises(NotFound):
            write(actor=users["sales_south"], pk=obj.pk, **kwargs)
        assert writes(captured.captured_queries) == []
        unchanged(record_type, obj, events)
