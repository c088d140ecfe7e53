"""The one error type and its API form, and bad input of every field kind: each answers a 4xx
JSON error naming the field in errors[].field, never a 500. An unparseable phone is stored as
typed with a warning instead."""

from __future__ import annotations

import pytest

from leadbridge.conftest import make_user
from leadbridge.core.errors import (
    Collector,
    Conflict,
    DomainError,
    FieldIssue,
    Forbidden,
    NotFound,
    ValidationFailed,
    field_error,
)
from leadbridge.core.tests.helpers import assert_error, error_fields, make_record

# The domain error --------------------------------------------------------------------------------


def test_domain_error_body_and_statuses():
    exc = Conflict(
        "Stale.",
        code="stale_version",
        errors=[FieldIssue("version", "Now 3.")],
        extra={"current_version": 3},
    )
    assert exc.status == 409
    assert exc.as_dict() == {
        "detail": "Stale.",
        "code": "stale_version",
        "errors": [{"field": "version", "message": "Now 3."}],
        "current_version": 3,
    }
    assert (ValidationFailed("x").status, ValidationFailed("x").code) == (422, "invalid")
    assert (Forbidden("x").status, Forbidden("x").code) == (403, "forbidden")
    assert (NotFound("x").status, NotFound("x").code) == (404, "not_found")
    assert DomainError("x", status=418).status == 418
    err = field_error("email", "Bad.", code="bad_email")
    assert err.as_dict() == {
        "detail": "Bad.",
        "code": "bad_email",
        "errors": [{"field": "email", "message": "Bad."}],
    }


def test_collector_gathers_everything():
    out = Collector()
    out.raise_if_any()  # nothing yet
    out.add("email", "Bad.")
    out.add("country", "Bad too.")
    out.warn("phone", "Kept as typed.")
    with pytest.raises(ValidationFailed) as info:
        out.raise_if_any()
    assert [e.field for e in info.value.errors] == ["email", "country"]
    assert [w.field for w in out.warnings] == ["phone"]


# Bad input through the API --------------------------------------------------------------------

LONG = "x" * 300
BAD_INPUT = [
    # text too long
    ("leads", {"first_name": "x" * 151}, "first_name"),
    ("leads", {"company_name": "x" * 256}, "company_name"),
    ("leads", {"last_name": "L", "postcode": "x" * 33}, "postcode"),
    ("leads", {"last_name": "L", "website": "x" * 501}, "website"),
    ("leads", {"last_name": "L", "description": "x" * 100_001}, "description"),
    ("clients", {"name": "C", "registration_number": "1" * 65}, "registration_number"),
    ("deals", {"title": LONG}, "title"),
    # e-mails
    ("leads", {"email": "not-an-email"}, "email"),
    ("leads", {"last_name": "L", "email": "a@b"}, "email"),
    ("leads", {"last_name": "L", "email": "x" * 250 + "@b.cz"}, "email"),
    ("contacts", {"last_name": "L", "email": "jan@@firma.cz"}, "email"),
    ("clients", {"name": "C", "email": "no at sign"}, "email"),
    ("leads", {"last_name": "L", "other_emails": ["ok@firma.cz", "bad"]}, "other_emails.1"),
    ("leads", {"last_name": "L", "other_emails": "ok@firma.cz"}, "other_emails"),
    ("leads", {"last_name": "L", "other_emails": ["a@b.cz"] * 21}, "other_emails"),
    # phones: wrong types (an unparseable number is only a warning, see below)
    ("leads", {"last_name": "L", "other_phones": ["603 123 456", 603123456]}, "other_phones.1"),
    ("leads", {"last_name": "L", "phone": "1" * 65}, "phone"),
    # tags
    ("leads", {"last_name": "L", "tags": ["ok", "x" * 51]}, "tags.1"),
    ("leads", {"last_name": "L", "tags": "vip"}, "tags"),
    # country and currency
    ("leads", {"last_name": "L", "country": "XX"}, "country"),
    ("leads", {"last_name": "L", "country": "CZE"}, "country"),
    ("leads", {"last_name": "L", "country": "Czechia"}, "country"),
    ("clients", {"name": "C", "country": "12"}, "country"),
    ("leads", {"last_name": "L", "currency": "CZKK"}, "currency"),
    ("leads", {"last_name": "L", "currency": "KČ"}, "currency"),
    ("leads", {"last_name": "L", "currency": "12"}, "currency"),
    ("deals", {"title": "D", "currency": "EURO"}, "currency"),
    # decimals
    ("leads", {"last_name": "L", "expected_value": "abc"}, "expected_value"),
    ("leads", {"last_name": "L", "expected_value": "-1"}, "expected_value"),
    ("leads", {"last_name": "L", "expected_value": -0.01}, "expected_value"),
    ("leads", {"last_name": "L", "expected_value": "1e20"}, "expected_value"),
    ("leads", {"last_name": "L", "expected_value": 10**13}, "expected_value"),
    ("leads", {"last_name": "L", "expected_value": "NaN"}, "expected_value"),
    ("leads", {"last_name": "L", "expected_value": "Infinity"}, "expected_value"),
    ("leads", {"last_name": "L", "expected_value": True}, "expected_value"),
    ("leads", {"last_name": "L", "expected_value": {"amount": 1}}, "expected_value"),
    ("deals", {"title": "D", "value": "12,50 Kč"}, "value"),
    ("deals", {"title": "D", "value": "-5"}, "value"),
    # dates
    ("deals", {"title": "D", "expected_close_date": "2024-13-01"}, "expected_close_date"),
    ("deals", {"title": "D", "expected_close_date": "2023-02-29"}, "expected_close_date"),
    ("deals", {"title": "D", "expected_close_date": "next week"}, "expected_close_date"),
    ("deals", {"title": "D", "expected_close_date": "31.12.2024"}, "expected_close_date"),
    # references to nothing
    ("leads", {"last_name": "L", "status_id": 999_999}, "status_id"),
    ("leads", {"last_name": "L", "source_id": 999_999}, "source_id"),
    ("leads", {"last_name": "L", "owner_id": 999_999}, "owner_id"),
    ("leads", {"last_name": "L", "team_id": 999_999}, "team_id"),
    ("leads", {"last_name": "L", "status_id": 0}, "status_id"),
    ("leads", {"last_name": "L", "status_id": -3}, "status_id"),
    ("leads", {"last_name": "L", "status_id": "new"}, "status_id"),
    ("clients", {"name": "C", "source_id": 999_999}, "source_id"),
    ("contacts", {"last_name": "L", "client_id": 999_999}, "client_id"),
    ("contacts", {"last_name": "L", "lead_id": 999_999}, "lead_id"),
    ("deals", {"title": "D", "pipeline_id": 999_999}, "pipeline_id"),
    ("deals", {"title": "D", "stage_id": 999_999}, "stage_id"),
    ("deals", {"title": "D", "client_id": 999_999}, "client_id"),
    ("deals", {"title": "D", "contact_id": 999_999}, "contact_id"),
    # choices
    ("clients", {"name": "C", "kind": "alien"}, "kind"),
    # unknown fields
    ("leads", {"last_name": "L", "favourite_colour": "blue"}, "favourite_colour"),
    ("leads", {"last_name": "L", "id": 5}, "id"),
    ("leads", {"last_name": "L", "is_converted": True}, "is_converted"),
    ("deals", {"title": "D", "version": 3}, "version"),
    # custom fields that do not exist or are not an object
    ("leads", {"last_name": "L", "custom_fields": {"nope": 1}}, "custom_fields.nope"),
    ("leads", {"last_name": "L", "custom_fields": "x"}, "custom_fields"),
    # wrong JSON types
    ("leads", {"first_name": 123, "last_name": "L"}, "first_name"),
    ("leads", {"last_name": ["L"]}, "last_name"),
    ("leads", {"last_name": "L", "email": 5}, "email"),
    ("leads", {"last_name": "L", "tags": [1, 2]}, "tags.0"),
    ("leads", {"last_name": "L", "owner_id": "me"}, "owner_id"),
    ("leads", {"last_name": "L", "owner_id": 1.5}, "owner_id"),
    ("leads", {"last_name": "L", "country": 420}, "country"),
    ("clients", {"name": {"first": "A"}}, "name"),
]


@pytest.mark.parametrize("plural, body, field", BAD_INPUT)
def test_bad_input_names_the_field(admin_api, plural, body, field):
    from leadbridge.core.registry import model_for

    before = {m: model_for(m).objects.count() for m in ("lead", "client", "contact", "deal")}
    body = assert_error(admin_api.post(f"/api/{plural}", body), 422, field=field)
    assert all(e["message"] for e in body["errors"])
    after = {m: model_for(m).objects.count() for m in ("lead", "client", "contact", "deal")}
    assert before == after


@pytest.mark.parametrize(
    "plural, body, field",
    [
        ("leads", {"email": "bad"}, "email"),
        ("leads", {"other_emails": ["fine@x.cz", "bad"]}, "other_emails.1"),
        ("leads", {"country": "XX"}, "country"),
        ("leads", {"currency": "EURO"}, "currency"),
        ("leads", {"expected_value": "-1"}, "expected_value"),
        ("leads", {"status_id": 999_999}, "status_id"),
        ("leads", {"owner_id": 999_999}, "owner_id"),
        ("leads", {"unknown": 1}, "unknown"),
        ("leads", {"first_name": 1}, "first_name"),
        ("leads", {"first_name": "", "last_name": ""}, "last_name"),  # nothing left to name it
        ("clients", {"kind": "robot"}, "kind"),
        ("clients", {"name": ""}, "name"),
        ("deals", {"expected_close_date": "2024-02-30"}, "expected_close_date"),
        ("deals", {"stage_id": 999_999}, "stage_id"),
        ("deals", {"title": ""}, "title"),
        ("contacts", {"client_id": 999_999}, "client_id"),
    ],
)
def test_bad_input_on_update_leaves_the_record(admin_api, plural, body, field):
    record_type = {"leads": "lead", "clients": "client", "deals": "deal", "contacts": "contact"}
    obj = make_record(record_type[plural])
    before = admin_api.get(f"/api/{plural}/{obj.pk}").json()
    assert_error(admin_api.patch(f"/api/{plural}/{obj.pk}", body), 422, field=field)
    assert admin_api.get(f"/api/{plural}/{obj.pk}").json() == before


def test_all_problems_are_reported_at_once(admin_api):
    r = admin_api.post(
        "/api/leads",
        {"last_name": "L", "email": "bad", "country": "XX", "currency": "x", "status_id": 999_999},
    )
    assert_error(r, 422)
    assert {"email", "country", "currency", "status_id"} <= error_fields(r)


def test_reference_to_an_inactive_user_or_deleted_record(admin_api, admin_user):
    from leadbridge.clients.services import client_delete

    gone = make_user("sales", is_active=False)
    assert_error(
        admin_api.post("/api/leads", {"last_name": "L", "owner_id": gone.pk}), field="owner_id"
    )
    client = make_record("client")
    client_delete(actor=admin_user, pk=client.pk)
    r = admin_api.post("/api/contacts", {"last_name": "L", "client_id": client.pk})
    assert_error(r, 422, field="client_id")


def test_stage_of_another_pipeline(admin_api, admin_user):
    from leadbridge.deals.services import pipeline_create

    other = pipeline_create(actor=admin_user, name="Other", stages=["A", "B"])
    default = admin_api.get("/api/pipelines").json()[0]
    r = admin_api.post(
        "/api/deals",
        {"title": "D", "pipeline_id": default["id"], "stage_id": other.stages.first().pk},
    )
    assert_error(r, 422, field="stage_id")


@pytest.mark.parametrize(
    "raw, status",
    [
        (b"{nope", 400),
        (b'{"last_name": "L",}', 400),
        (b'{"last_name": "L"', 400),
        (b"\xff\xfe", 400),
        (b"", None),
        (b"null", 422),
        (b"42", 422),
    ],
)
def test_unparseable_bodies(admin_api, raw, status):
    r = admin_api.post("/api/leads", raw)
    if status is None:
        assert 400 <= r.status_code < 500, r.content
        assert_error(r, r.status_code)
    else:
        assert_error(r, status)


def test_unparseable_body_on_patch(admin_api, make_lead):
    lead = make_lead()
    body = assert_error(admin_api.patch(f"/api/leads/{lead.pk}", b"{oops"), 400)
    assert body["code"] == "bad_request"


# Phones are kept as typed ---------------------------------------------------------------------


def test_unparseable_phone_is_stored_with_a_warning(admin_api):
    r = admin_api.post(
        "/api/leads",
        {
            "last_name": "L",
            "phone": "call me after 5",
            "mobile": "603 123 456",
            "other_phones": ["+420 603 123 457", "ext. 12"],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["phone"] == "call me after 5"
    assert body["other_phones"] == ["+420 603 123 457", "ext. 12"]
    warned = {w["field"] for w in body["warnings"]}
    assert warned == {"phone", "other_phones.1"}
    from leadbridge.leads.models import Lead

    lead = Lead.objects.get(pk=body["id"])
    assert (lead.phone_normalized, lead.mobile_normalized) == ("", "+420603123456")
    r = admin_api.patch(f"/api/leads/{lead.pk}", {"mobile": "???"})
    assert r.status_code == 200 and r.json()["mobile"] == "???"
    assert [w["field"] for w in r.json()["warnings"]] == ["mobile"]


def test_phone_region_follows_the_country(admin_api):
    from leadbridge.leads.models import Lead

    r = admin_api.post("/api/leads", {"last_name": "L", "country": "pl", "phone": "512 345 678"})
    assert r.status_code == 201 and r.json()["warnings"] == []
    assert r.json()["country"] == "PL"
    assert Lead.objects.get(pk=r.json()["id"]).phone_normalized == "+48512345678"


def test_values_are_cleaned(admin_api):
    r = admin_api.post(
        "/api/leads",
        {
            "last_name": "  Nováková ",
            "currency": "czk",
            "expected_value": "1234.5",
            "tags": [" VIP ", "vip", "b2b"],
            "email": "Jana@Firma.CZ",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["last_name"] == "Nováková"
    assert body["currency"] == "CZK"
    assert body["expected_value"] == "1234.50"
    assert body["tags"] == ["VIP", "b2b"]
    assert body["email"] == "Jana@Firma.CZ"  # shown as typed, matched lower-cased


def test_no_500_on_a_bad_record_id_shapes(admin_api):
    for path in ("/api/leads/0", "/api/leads/99999999", "/api/clients/7/history"):
        r = admin_api.get(path)
        assert 400 <= r.status_code < 500, (path, r.status_code)
        assert_error(r, r.status_code)
