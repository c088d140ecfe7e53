"""Helpers shared by the test modules (not collected: no `test_` prefix)."""

from __future__ import annotations

import itertools

from leadbridge.core.registry import model_for

_seq = itertools.count(1)

PLURAL = {"lead": "leads", "client": "clients", "contact": "contacts", "deal": "deals"}


def assert_error(response, status: int = 422, field: str | None = None, code: str | None = None):
    """The API's one error format, with the status, and `field` named in errors[].field."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) >= {"detail", "code", "errors"}, body
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], list)
    if field is not None:
        fields = [e["field"] for e in body["errors"]]
        assert field in fields, (field, body)
    if code is not None:
        assert body["code"] == code, body
    return body


def error_fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def minimal_data(record_type: str) -> dict:
    """The least a record of the type needs to be valid."""
    n = next(_seq)
    return {
        "lead": {"last_name": f"Lead {n}"},
        "client": {"name": f"Client {n} s.r.o."},
        "contact": {"last_name": f"Contact {n}"},
        "deal": {"title": f"Deal {n}"},
    }[record_type]


def make_record(record_type: str, actor=None, **data):
    """A record created through its service (by a system actor unless `actor` is given)."""
    from leadbridge.clients.services import client_create, contact_create
    from leadbridge.deals.services import deal_create
    from leadbridge.leads.services import lead_create
    from leadbridge.people.services import system_actor

    create = {
        "lead": lead_create,
        "client": client_create,
        "contact": contact_create,
        "deal": deal_create,
    }[record_type]
    values = minimal_data(record_type) | data
    return create(actor=actor or system_actor("tests"), data=values).obj


def writes(queries) -> list[str]:
    """The statements of `CaptureQueriesContext.captured_queries` that change data
    (savepoints and reads are not writes)."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE", "COPY"))
    ]


def reads_of(queries, record_type: str, pk: int) -> list[str]:
    """The captured statements that read the record's own row (a lock or a plain read)."""
    table = model_for(record_type)._meta.db_table
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith("SELECT")
        and f'FROM "{table}"' in q["sql"]
        and f'"{table}"."id" = {pk}' in q["sql"]
    ]
