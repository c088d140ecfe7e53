"""Issue 20 step 2: one `on_duplicate` vocabulary, one meaning per value, whichever way a
submission comes in. The same submission matching the same stored record goes through the
API, the public web form and the import (leads), and through the API and conversion
(clients); each value must leave the stored record and the record count alike, and `link`
must write the one note format."""

from __future__ import annotations

import re

import pytest

from leadbridge.activities.models import ActivityLink
from leadbridge.clients.models import Client
from leadbridge.core.errors import DomainError
from leadbridge.duplicates.intake import changes_for, link_note
from leadbridge.duplicates.policy import ALL, WEBFORM, OnDuplicate, OnDuplicateValue, parse
from leadbridge.imports.tests.files import csv_bytes
from leadbridge.imports.tests.test_import_services import run, upload
from leadbridge.leads.models import Lead
from leadbridge.webforms.services import webform_save, webform_submit

pytestmark = pytest.mark.django_db

EMAIL = "jan.novak@porost.cz"
PHONE = "+420603123456"
STORED = {"first_name": "Jan", "last_name": "Novák", "email": EMAIL, "city": "Brno"}
# Matches STORED by e-mail and name; a filled field (city) differs, an empty one (phone) is given.
SUBMITTED = {
    "first_name": "Jan",
    "last_name": "Novák",
    "email": EMAIL,
    "city": "Praha",
    "phone": PHONE,
}
FIELDS = list(SUBMITTED)
LINE = re.compile(r"^[a-z_]+: .+$")


def expect(mode: str, stored, count: int) -> None:
    """What `mode` leaves: the stored record's city and phone, and how many records exist."""
    stored.refresh_from_db()
    city, phone = {
        "allow": ("Brno", ""),
        "reject": ("Brno", ""),
        "skip": ("Brno", ""),
        "fill": ("Brno", PHONE),  # only the empty field
        "update": ("Brno", PHONE),  # the deprecated alias of fill
        "overwrite": ("Praha", PHONE),  # the filled field too
        "link": ("Brno", ""),
    }[mode]
    assert (stored.city, stored.phone or "") == (city, phone), mode
    assert count == (2 if mode == "allow" else 1), mode
    notes = ActivityLink.objects.filter(record_type=stored._meta.model_name, record_id=stored.pk)
    assert notes.count() == (1 if mode == "link" else 0), mode
    if mode == "link":
        note = notes.get().activity
        assert note.subject.split(" · ")[0] == link_note({})["subject"]
        lines = note.body.splitlines()
        assert all(LINE.match(line) for line in lines), lines
        assert {"city: Praha", f"email: {EMAIL}", f"phone: {PHONE}"} <= set(lines), lines


def via_api(admin_api, mode: str) -> None:
    r = admin_api.post(f"/api/leads?on_duplicate={mode}", SUBMITTED)
    assert r.status_code == {"allow": 201, "reject": 409}.get(mode, 200), r.content


def via_webform(admin_user, mode: str) -> None:
    form = webform_save(
        actor=admin_user,
        data={"name": "Kontakt", "fields": FIELDS, "on_duplicate": mode},
    )
    webform_submit(form=form, raw=dict(SUBMITTED))


def via_import(admin_user, mode: str) -> None:
    rows = [["E-mail", "x", "y", "z", "w"], [EMAIL, "Jan", "Novák", "Praha", PHONE]]
    mapping = {"columns": ["email", "first_name", "last_name", "city", "phone"]}
    job = run(
        admin_user,
        upload(admin_user, csv_bytes(rows), on_duplicate=mode, match_on="email", mapping=mapping),
    )
    assert job.status == "done", job.error
    assert job.rows_failed == (1 if mode == "reject" else 0)


LEAD_WAYS = {"api": via_api, "webform": via_webform, "import": via_import}
MODES = ["allow", "reject", "skip", "fill", "update", "overwrite", "link"]


@pytest.mark.parametrize("way", list(LEAD_WAYS))
@pytest.mark.parametrize("mode", MODES)
def test_a_value_means_the_same_for_a_lead_on_every_way_in(
    admin_user, admin_api, make_lead, way, mode
):
    stored = make_lead(**STORED)
    if way == "webform" and parse(mode) not in WEBFORM:
        with pytest.raises(DomainError) as err:
            via_webform(admin_user, mode)
        assert [e.field for e in err.value.errors] == ["on_duplicate"]
        return
    call = LEAD_WAYS[way]
    call(admin_api if way == "api" else admin_user, mode)
    expect(mode, stored, Lead.objects.count())


COMPANY = {"kind": "company", "name": "Porost s.r.o.", "registration_number": "12345678"}


def client_via_api(admin_api, mode: str) -> None:
    body = {**COMPANY, "email": EMAIL, "city": "Praha", "phone": PHONE}
    r = admin_api.post(f"/api/clients?on_duplicate={mode}", body)
    assert r.status_code == {"allow": 201, "reject": 409}.get(mode, 200), r.content


def client_via_conversion(admin_api, mode: str) -> None:
    lead = admin_api.post(
        "/api/leads",
        {
            "last_name": "Novák",
            "company_name": COMPANY["name"],
            "registration_number": "12345678",
            "email": EMAIL,
            "city": "Praha",
            "phone": PHONE,
        },
    ).json()
    plan = {"contact": {"mode": "none"}, "on_duplicate": mode}
    r = admin_api.post(f"/api/leads/{lead['id']}/convert", plan)
    assert r.status_code == (409 if mode == "reject" else 200), r.content


@pytest.mark.parametrize("way", ["api", "conversion"])
@pytest.mark.parametrize("mode", MODES)
def test_a_value_means_the_same_for_a_client_from_the_api_and_a_conversion(
    admin_api, make_client, way, mode
):
    stored = make_client(**COMPANY, email=EMAIL, city="Brno")
    (client_via_api if way == "api" else client_via_conversion)(admin_api, mode)
    expect(mode, stored, Client.objects.count())


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/leads", {"last_name": "X"}),
        ("/api/clients", {"name": "X"}),
        ("/api/contacts", {"last_name": "X"}),
    ],
)
def test_an_unknown_value_is_a_422_at_on_duplicate(admin_api, path, body):
    r = admin_api.post(f"{path}?on_duplicate=replace", body)
    assert r.status_code == 422, r.content
    assert [e["field"] for e in r.json()["errors"]] == ["on_duplicate"]


def test_a_web_form_refuses_what_a_public_form_must_not_do(admin_user):
    for mode in ("reject", "overwrite", "replace"):
        with pytest.raises(DomainError) as err:
            webform_save(
                actor=admin_user, data={"name": "F", "fields": ["email"], "on_duplicate": mode}
            )
        assert [e.field for e in err.value.errors] == ["on_duplicate"], mode
    form = webform_save(
        actor=admin_user, data={"name": "F", "fields": ["email"], "on_duplicate": "update"}
    )
    assert form.on_duplicate == "fill"  # the alias is stored as what it means


def test_the_schema_literal_lists_the_enum_and_its_aliases():
    assert set(OnDuplicateValue.__args__) == {*OnDuplicate.values, "update"}
    assert parse("update") == OnDuplicate.FILL and set(ALL) == set(OnDuplicate)


def test_fill_and_overwrite_differ_on_a_filled_field(make_lead):
    lead = make_lead(**STORED)
    assert changes_for(OnDuplicate.FILL, SUBMITTED, lead) == {"phone": PHONE}
    assert changes_for(OnDuplicate.OVERWRITE, SUBMITTED) == SUBMITTED
    placed = {**SUBMITTED, "owner_id": 1}
    assert "owner_id" not in changes_for(OnDuplicate.FILL, placed, lead)
