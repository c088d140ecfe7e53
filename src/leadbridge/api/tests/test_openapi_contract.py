"""The published OpenAPI document keeps every name of the API contract (foundation issue).

The schemas are read from GET /api/openapi.json with their `$ref`s resolved, so the test
checks what a client generator sees, not the Python classes behind it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.test import Client

LEAD_WRITABLE = {
    "first_name", "last_name", "job_title", "company_name", "registration_number", "vat_id",
    "email", "phone", "mobile", "other_emails", "other_phones", "website", "street", "street2",
    "city", "postcode", "region", "country", "source_id", "status_id", "owner_id", "team_id",
    "expected_value", "currency", "description", "tags", "custom_fields",
}  # fmt: skip
LEAD_READ_ONLY = {"id", "version", "created_at", "updated_at", "is_converted", "converted_records"}
COMPANY = {"registration_number", "vat_id"}
CHANNELS = {"email", "phone", "mobile", "other_emails", "other_phones", "website"}
ADDRESS = {"street", "street2", "city", "postcode", "region", "country"}
CLIENT_WRITABLE = {"kind", "name", "first_name", "last_name"} | COMPANY | CHANNELS | ADDRESS
CONTACT_WRITABLE = {"first_name", "last_name", "job_title", "client_id", "lead_id"}
CONTACT_WRITABLE |= CHANNELS | ADDRESS
DEAL_WRITABLE = {
    "title", "pipeline_id", "stage_id", "value", "currency", "expected_close_date",
    "client_id", "contact_id", "source_lead_id", "owner_id", "team_id", "custom_fields",
}  # fmt: skip
RECORD_READ_ONLY = {"id", "version", "created_at", "updated_at"}
RECORDS = {
    "leads": LEAD_WRITABLE,
    "clients": CLIENT_WRITABLE,
    "contacts": CONTACT_WRITABLE,
    "deals": DEAL_WRITABLE,
}
LIST_PARAMS = {
    "q", "status_id", "source_id", "owner_id", "team_id", "tag", "created_after",
    "created_before", "updated_after", "updated_before", "include_converted", "ordering",
    "limit", "offset",
}  # fmt: skip
RECORD_TYPES = {"lead", "client", "contact", "deal"}
ACTIVITY_TYPES = {"task", "call", "email", "meeting", "note", "reminder"}
# Writes that take an Idempotency-Key: (method, path with parameters renamed to {})
IDEMPOTENT_WRITES = {
    *(("post", f"/api/{plural}") for plural in RECORDS),
    *(("patch", f"/api/{plural}/{{}}") for plural in RECORDS),
    ("post", "/api/activities"),
    ("post", "/api/leads/{}/convert"),
    ("post", "/api/leads/{}/assign"),
}


# A small $ref resolver ------------------------------------------------------------------


def _pointer(doc: dict, ref: str) -> Any:
    assert ref.startswith("#/"), f"only local references are expected, got {ref}"
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def resolve(node: Any, doc: dict, _stack: tuple[str, ...] = ()) -> Any:
    """`node` with every local `$ref` replaced by a copy of its target (cycles stop at a
    reference already being expanded, which is left as `{"$ref": ...}`)."""
    if isinstance(node, list):
        return [resolve(item, doc, _stack) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if ref in _stack:
            return {"$ref": ref}
        target = resolve(copy.deepcopy(_pointer(doc, ref)), doc, (*_stack, ref))
        siblings = {k: resolve(v, doc, _stack) for k, v in node.items() if k != "$ref"}
        return {**target, **siblings}
    return {key: resolve(value, doc, _stack) for key, value in node.items()}


def non_null(schema: dict) -> dict:
    """The schema with a nullable `anyOf`/`oneOf` [X, null] reduced to X; `allOf` merged."""
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            if len(options) == 1:
                rest = {k: v for k, v in schema.items() if k != key}
                return non_null({**options[0], **rest})
    if "allOf" in schema:
        merged: dict = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = non_null(part)
            merged["properties"] = {**merged.get("properties", {}), **part.get("properties", {})}
            merged["required"] = [*merged.get("required", []), *part.get("required", [])]
            merged.update({k: v for k, v in part.items() if k not in ("properties", "required")})
        return merged
    return schema


def types_of(schema: dict) -> set[str]:
    """Every JSON type a (possibly nullable/union) schema admits."""
    out: set[str] = set()
    for key in ("anyOf", "oneOf"):
        for option in schema.get(key, []):
            out |= types_of(option)
    kind = schema.get("type")
    if isinstance(kind, list):
        out |= set(kind)
    elif kind:
        out.add(kind)
    if "enum" in schema and not kind:
        out |= {type(v).__name__.replace("str", "string") for v in schema["enum"]}
    return out


def enum_of(schema: dict) -> set:
    schema = non_null(schema)
    if "enum" in schema:
        return set(schema["enum"])
    if "const" in schema:
        return {schema["const"]}
    values: set = set()
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        values |= enum_of(option)
    return values


def properties(schema: dict) -> dict[str, dict]:
    return non_null(schema).get("properties", {})


# Fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def doc() -> dict:
    # Anonymous and without the database: the document is public and static.
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def operation(doc: dict, method: str, path: str) -> dict:
    assert path in doc["paths"], f"{path} is missing; have {sorted(doc['paths'])}"
    assert method in doc["paths"][path], f"{method.upper()} {path} is missing"
    return resolve(doc["paths"][path][method], doc)


def body_schema(doc: dict, method: str, path: str) -> dict:
    op = operation(doc, method, path)
    return non_null(op["requestBody"]["content"]["application/json"]["schema"])


def answer_schema(doc: dict, method: str, path: str, status: str) -> dict:
    op = operation(doc, method, path)
    assert status in op["responses"], f"{method.upper()} {path} documents no {status}"
    return non_null(op["responses"][status]["content"]["application/json"]["schema"])


def query_params(doc: dict, method: str, path: str) -> dict[str, dict]:
    op = operation(doc, method, path)
    return {p["name"]: p for p in op.get("parameters", []) if p["in"] == "query"}


def normalized_paths(doc: dict) -> dict[str, str]:
    """'/api/leads/{}/history' -> the path as published ('/api/leads/{record_id}/history')."""
    import re

    return {re.sub(r"\{[^}]+\}", "{}", path): path for path in doc["paths"]}


# The resolver itself --------------------------------------------------------------------


def test_resolver_inlines_references_and_stops_on_cycles():
    doc = {
        "components": {
            "schemas": {
                "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
                "B": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/A"}}},
                "C~/": {"type": "string"},
            }
        }
    }
    out = resolve({"$ref": "#/components/schemas/A"}, doc)
    assert out["properties"]["b"]["properties"]["a"] == {"$ref": "#/components/schemas/A"}
    assert resolve({"$ref": "#/components/schemas/C~0~1"}, doc) == {"type": "string"}
    assert non_null({"anyOf": [{"type": "integer"}, {"type": "null"}], "title": "X"}) == {
        "type": "integer",
        "title": "X",
    }


def test_no_reference_is_left_dangling(doc):
    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                _pointer(doc, node["$ref"])  # raises KeyError when it points nowhere
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)


# Records ----------------------------------------------------------------------------------


@pytest.mark.parametrize("plural", list(RECORDS))
def test_record_fields(doc, plural):
    writable = RECORDS[plural]
    create = body_schema(doc, "post", f"/api/{plural}")
    patch = body_schema(doc, "patch", f"/api/{plural}/{{record_id}}")
    out = answer_schema(doc, "get", f"/api/{plural}/{{record_id}}", "200")
    saved = answer_schema(doc, "post", f"/api/{plural}", "201")
    assert writable <= set(properties(create)), writable - set(properties(create))
    assert writable <= set(properties(patch)), writable - set(properties(patch))
    assert "version" in properties(patch)
    for schema in (out, saved):
        names = set(properties(schema))
        assert writable | RECORD_READ_ONLY <= names, (writable | RECORD_READ_ONLY) - names
    # Read-only values are not accepted on writes, and unknown fields are refused.
    assert not (RECORD_READ_ONLY - {"version"}) & set(properties(create))
    assert create.get("additionalProperties") is False
    assert patch.get("additionalProperties") is False
    assert types_of(properties(out)["id"]) == {"integer"}
    assert types_of(properties(out)["version"]) == {"integer"}
    for name in ("created_at", "updated_at"):
        assert non_null(properties(out)[name]).get("format") == "date-time"
    if "custom_fields" in writable:
        assert "object" in types_of(properties(create)["custom_fields"])
        assert types_of(properties(out)["custom_fields"]) == {"object"}


def test_lead_read_only_fields(doc):
    out = answer_schema(doc, "get", "/api/leads/{record_id}", "200")
    props = properties(out)
    assert LEAD_READ_ONLY <= set(props)
    assert types_of(props["is_converted"]) == {"boolean"}
    links = non_null(props["converted_records"])
    assert links["type"] == "array"
    item = properties(links["items"])
    assert {"record_type", "id"} <= set(item)
    assert types_of(item["id"]) == {"integer"}
    create = body_schema(doc, "post", "/api/leads")
    assert not LEAD_READ_ONLY & set(properties(create))


def test_lead_value_types(doc):
    props = properties(body_schema(doc, "post", "/api/leads"))
    for name in ("source_id", "status_id", "owner_id", "team_id"):
        assert "integer" in types_of(props[name]), name
    for name in ("other_emails", "other_phones", "tags"):
        schema = non_null(props[name])
        assert schema["type"] == "array" and schema["items"]["type"] == "string", name


def test_client_kind_choices(doc):
    props = properties(body_schema(doc, "post", "/api/clients"))
    assert enum_of(props["kind"]) == {"company", "person"}


def test_deal_types(doc):
    props = properties(body_schema(doc, "post", "/api/deals"))
    assert non_null(props["expected_close_date"]).get("format") == "date"
    for name in ("pipeline_id", "stage_id", "client_id", "contact_id", "source_lead_id"):
        assert "integer" in types_of(props[name]), name


@pytest.mark.parametrize("plural", list(RECORDS))
def test_record_paths(doc, plural):
    paths = normalized_paths(doc)
    for path, methods in (
        (f"/api/{plural}", {"get", "post"}),
        (f"/api/{plural}/{{}}", {"get", "patch", "delete"}),
        (f"/api/{plural}/{{}}/history", {"get"}),
    ):
        assert path in paths, f"{path} is missing"
        assert methods <= set(doc["paths"][paths[path]]), (path, methods)
    assert "/api/leads/{record_id}" in doc["paths"]


@pytest.mark.parametrize("plural", list(RECORDS))
def test_history_answer(doc, plural):
    path = normalized_paths(doc)[f"/api/{plural}/{{}}/history"]
    answer = answer_schema(doc, "get", path, "200")
    assert {"items", "count"} <= set(properties(answer))
    item = properties(non_null(properties(answer)["items"])["items"])
    assert {"id", "at", "kind", "field", "old_value", "new_value", "actor_id", "origin"} <= set(
        item
    )


def test_lead_list_parameters(doc):
    params = query_params(doc, "get", "/api/leads")
    assert LIST_PARAMS <= set(params), LIST_PARAMS - set(params)
    for name in ("created_after", "created_before", "updated_after", "updated_before"):
        assert non_null(params[name]["schema"]).get("format") == "date-time", name
    for name in ("limit", "offset", "status_id", "source_id", "owner_id", "team_id"):
        assert "integer" in types_of(params[name]["schema"]), name
    assert types_of(params["include_converted"]["schema"]) == {"boolean"}


@pytest.mark.parametrize("plural", [*RECORDS, "activities"])
def test_export_parameters(doc, plural):
    """Issue 7: `GET /api/{plural}/export?format=csv|xlsx&columns=…` with the list's filters."""
    params = query_params(doc, "get", f"/api/{plural}/export")
    assert enum_of(params["format"]["schema"]) == {"csv", "xlsx"}
    assert "string" in types_of(params["columns"]["schema"])
    assert "created_at" in params["columns"]["description"]
    if plural != "activities":  # the list's filters (the lead-only ones on leads)
        lead_only = {"status_id", "source_id", "include_converted"}
        assert LIST_PARAMS - (set() if plural == "leads" else lead_only) <= set(params)


@pytest.mark.parametrize("plural", list(RECORDS))
def test_list_answer(doc, plural):
    common = LIST_PARAMS - {"status_id", "source_id", "include_converted"}
    assert common <= set(query_params(doc, "get", f"/api/{plural}"))
    answer = answer_schema(doc, "get", f"/api/{plural}", "200")
    props = properties(answer)
    assert {"items", "count"} <= set(props)
    assert set(non_null(answer).get("required", [])) >= {"items", "count"}
    assert types_of(props["count"]) == {"integer"}
    items = non_null(props["items"])
    assert items["type"] == "array"
    assert RECORDS[plural] | RECORD_READ_ONLY <= set(properties(items["items"]))


# Activities -------------------------------------------------------------------------------


def test_activity_create(doc):
    body = body_schema(doc, "post", "/api/activities")
    props = properties(body)
    expected = {"record_type", "record_id", "type", "subject", "body", "due_at", "done", "owner_id"}
    assert expected <= set(props), expected - set(props)
    assert {"record_type", "record_id", "type"} <= set(body.get("required", []))
    assert enum_of(props["record_type"]) == RECORD_TYPES
    assert enum_of(props["type"]) == ACTIVITY_TYPES
    assert "integer" in types_of(props["record_id"])
    assert non_null(props["due_at"]).get("format") == "date-time"
    assert types_of(props["done"]) == {"boolean"}


def test_activity_list_by_record(doc):
    params = query_params(doc, "get", "/api/activities")
    assert {"record_type", "record_id"} <= set(params)
    assert enum_of(params["record_type"]["schema"]) == RECORD_TYPES
    assert "integer" in types_of(params["record_id"]["schema"])
    answer = properties(answer_schema(doc, "get", "/api/activities", "200"))
    assert {"items", "count"} <= set(answer)
    item = properties(non_null(answer["items"])["items"])
    assert {"id", "type", "subject", "body", "due_at", "done", "owner_id", "records"} <= set(item)


# Errors, idempotency, security ------------------------------------------------------------


def _is_error_body(schema: dict) -> bool:
    props = properties(schema)
    if not {"detail", "code", "errors"} <= set(props):
        return False
    errors = non_null(props["errors"])
    issue = properties(errors.get("items", {}))
    return errors.get("type") == "array" and {"field", "message"} <= set(issue)


def test_error_body_on_every_documented_error(doc):
    checked = 0
    for path, methods in doc["paths"].items():
        for method, raw in methods.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            op = resolve(raw, doc)
            statuses = {code for code in op["responses"] if code.startswith("4")}
            assert {"401", "404", "422"} <= statuses, (method, path, statuses)
            for code in statuses:
                schema = op["responses"][code]["content"]["application/json"]["schema"]
                assert _is_error_body(schema), (method, path, code)
                checked += 1
    assert checked > 100


def test_error_schema(doc):
    error = resolve(doc["components"]["schemas"]["ErrorOut"], doc)
    assert _is_error_body(error)
    assert {"detail", "code"} <= set(error.get("required", []))
    issue = properties(non_null(properties(error)["errors"])["items"])
    assert types_of(issue["field"]) == {"string"} and types_of(issue["message"]) == {"string"}


def test_idempotency_key_on_writes(doc):
    paths = normalized_paths(doc)
    for method, path in sorted(IDEMPOTENT_WRITES):
        op = operation(doc, method, paths[path])
        headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
        assert "Idempotency-Key" in headers, (method, path)


def test_bearer_security(doc):
    schemes = doc["components"]["securitySchemes"]
    bearer = [
        name
        for name, scheme in schemes.items()
        if scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "bearer"
    ]
    assert bearer, schemes
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            names = {name for requirement in op.get("security", []) for name in requirement}
            assert set(bearer) & names, (method, path)
