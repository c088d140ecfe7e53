"""Issue 19 item 1: the duplicate check reads values only after they are validated, and one
check looks up a bounded number of keys. Before, 2,000 e-mails built a query of 2,000
subqueries: SQLite refused it (500), PostgreSQL ran for 30 s or out of stack."""

from __future__ import annotations

import itertools
import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from leadbridge.clients.services import client_create, client_update
from leadbridge.core.errors import ValidationFailed
from leadbridge.duplicates.checks import MAX_KEYS, find_matches
from leadbridge.duplicates.intake import create_checked
from leadbridge.duplicates.models import MatchKey
from leadbridge.leads.models import Lead
from leadbridge.leads.services import lead_create, lead_update
from leadbridge.webforms.tests.test_public_endpoint import aged_token

pytestmark = pytest.mark.django_db
KEY_TABLE = MatchKey._meta.db_table


def emails(n: int) -> list[str]:
    return [f"person{i}@example.com" for i in range(n)]


def phones(n: int) -> list[str]:
    return [f"+420 601 {i // 1000:03d} {i % 1000:03d}" for i in range(n)]


def looked_up_keys(queries) -> list[str]:
    return [q["sql"] for q in queries if KEY_TABLE in q["sql"]]


def fields_of(response) -> list[str]:
    assert response.status_code == 422, (response.status_code, response.content[:300])
    return [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/clients", {"name": "Acme", "other_emails": emails(2_000)}, "other_emails"),
        ("/api/leads", {"last_name": "Nováková", "other_phones": phones(3_000)}, "other_phones"),
        ("/api/leads", {"last_name": "Nováková", "other_emails": emails(10_000)}, "other_emails"),
        ("/api/contacts", {"last_name": "Nováková", "other_emails": emails(21)}, "other_emails"),
    ],
)
@pytest.mark.parametrize("on_duplicate", ["allow", "reject"])
def test_api_create_refuses_oversized_lists_before_matching(
    admin_api, path, body, field, on_duplicate
):
    with CaptureQueriesContext(connection) as queries:
        r = admin_api.post(f"{path}?on_duplicate={on_duplicate}", body)
    assert fields_of(r) == [field]
    assert looked_up_keys(queries) == []


def test_api_update_refuses_oversized_lists(admin_api):
    r = admin_api.post("/api/clients", {"name": "Acme", "other_emails": emails(3)})
    assert r.status_code == 201, r.content
    client_id = r.json()["id"]
    r = admin_api.patch(f"/api/clients/{client_id}", {"other_emails": emails(2_000)})
    assert fields_of(r) == ["other_emails"]
    assert admin_api.get(f"/api/clients/{client_id}").json()["other_emails"] == emails(3)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "Acme", "other_emails": emails(2_000)}, "other_emails"),
        ({"name": "Acme", "other_phones": phones(3_000)}, "other_phones"),
        ({"name": "Acme", "other_emails": "not-a-list@example.com"}, "other_emails"),
        ({"name": "Acme", "email": ["a@example.com"]}, "email"),
        ({"name": "Acme \ud800"}, "name"),
        ({"name": "x" * 10_000}, "name"),
    ],
)
def test_checked_create_validates_before_the_matcher(admin_user, data, field):
    """The service every way in shares (API, web form) refuses before any key lookup, even
    when the caller's own schema let the values through."""
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationFailed) as err:
        create_checked(
            actor=admin_user,
            record_type="client",
            data=data,
            on_duplicate="reject",
            create=client_create,
            update=client_update,
        )
    assert [e.field.split(".")[0] for e in err.value.errors] == [field]
    assert looked_up_keys(queries) == []


def test_one_check_looks_up_a_bounded_number_of_keys(admin_user):
    """Defence in depth: a caller that skips validation still gets one bounded query, and
    the exact keys (e-mails first) are the ones kept."""
    kept = lead_create(actor=admin_user, data={"last_name": "Nováková", "email": emails(1)[0]})
    values = {"last_name": "Nováková", "email": emails(1)[0], "other_emails": emails(10_000)}
    with CaptureQueriesContext(connection) as queries:
        found = find_matches(actor=admin_user, record_type="lead", values=values)
    [lookup] = looked_up_keys(queries)
    assert lookup.count(f"FROM {KEY_TABLE}") <= MAX_KEYS
    assert [(m["record_type"], m["id"]) for m in found] == [("lead", kept.obj.pk)]


def _company_of_many_words(n: int) -> str:
    consonants = "bdfgjklmnrstvz"
    words = ("".join(t) for t in itertools.product(consonants, repeat=3) if len(set(t)) == 3)
    return " ".join(itertools.islice(words, n))


def test_public_form_refuses_a_value_beyond_the_field_before_matching(admin_user):
    """A 9,000-character company name (2,000 words, each a key with the postcode) within the
    form's own limit answers 422 at the field, not a 2,000-key lookup."""
    from leadbridge.webforms.services import webform_save

    cache.clear()
    form = webform_save(
        actor=admin_user,
        data={
            "name": "Contact",
            "fields": ["last_name", "company_name", "postcode", "email"],
            "on_duplicate": "link",
        },
    )
    company = _company_of_many_words(2_000)
    assert 255 < len(company) < 10_000
    body = {"_lb_t": aged_token(form), "last_name": "Nováková", "company_name": company}
    body["postcode"] = "11000"
    with CaptureQueriesContext(connection) as queries:
        r = Client().post(f"/f/{form.key}", json.dumps(body), content_type="application/json")
    assert fields_of(r) == ["company_name"]
    assert looked_up_keys(queries) == []
    assert not Lead.objects.exists()


def test_lead_update_service_refuses_oversized_lists(admin_user):
    from django.db import transaction

    lead = lead_create(actor=admin_user, data={"last_name": "Nováková"}).obj
    with pytest.raises(ValidationFailed) as err, transaction.atomic():
        lead_update(actor=admin_user, pk=lead.pk, data={"other_emails": emails(21)})
    assert [e.field for e in err.value.errors] == ["other_emails"]
