"""A document's status change, its marking as sent and a pro-forma made of a quote return a
`Saved` like every other write (the changes in it), and a refused status change writes
nothing (issue 20)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from leadbridge.core.errors import Conflict
from leadbridge.core.record_services import Saved
from leadbridge.core.tests.helpers import writes
from leadbridge.documents.models import Document
from leadbridge.documents.services import (
    document_change_status,
    document_create,
    document_create_proforma,
    document_mark_sent,
)
from leadbridge.history.models import HistoryEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def quote(admin_user, client_record, company):
    return document_create(
        actor=admin_user,
        data={
            "kind": "quote",
            "record_type": "client",
            "record_id": client_record.pk,
            "currency": "CZK",
            "lines": [{"description": "Licence", "unit_price": "1000", "vat_rate": "21"}],
        },
    ).obj


def events_of(document: Document) -> int:
    return HistoryEvent.objects.filter(record_type="document", record_id=document.pk).count()


def test_a_status_change_returns_saved_with_its_change(admin_user, quote):
    saved = document_change_status(
        actor=admin_user, pk=quote.pk, status="sent", version=quote.version
    )
    assert isinstance(saved, Saved) and saved.obj.status == "sent"
    assert saved.changes == [("status", "draft", "sent")]
    assert saved.obj.version == quote.version + 1
    # The status it has already: nothing changes, nothing is written.
    events = events_of(quote)
    with CaptureQueriesContext(connection) as captured:
        same = document_change_status(
            actor=admin_user, pk=quote.pk, status="sent", version=saved.obj.version
        )
    assert same.changes == [] and same.obj.version == saved.obj.version
    assert writes(captured.captured_queries) == []
    assert events_of(quote) == events


def test_a_refused_status_change_writes_nothing(admin_user, quote):
    events = events_of(quote)
    for status, version, code in (
        ("sent", quote.version + 3, "stale_version"),
        ("accepted", quote.version, "bad_transition"),  # a draft is sent first
    ):
        with CaptureQueriesContext(connection) as captured, pytest.raises(Conflict) as caught:
            document_change_status(actor=admin_user, pk=quote.pk, status=status, version=version)
        assert caught.value.code == code
        assert writes(captured.captured_queries) == []
    stored = Document.objects.get(pk=quote.pk)
    assert (stored.status, stored.version) == ("draft", quote.version)
    assert events_of(quote) == events


def test_an_update_reports_its_status_change_too(admin_user, quote):
    from leadbridge.documents.services import document_update

    saved = document_update(
        actor=admin_user,
        pk=quote.pk,
        data={"notes": "Thanks", "status": "sent"},
        version=quote.version,
    )
    assert saved.changes == [("notes", "", "Thanks"), ("status", "draft", "sent")]


def test_marking_sent_returns_saved_and_takes_the_callers_lock(admin_user, quote, lock_calls):
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=quote.pk)
        first = document_mark_sent(actor=admin_user, document=locked)
    assert isinstance(first, Saved) and first.changes == [("status", "draft", "sent")]
    assert lock_calls.count(Document) == 1  # the caller's; not locked a second time
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=quote.pk)
        sent_at = locked.sent_at
        again = document_mark_sent(actor=admin_user, document=locked)
    [(name, old, new)] = again.changes
    assert (name, old) == ("sent_at", sent_at) and new > sent_at
    assert again.obj.version == first.obj.version + 1


def test_a_proforma_is_returned_as_saved(admin_user, quote):
    with pytest.raises(Conflict):  # a draft quote
        document_create_proforma(actor=admin_user, pk=quote.pk)
    document_change_status(actor=admin_user, pk=quote.pk, status="sent", version=quote.version)
    saved = document_create_proforma(actor=admin_user, pk=quote.pk)
    assert isinstance(saved, Saved)
    assert saved.obj.kind == "proforma" and saved.obj.source_document_id == quote.pk
    assert Document.objects.get(pk=quote.pk).status == "accepted"
