"""Issue 19 item 4: anonymous malformed bodies on the public form answer a clear 4xx, never a
500 — deep nesting is refused before parsing, and text no database stores (NUL, an unpaired
surrogate) is refused at the field the way the API refuses it."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from leadbridge.core.jsonbody import MAX_DEPTH, BodyError, depth, load_json
from leadbridge.leads.models import Lead
from leadbridge.webforms.services import webform_save

from .test_public_endpoint import aged_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def form(admin_user):
    cache.clear()
    yield webform_save(
        actor=admin_user,
        data={"name": "Kontakt", "fields": ["first_name", "last_name", "email"]},
    )
    cache.clear()


def post(form, body: str | bytes, content_type: str = "application/json"):
    return Client().post(f"/f/{form.key}", body, content_type=content_type)


def error_fields(response, status: int) -> list[str]:
    assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()
    assert {"detail", "code", "errors"} <= set(body), body
    return [e["field"] for e in body["errors"]]


@pytest.mark.parametrize(
    "body",
    [
        "[" * 8_000 + "]" * 8_000,
        '{"last_name": ' + "[" * 7_000 + "]" * 7_000 + "}",
        '{"last_name": ' + '{"a":' * 2_000 + "1" + "}" * 2_000 + "}",
    ],
)
def test_deep_nesting_is_a_400_json_error(form, body):
    assert len(body) < 16 * 1024  # within the form's size limit: the nesting is refused
    r = post(form, body)
    assert error_fields(r, 400) == []
    assert r.json()["code"] == "bad_request" and str(MAX_DEPTH) in r.json()["detail"]
    assert not Lead.objects.exists()


@pytest.mark.parametrize("bad", ["\ud800", "Nov\udfffáková", "Nov\x00áková"])
def test_unstorable_text_in_json_is_a_422_at_the_field(form, bad):
    # json.dumps writes the lone surrogate as the escape "\ud800", as an attacker would.
    body = {"_lb_t": aged_token(form), "first_name": "Eva", "last_name": bad}
    r = post(form, json.dumps(body))
    assert error_fields(r, 422) == ["last_name"]
    assert not Lead.objects.exists()


@pytest.mark.parametrize("name", ["_lb_t", "_lb_sid", "_lb_hp", "tracker"])
def test_unstorable_text_in_any_key_is_refused_before_it_is_read(form, name):
    body = {"_lb_t": aged_token(form), "last_name": "Nováková", name: "x\ud800"}
    r = post(form, json.dumps(body))
    assert error_fields(r, 422) == [name]
    assert not Lead.objects.exists()


def test_nul_in_a_form_post_shows_the_form_again_with_the_error(form):
    r = Client().post(
        f"/f/{form.key}",
        {"_lb_t": aged_token(form), "first_name": "Eva", "last_name": "Nov\x00áková"},
    )
    assert r.status_code == 422
    page = r.content.decode()
    assert 'value="Eva"' in page and "NUL" in page
    assert not Lead.objects.exists()


def test_valid_submission_still_makes_the_lead(form):
    body = {"_lb_t": aged_token(form), "first_name": "[{Eva}]", "last_name": 'Nov"[[["ková'}
    r = post(form, json.dumps(body))
    assert r.status_code == 201, r.content
    assert Lead.objects.get().last_name == 'Nov"[[["ková'


def test_api_body_nesting_is_bounded_too(admin_api):
    r = admin_api.post("/api/leads", '{"last_name": "A", "custom_fields": ' + "[" * 50_000 + "}")
    assert error_fields(r, 400) == ["body"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"{}", 1),
        (b"1", 0),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'{"a": "[[[[{{{{"}', 1),
        (b'{"a": "\\"[[[[", "b": [[]]}', 3),
        (b'["\\\\", [["]]]"]]]', 3),
    ],
)
def test_depth_ignores_brackets_in_strings(text, expected):
    assert depth(text) == expected
    json.loads(text)  # each is valid JSON


def test_load_json_refuses_too_deep_and_invalid():
    assert load_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    with pytest.raises(BodyError):
        load_json(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    with pytest.raises(BodyError):
        load_json(b"{")
