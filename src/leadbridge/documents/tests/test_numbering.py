"""Numbers: per kind and year from the configured pattern, never reused after a delete, and
unique under concurrent issues (PostgreSQL: the series row is locked while a number is
taken; without the lock the two threads would read the same last number)."""

import threading
import time

import pytest
from django.db import connection

from leadbridge.documents import services
from leadbridge.documents.company import clean_pattern, format_number
from leadbridge.documents.models import Document, NumberSeries
from leadbridge.documents.services import document_create, document_delete


def issue(actor, record, kind="quote", **extra):
    return document_create(
        actor=actor,
        data={
            "kind": kind,
            "record_type": "client",
            "record_id": record.pk,
            "currency": "CZK",
            "lines": [
                {"description": "Práce", "quantity": "1", "unit_price": "100", "vat_rate": "21"}
            ],
            **extra,
        },  # fmt: skip
    ).obj


@pytest.mark.django_db
def test_numbers_per_kind_and_year_and_never_reused(admin_user, client_record, company):
    q1 = issue(admin_user, client_record, issue_date="2026-03-01")
    q2 = issue(admin_user, client_record, issue_date="2026-03-02")
    p1 = issue(admin_user, client_record, kind="proforma", issue_date="2026-03-02")
    old = issue(admin_user, client_record, issue_date="2025-12-31")
    assert [q1.number, q2.number, p1.number, old.number] == [
        "NAB-2026-0001", "NAB-2026-0002", "ZF-2026-0001", "NAB-2025-0001",
    ]  # fmt: skip
    assert p1.variable_symbol == "20260001" and q1.variable_symbol == ""
    document_delete(actor=admin_user, pk=q2.pk, version=q2.version)
    q3 = issue(admin_user, client_record, issue_date="2026-04-01")
    assert q3.number == "NAB-2026-0003"  # 0002 stays taken by the deleted quote


@pytest.mark.django_db
def test_pattern_setting_and_its_validation(admin_user, admin_api, client_record, company):
    r = admin_api.patch("/api/settings/documents", {"quote_pattern": "Q{yy}/{seq:05d}"})
    assert r.status_code == 200, r.content
    assert issue(admin_user, client_record, issue_date="2026-01-05").number == "Q26/00001"
    bad = admin_api.patch("/api/settings/documents", {"quote_pattern": "Q-{year}"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "pattern"
    assert admin_api.get("/api/settings/documents").json()["quote_pattern"] == "Q{yy}/{seq:05d}"
    assert format_number("ZF-{year}-{seq:04d}", year=2026, seq=12) == "ZF-2026-0012"
    for wrong in ("{seq}{other}", "{seq:zz}", "", "X" * 60 + "{seq}"):
        with pytest.raises(Exception):  # noqa: B017 - ValidationFailed, at `pattern`
            clean_pattern(wrong)


@pytest.mark.django_db
def test_a_number_typed_in_before_is_skipped(admin_user, client_record, company):
    first = issue(admin_user, client_record, issue_date="2026-05-01")
    Document.objects.filter(pk=first.pk).update(number="NAB-2026-0002")  # e.g. an old import
    assert issue(admin_user, client_record, issue_date="2026-05-02").number == "NAB-2026-0003"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_issuers_never_share_a_number(admin_user, client_record, company,
                                                      monkeypatch):  # fmt: skip
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time")
    real = services._write_lines

    def slow_lines(document, lines):
        time.sleep(0.05)  # the number is taken and the series row locked: the other waits
        return real(document, lines)

    monkeypatch.setattr(services, "_write_lines", slow_lines)
    start = threading.Barrier(2)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def worker():
        try:
            start.wait()
            for _ in range(5):
                numbers.append(issue(admin_user, client_record, issue_date="2026-06-01").number)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == [f"NAB-2026-{n:04d}" for n in range(1, 11)]
    assert NumberSeries.objects.get(kind="quote", year=2026).last_number == 10
