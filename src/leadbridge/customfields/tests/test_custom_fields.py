"""Custom fields: administrators define them per record type; values are validated by type,
stored in the record's JSON column, and an unknown key or bad value names the field."""

from __future__ import annotations

import pytest

from leadbridge.conftest import api_for
from leadbridge.core.tests.helpers import PLURAL, assert_error, minimal_data
from leadbridge.customfields.models import CustomFieldDefinition

DEFINITIONS = [
    {"key": "segment", "label": "Segment", "type": "text"},
    {"key": "employees", "label": "Employees", "type": "number"},
    {"key": "founded", "label": "Founded", "type": "date"},
    {"key": "tier", "label": "Tier", "type": "choice", "choices": ["gold", "silver"]},
    {"key": "newsletter", "label": "Newsletter", "type": "boolean"},
]


@pytest.fixture
def defined(admin_api):
    def define(record_type: str):
        for definition in DEFINITIONS:
            r = admin_api.post("/api/custom-fields", definition | {"record_type": record_type})
            assert r.status_code == 201, r.content

    return define


@pytest.mark.parametrize("record_type", ["lead", "client", "contact", "deal"])
def test_admin_defines_fields_of_each_type(admin_api, defined, record_type):
    defined(record_type)
    r = admin_api.get("/api/custom-fields", record_type=record_type)
    assert r.status_code == 200
    assert [(d["key"], d["type"]) for d in r.json()] == [(d["key"], d["type"]) for d in DEFINITIONS]
    assert r.json()[3]["choices"] == ["gold", "silver"]


def test_non_admins_cannot_define_fields(users):
    body = {"record_type": "lead", "key": "segment", "label": "Segment", "type": "text"}
    for key in ("marketing", "sales_north", "manager_north", "nobody"):
        r = api_for(users[key]).post("/api/custom-fields", body)
        assert_error(r, 403, code="forbidden")
    assert not CustomFieldDefinition.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"key": "Segment"}, "key"),
        ({"key": "1st"}, "key"),
        ({"key": "with space"}, "key"),
        ({"key": "x" * 65}, "key"),
        ({"type": "colour"}, "type"),
        ({"record_type": "robot"}, "record_type"),
        ({"label": ""}, "label"),
        ({"type": "choice"}, "choices"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_definitions(admin_api, body, field):
    base = {"record_type": "lead", "key": "segment", "label": "Segment", "type": "text"}
    assert_error(admin_api.post("/api/custom-fields", base | body), 422, field=field)
    assert not CustomFieldDefinition.objects.exists()


def test_duplicate_key_per_record_type(admin_api):
    body = {"record_type": "lead", "key": "segment", "label": "Segment", "type": "text"}
    assert admin_api.post("/api/custom-fields", body).status_code == 201
    assert_error(admin_api.post("/api/custom-fields", body), 422, field="key", code="exists")
    assert admin_api.post("/api/custom-fields", body | {"record_type": "client"}).status_code == 201


GOOD = [
    ("segment", "  Retail ", "Retail"),
    ("segment", 42, "42"),
    ("employees", 250, 250),
    ("employees", "12,5", 12.5),
    ("employees", "-3", -3),
    ("founded", "1991-05-01", "1991-05-01"),
    ("tier", "gold", "gold"),
    ("newsletter", True, True),
    ("newsletter", "yes", True),
    ("newsletter", "0", False),
]

BAD = [
    ("segment", "x" * 2001),
    ("segment", ["a"]),
    ("segment", True),
    ("employees", "many"),
    ("employees", "1 250"),
    ("employees", True),
    ("employees", "NaN"),
    ("employees", "1e400"),
    ("founded", "1991-13-01"),
    ("founded", "01.05.1991"),
    ("founded", 1991),
    ("tier", "bronze"),
    ("tier", "GOLD"),
    ("tier", 1),
    ("newsletter", "maybe"),
    ("newsletter", 2),
]


@pytest.mark.parametrize("record_type", ["lead", "client", "contact", "deal"])
def test_values_are_validated_and_stored(admin_api, defined, record_type):
    defined(record_type)
    plural = PLURAL[record_type]
    for key, raw, stored in GOOD:
        data = minimal_data(record_type) | {"custom_fields": {key: raw}}
        r = admin_api.post(f"/api/{plural}", data)
        assert r.status_code == 201, (key, raw, r.content)
        assert r.json()["custom_fields"] == {key: stored}, (key, raw)
    values = {key: raw for key, raw, _stored in GOOD}  # the last value of each key
    r = admin_api.post(f"/api/{plural}", minimal_data(record_type) | {"custom_fields": values})
    assert r.status_code == 201, r.content
    assert r.json()["custom_fields"] == {key: stored for key, _raw, stored in GOOD}
    # Setting a value to null or "" removes it; other values stay.
    url = f"/api/{plural}/{r.json()['id']}"
    r = admin_api.patch(url, {"custom_fields": {"tier": None, "segment": ""}})
    assert r.status_code == 200, r.content
    assert set(r.json()["custom_fields"]) == {"employees", "founded", "newsletter"}


@pytest.mark.parametrize("key, value", BAD)
def test_bad_values_name_the_custom_field(admin_api, defined, key, value):
    defined("lead")
    r = admin_api.post("/api/leads", {"last_name": "L", "custom_fields": {key: value}})
    body = assert_error(r, 422, field=f"custom_fields.{key}")
    assert body["errors"][0]["message"]


@pytest.mark.parametrize("record_type", ["client", "contact", "deal"])
def test_bad_values_on_every_record_type(admin_api, defined, record_type):
    defined(record_type)
    plural = PLURAL[record_type]
    bad = {
        "segment": ["x"],
        "employees": "many",
        "founded": "soon",
        "tier": "x",
        "newsletter": "maybe",
        "unknown": 1,
    }
    r = admin_api.post(f"/api/{plural}", minimal_data(record_type) | {"custom_fields": bad})
    assert_error(r, 422)
    assert {e["field"] for e in r.json()["errors"]} == {f"custom_fields.{k}" for k in bad}


def test_fields_of_another_record_type_are_unknown(admin_api, defined):
    defined("client")
    r = admin_api.post("/api/leads", {"last_name": "L", "custom_fields": {"tier": "gold"}})
    assert_error(r, 422, field="custom_fields.tier")


def test_bad_value_on_update_keeps_the_stored_ones(admin_api, defined):
    defined("lead")
    r = admin_api.post("/api/leads", {"last_name": "L", "custom_fields": {"employees": 5}})
    url = f"/api/leads/{r.json()['id']}"
    assert_error(
        admin_api.patch(url, {"custom_fields": {"employees": "x", "tier": "gold"}}),
        422,
        field="custom_fields.employees",
    )
    assert admin_api.get(url).json()["custom_fields"] == {"employees": 5}


def test_required_custom_field_on_each_record_type(admin_api):
    for record_type, plural in PLURAL.items():
        r = admin_api.post(
            "/api/custom-fields",
            {
                "record_type": record_type,
                "key": "region_code",
                "label": "Region",
                "type": "text",
                "required": True,
            },
        )
        assert r.status_code == 201
        assert_error(
            admin_api.post(f"/api/{plural}", minimal_data(record_type)),
            422,
            field="custom_fields.region_code",
        )
        data = minimal_data(record_type) | {"custom_fields": {"region_code": "JM"}}
        assert admin_api.post(f"/api/{plural}", data).status_code == 201


def test_everyone_reads_the_definitions(defined, users):
    defined("lead")
    r = api_for(users["sales_north"]).get("/api/custom-fields")
    assert r.status_code == 200 and len(r.json()) == len(DEFINITIONS)


@pytest.mark.parametrize(
    "label, key",
    [
        ("Počet zaměstnanců", "pocet_zamestnancu"),
        ("  Źródło   kampanii ", "zrodlo_kampanii"),
        ("Įmonės kodas (JAR)", "imones_kodas_jar"),
        ("Ngày thành lập", "ngay_thanh_lap"),
        ("2nd phone", "f_2nd_phone"),
        ("!!!", "field"),
    ],
)
def test_the_key_is_made_from_the_label(admin_api, label, key):
    r = admin_api.post(
        "/api/custom-fields", {"record_type": "lead", "label": label, "type": "text"}
    )
    assert r.status_code == 201, r.content
    assert r.json()["key"] == key and r.json()["label"] == label.strip()


def test_a_made_key_that_is_taken_is_numbered(admin_api):
    body = {"record_type": "deal", "label": "Region", "type": "text"}
    keys = [admin_api.post("/api/custom-fields", body).json()["key"] for _ in range(3)]
    assert keys == ["region", "region_2", "region_3"]


def test_the_label_is_edited_and_the_key_and_type_stay(admin_api, users):
    made = admin_api.post(
        "/api/custom-fields",
        {"record_type": "lead", "label": "Segmet", "type": "choice", "choices": ["A"]},
    ).json()
    r = admin_api.patch(
        f"/api/custom-fields/{made['id']}", {"label": "Segment", "choices": ["A", "B"]}
    )
    assert r.status_code == 200, r.content
    assert (r.json()["key"], r.json()["label"], r.json()["choices"]) == (
        "segmet",
        "Segment",
        ["A", "B"],
    )
    assert_error(
        admin_api.patch(f"/api/custom-fields/{made['id']}", {"label": ""}), 422, field="label"
    )
    assert_error(
        admin_api.patch(f"/api/custom-fields/{made['id']}", {"choices": []}), 422, field="choices"
    )
    assert_error(
        admin_api.patch(f"/api/custom-fields/{made['id']}", {"type": "text"}), 422, field="type"
    )
    assert_error(admin_api.patch("/api/custom-fields/999999", {"label": "X"}), 404)
    assert_error(
        api_for(users["sales_north"]).patch(f"/api/custom-fields/{made['id']}", {"label": "Mine"}),
        403,
    )
    assert CustomFieldDefinition.objects.get().label == "Segment"


def test_deleting_a_field_tells_and_erases_its_values(admin_api, users):
    made = admin_api.post(
        "/api/custom-fields", {"record_type": "lead", "label": "Segment", "type": "text"}
    ).json()
    admin_api.post("/api/custom-fields", {"record_type": "lead", "label": "Tier", "type": "text"})
    ids = []
    for n, custom in enumerate(
        [{"segment": "Retail", "tier": "gold"}, {"segment": "B2B"}, {"tier": "silver"}]
    ):
        r = admin_api.post("/api/leads", {"last_name": f"Cf{n}", "custom_fields": custom})
        ids.append(r.json()["id"])
    assert_error(api_for(users["sales_north"]).get(f"/api/custom-fields/{made['id']}/usage"), 403)
    assert admin_api.get(f"/api/custom-fields/{made['id']}/usage").json() == {"records": 2}
    assert_error(api_for(users["sales_north"]).delete(f"/api/custom-fields/{made['id']}"), 403)
    r = admin_api.delete(f"/api/custom-fields/{made['id']}")
    assert r.status_code == 200 and r.json() == {"records": 2}
    values = [admin_api.get(f"/api/leads/{pk}").json()["custom_fields"] for pk in ids]
    assert values == [{"tier": "gold"}, {}, {"tier": "silver"}]
    assert_error(admin_api.delete(f"/api/custom-fields/{made['id']}"), 404)
    # A new field of the same key starts empty.
    again = admin_api.post(
        "/api/custom-fields", {"record_type": "lead", "label": "Segment", "type": "text"}
    ).json()
    assert again["key"] == "segment"
    assert admin_api.get(f"/api/custom-fields/{again['id']}/usage").json() == {"records": 0}
