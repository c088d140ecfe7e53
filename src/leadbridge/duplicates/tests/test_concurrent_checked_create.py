"""Issue 19 item 15a: two concurrent creates of the same record make exactly one, whatever
`on_duplicate` acts on the match (PostgreSQL: the check and the create run in one
transaction holding advisory locks on the values' keys until the create commits, so the
second check sees the first record)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from leadbridge.clients.models import Client
from leadbridge.clients.services import client_create, client_update
from leadbridge.core.errors import Conflict
from leadbridge.duplicates import checks, intake


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("mode", "second"),
    [("reject", "duplicate"), ("skip", "skipped"), ("fill", "updated"), ("link", "linked")],
)
def test_two_concurrent_checked_creates_make_one_record(admin_user, monkeypatch, mode, second):
    if connection.vendor != "postgresql":
        pytest.skip("the advisory locks are PostgreSQL's; SQLite has one writer at a time")
    # Both checks meet here before either creates, as two overlapping requests can; with the
    # locks the second never gets here until the first has committed, and the first goes on
    # when the wait gives up.
    both_checked = threading.Barrier(2)
    real = intake.find_matches

    def find_then_meet(**kwargs):
        found = real(**kwargs)
        try:
            both_checked.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass
        return found

    monkeypatch.setattr(intake, "find_matches", find_then_meet)
    data = {"name": "Acme Twin s.r.o.", "email": "office@acme-twin.cz", "kind": "company"}
    outcomes: list[str] = []

    def create() -> None:
        try:
            got = intake.create_checked(
                actor=admin_user,
                record_type="client",
                data=dict(data),
                on_duplicate=mode,
                create=client_create,
                update=client_update,
            )
            outcomes.append(got.outcome)
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == sorted(["created", second])
    assert Client.objects.filter(email="office@acme-twin.cz").count() == 1


def test_lock_ids_are_stable_signed_64_bit():
    ids = [checks._lock_id(k) for k in ("e:a@b.cz", "e:a@b.cz", "p:+420601000000")]
    assert ids[0] == ids[1] != ids[2]
    assert all(-(2**63) <= i < 2**63 for i in ids)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", ["skip", "fill", "link"])
def test_two_concurrent_conversions_into_one_company_make_one_client(
    baseline_data, admin_user, make_lead, monkeypatch, mode
):
    """The conversion checks and creates its client in one transaction under the same key
    locks: two leads of one company converted at once end at one client."""
    if connection.vendor != "postgresql":
        pytest.skip("the advisory locks are PostgreSQL's; SQLite has one writer at a time")
    from leadbridge.leads import conversion

    both_checked = threading.Barrier(2)
    real = conversion.find_matches

    def find_then_meet(**kwargs):
        found = real(**kwargs)
        if kwargs.get("record_type") == "client":
            try:
                both_checked.wait(timeout=3)
            except threading.BrokenBarrierError:
                pass
        return found

    monkeypatch.setattr(conversion, "find_matches", find_then_meet)
    company = {"company_name": "Twin Porost s.r.o.", "registration_number": "87654321"}
    leads = [make_lead(last_name=f"Twin {n}", **company) for n in range(2)]
    errors: list[Exception] = []

    def convert(lead) -> None:
        try:
            conversion.lead_convert(
                actor=admin_user,
                lead_id=lead.pk,
                plan=conversion.plan_from_dict({"contact": {"mode": "none"}, "on_duplicate": mode}),
            )
        except Exception as exc:  # reported below, with the thread's view
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=convert, args=(lead,)) for lead in leads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Client.objects.filter(registration_number="87654321").count() == 1
