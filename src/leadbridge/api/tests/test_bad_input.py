"""Input that used to reach the database and fail there answers a 4xx JSON error naming the
field (regressions found by schemathesis and by hand; run on SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest

HUGE = 2**64 + 1
PLURALS = ("leads", "clients", "contacts", "deals")


def assert_error(response, status: int = 422, field: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert {"detail", "code", "errors"} <= set(body), body
    if field is not None:
        fields = [e["field"] for e in body["errors"]]
        assert any(f == field or f.startswith(f"{field}.") for f in fields), (field, body)
    return body


@pytest.fixture
def lead(admin_api):
    r = admin_api.post("/api/leads", {"last_name": "Nováková", "email": "n@example.com"})
    assert r.status_code == 201, r.content
    return r.json()


@pytest.fixture
def text_field(admin_user):
    from leadbridge.customfields.services import custom_field_create

    return custom_field_create(
        actor=admin_user, record_type="lead", key="note", label="Note", type="text"
    )


# Query parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize("plural", PLURALS)
@pytest.mark.parametrize("name", ["q", "tag"])
def test_nul_in_text_filters(admin_api, plural, name):
    assert_error(admin_api.get(f"/api/{plural}", **{name: "a\x00b"}), field=name)


def test_nul_in_type_filter(admin_api):
    assert_error(admin_api.get("/api/clients", kind="com\x00pany"), field="kind")


def test_nul_in_custom_field_filter(admin_api, text_field, lead):
    assert_error(admin_api.get("/api/leads", cf_note="a\x00b"), field="cf_note")
    assert_error(admin_api.get("/api/leads", **{"cf_no\x00te": "x"}))
    r = admin_api.get("/api/leads", cf_note="")
    assert r.status_code == 200 and r.json()["count"] == 1


def test_unknown_and_bad_custom_field_filters(admin_api, admin_user, text_field):
    from leadbridge.customfields.services import custom_field_create

    custom_field_create(actor=admin_user, record_type="lead", key="size", label="S", type="number")
    custom_field_create(actor=admin_user, record_type="lead", key="day", label="D", type="date")
    assert_error(admin_api.get("/api/leads", cf_nope="1"), field="cf_nope")
    assert_error(admin_api.get("/api/leads", cf_size="x" * 5000), field="cf_size")
    assert_error(admin_api.get("/api/leads", cf_size="1e400"), field="cf_size")
    assert_error(admin_api.get("/api/leads", cf_day="99999-01-01"), field="cf_day")
    assert admin_api.get("/api/leads", cf_size="12", cf_day="2024-02-29").status_code == 200


@pytest.mark.parametrize("plural", PLURALS)
@pytest.mark.parametrize("name", ["owner_id", "team_id"])
@pytest.mark.parametrize("value", [HUGE, -HUGE, 0])
def test_out_of_range_id_filters(admin_api, plural, name, value):
    assert_error(admin_api.get(f"/api/{plural}", **{name: value}), field=name)


@pytest.mark.parametrize(
    "plural, name",
    [
        ("leads", "status_id"),
        ("leads", "source_id"),
        ("clients", "source_id"),
        ("contacts", "client_id"),
        ("contacts", "lead_id"),
        ("deals", "pipeline_id"),
        ("deals", "stage_id"),
        ("deals", "client_id"),
        ("deals", "contact_id"),
        ("deals", "source_lead_id"),
    ],
)
def test_out_of_range_type_filters(admin_api, plural, name):
    assert_error(admin_api.get(f"/api/{plural}", **{name: HUGE}), field=name)
    assert admin_api.get(f"/api/{plural}", **{name: 2**62}).status_code == 200


@pytest.mark.parametrize("plural", PLURALS)
@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-05:00",  # after year 9999 in UTC
        "0001-01-01T00:00:00",  # naive, in the server's time zone
        "2024-01-01T00:00:00+17:06",  # an offset PostgreSQL refuses
    ],
)
def test_datetimes_out_of_range_in_filters(admin_api, plural, value):
    r = admin_api.get(f"/api/{plural}", created_after=value)
    if r.status_code != 200:
        assert_error(r, field="created_after")


def test_datetime_offsets_are_normalized(admin_api, lead):
    r = admin_api.get("/api/leads", created_after="2000-01-01T00:00:00+17:06")
    assert r.status_code == 200 and r.json()["count"] == 1
    r = admin_api.get("/api/leads", updated_before="2000-01-01T00:00:00-23:59")
    assert r.status_code == 200 and r.json()["count"] == 0


@pytest.mark.parametrize("name", ["limit", "offset"])
@pytest.mark.parametrize("value", [HUGE, -1, 10**12])
def test_enormous_paging(admin_api, name, value):
    assert_error(admin_api.get("/api/leads", **{name: value}), field=name)
    assert_error(admin_api.get("/api/activities", **{name: value}), field=name)


def test_activity_filters(admin_api, lead):
    assert_error(admin_api.get("/api/activities", owner_id=HUGE), field="owner_id")
    # Found by schemathesis: the export's owner filter reached SQLite past its INTEGER range.
    for owner in (2**63, HUGE):
        r = admin_api.get("/api/activities/export", owner_id=owner)
        assert_error(r, field="owner_id")
    assert_error(
        admin_api.get("/api/activities", due_before="0001-01-01T00:00:00+01:00"),
        field="due_before",
    )
    r = admin_api.get("/api/activities", record_type="lead", record_id=HUGE)
    assert_error(r, status=404)


# Path parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [
        *(("get", f"/api/{p}/{HUGE}") for p in PLURALS),
        *(("get", f"/api/{p}/{HUGE}/history") for p in PLURALS),
        *(("patch", f"/api/{p}/{HUGE}") for p in PLURALS),
        *(("delete", f"/api/{p}/{HUGE}") for p in PLURALS),
        ("get", f"/api/activities/{HUGE}"),
        ("patch", f"/api/activities/{HUGE}"),
        ("delete", f"/api/activities/{HUGE}"),
        ("get", f"/api/attachments/{HUGE}/download"),
        ("delete", f"/api/attachments/{HUGE}"),
        ("delete", f"/api/tokens/{HUGE}"),
        ("patch", f"/api/lead-statuses/{HUGE}"),
        ("patch", f"/api/lead-sources/{HUGE}"),
        ("post", f"/api/leads/{HUGE}/convert"),
        ("post", f"/api/leads/{HUGE}/convert/preview"),
        ("post", f"/api/leads/{HUGE}/assign"),
    ],
)
def test_huge_ids_in_paths(admin_api, method, path):
    call = getattr(admin_api, method)
    r = call(path) if method in ("get", "delete") else call(path, {})
    assert 400 <= r.status_code < 500, (r.status_code, r.content[:300])
    assert_error(r, status=r.status_code)


# Bodies -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b", "\udfff"])
@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/api/leads", {"last_name": "{}"}, "last_name"),
        ("/api/leads", {"last_name": "X", "tags": ["ok", "{}"]}, "tags"),
        ("/api/leads", {"last_name": "X", "other_emails": ["{}"]}, "other_emails"),
        ("/api/leads", {"last_name": "X", "custom_fields": {"note": "{}"}}, "custom_fields"),
        ("/api/leads", {"last_name": "X", "custom_fields": {"{}": "v"}}, "custom_fields"),
        ("/api/clients", {"kind": "company", "name": "{}"}, "name"),
        ("/api/contacts", {"last_name": "{}"}, "last_name"),
        ("/api/deals", {"title": "{}"}, "title"),
        ("/api/pipelines", {"name": "P", "stages": ["a", "{}"]}, "stages"),
        ("/api/lead-statuses", {"name": "{}"}, "name"),
        ("/api/lead-sources", {"name": "{}"}, "name"),
        ("/api/tokens", {"name": "{}"}, "name"),
        ("/api/custom-fields", {"record_type": "lead", "key": "k", "label": "{}", "type": "text"},
         "label"),
        ("/api/leads/convert", {"lead_ids": [1], "plan": {"client": {"fields": {"name": "{}"}}}},
         "plan.client.fields"),
    ],
)  # fmt: skip
def test_unstorable_strings_in_bodies(admin_api, text_field, path, body, field, bad):
    raw = json.dumps(body).replace('"{}"', json.dumps(bad))
    assert_error(admin_api.post(path, raw), field=field)


def test_unstorable_strings_in_activities(admin_api, lead):
    body = {"record_type": "lead", "record_id": lead["id"], "type": "note"}
    for bad in ("a\x00", "\ud800"):
        assert_error(admin_api.post("/api/activities", body | {"subject": bad}), field="subject")
        assert_error(admin_api.post("/api/activities", body | {"body": bad}), field="body")
    r = admin_api.post("/api/activities", body | {"subject": "ok"})
    assert r.status_code == 201, r.content
    r = admin_api.patch(f"/api/activities/{r.json()['id']}", {"body": "\x00"})
    assert_error(r, field="body")


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-02:00", "2024-05-01T10:00:00+20:00"]
)
def test_activity_due_at_out_of_range(admin_api, lead, value):
    body = {"record_type": "lead", "record_id": lead["id"], "type": "task", "due_at": value}
    r = admin_api.post("/api/activities", body)
    if r.status_code != 201:
        assert_error(r, field="due_at")


def test_activity_due_at_is_stored_in_utc(admin_api, lead):
    body = {"record_type": "lead", "record_id": lead["id"], "type": "task"}
    r = admin_api.post("/api/activities", body | {"due_at": "2024-05-01T10:00:00+20:00"})
    assert r.status_code == 201, r.content
    assert r.json()["due_at"].startswith("2024-04-30T14:00:00")


@pytest.mark.parametrize("plural", PLURALS)
def test_huge_ids_in_bodies(admin_api, plural):
    r = admin_api.post(f"/api/{plural}", {"owner_id": HUGE, "team_id": -HUGE})
    body = assert_error(r)
    fields = {e["field"] for e in body["errors"]}
    assert {"owner_id", "team_id"} <= fields, body


def test_huge_ids_elsewhere(admin_api, lead):
    note = {"record_type": "lead", "record_id": lead["id"], "type": "note"}
    assert_error(admin_api.post("/api/activities", note | {"record_id": HUGE}), status=404)
    r = admin_api.post("/api/activities", note | {"owner_id": HUGE})
    assert_error(r, field="owner_id")
    r = admin_api.patch(f"/api/leads/{lead['id']}", {"version": HUGE, "first_name": "A"})
    assert_error(r, status=409, field="version")
    r = admin_api.post("/api/leads/convert", {"lead_ids": [HUGE, lead["id"]]})
    assert r.status_code in (200, 422), r.content
    r = admin_api.get("/api/attachments", record_type="lead", record_id=HUGE)
    assert_error(r, status=404)


def test_invalid_utf8_and_json(admin_api):
    assert_error(admin_api.post("/api/leads", b'{"last_name": "\xff\xfe"}'), status=400)
    assert_error(admin_api.post("/api/leads", b"{nope"), status=400)
    assert_error(admin_api.post("/api/leads", b"[1, 2]"), status=422)
    assert_error(admin_api.post("/api/leads", b'"text"'), status=422)


def test_invalid_utf8_in_query(admin_api, lead):
    r = admin_api.client.get("/api/leads?q=%ff%fe&tag=%c3")
    assert r.status_code == 200, r.content


@pytest.mark.parametrize("key", ["a\x00b", "a\x7fb", " ", "x" * 256])
def test_bad_idempotency_keys(admin_api, key):
    r = admin_api.post("/api/leads", {"last_name": "K"}, **{"Idempotency-Key": key})
    assert_error(r, field="Idempotency-Key")


def test_idempotency_key_replays(admin_api):
    headers = {"Idempotency-Key": "order-1"}
    first = admin_api.post("/api/leads", {"last_name": "K"}, **headers)
    again = admin_api.post("/api/leads", {"last_name": "K"}, **headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]


# Lengths PostgreSQL enforces and SQLite does not ------------------------------------------


def test_tags_too_long_together(admin_api):
    tags = [f"{i:02d}" + "x" * 48 for i in range(50)]
    assert_error(admin_api.post("/api/leads", {"last_name": "T", "tags": tags}), field="tags")
    r = admin_api.post("/api/leads", {"last_name": "T", "tags": tags[:19]})
    assert r.status_code == 201, r.content


def test_pipeline_stage_name_length(admin_api):
    r = admin_api.post("/api/pipelines", {"name": "Long", "stages": ["ok", "x" * 151]})
    assert_error(r, field="stages.1")
    r = admin_api.post("/api/pipelines", {"name": "Long", "stages": ["ok", "x" * 150]})
    assert r.status_code == 201, r.content


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/leads/abc"),
        ("get", "/api/leads/-1"),
        ("delete", "/api/clients/null%2Cnull"),
        ("patch", "/api/activities/1.5"),
        ("get", "/api/deals/x/history"),
        ("post", "/api/leads/x/convert"),
        ("get", "/api/no-such-thing"),
    ],
)
def test_unmatched_api_paths_answer_json_404(admin_api, method, path):
    r = getattr(admin_api.client, method)(path)
    assert r["Content-Type"].startswith("application/json")
    assert assert_error(r, status=404)["code"] == "not_found"


def test_unmatched_path_with_a_newline(admin_api):
    r = admin_api.client.get("/api/clients/a%0Ab/history")
    assert r["Content-Type"].startswith("application/json")
    assert_error(r, status=404)


def test_pipeline_name_is_compared_trimmed(admin_api):
    # str.strip() also removes control separators such as \x1d: the duplicate check must
    # look at the name that is stored.
    assert admin_api.post("/api/pipelines", {"name": "\x1dP", "stages": ["a"]}).status_code == 201
    r = admin_api.post("/api/pipelines", {"name": "P\x1d", "stages": ["a"]})
    assert assert_error(r, field="name")["code"] == "exists"
