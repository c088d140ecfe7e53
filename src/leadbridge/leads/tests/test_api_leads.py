"""The leads API and services: required values, default status, converted leads, status
changes, optimistic locking, search, list filters, ordering, paging, deletion."""

from __future__ import annotations

import datetime as dt

import pytest

from leadbridge.conftest import api_for, make_user
from leadbridge.core.errors import Conflict
from leadbridge.core.tests.helpers import assert_error
from leadbridge.history.models import HistoryEvent
from leadbridge.leads.models import Lead, LeadSource, LeadStatus
from leadbridge.leads.services import lead_change_status, lead_create, lead_update


def status(kind: str = "open", name: str | None = None) -> LeadStatus:
    qs = LeadStatus.objects.filter(kind=kind)
    if name:
        qs = qs.filter(name=name)
    return qs.order_by("order", "id").first()


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# Required values and defaults ---------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"first_name": "", "last_name": "  "},
        {"job_title": "CEO"},
        {"city": "Brno", "tags": ["x"]},
    ],
)
def test_lead_needs_a_name_company_email_or_phone(admin_api, body):
    assert_error(admin_api.post("/api/leads", body), 422, field="last_name")
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"first_name": "Jan"},
        {"last_name": "Novák"},
        {"company_name": "Porost s.r.o."},
        {"email": "info@porost.cz"},
        {"phone": "603 123 456"},
    ],
)
def test_any_identity_field_is_enough(admin_api, body):
    r = admin_api.post("/api/leads", body)
    assert r.status_code == 201, r.content
    assert r.json()["display_name"]


def test_status_defaults_to_the_first_open_one(admin_api):
    first_open = status("open")
    r = admin_api.post("/api/leads", {"last_name": "A"})
    assert r.json()["status_id"] == first_open.pk
    # Reordering changes the default; statuses of other kinds are never the default.
    LeadStatus.objects.filter(pk=first_open.pk).update(order=100)
    LeadStatus.objects.filter(kind__in=["lost", "converted"]).update(order=0)
    expected = status("open")
    assert expected.pk != first_open.pk
    r = admin_api.post("/api/leads", {"last_name": "B"})
    assert r.json()["status_id"] == expected.pk
    assert r.json()["is_converted"] is False


def test_no_open_status_is_a_field_error(admin_api):
    LeadStatus.objects.filter(kind="open").update(kind="lost")
    assert_error(admin_api.post("/api/leads", {"last_name": "A"}), 422, field="status_id")


def test_administrator_makes_source_required(admin_api, users):
    source = LeadSource.objects.first()
    r = admin_api.put("/api/required-fields/lead", {"fields": ["source_id"]})
    assert r.status_code == 200 and r.json() == ["source_id"]
    assert admin_api.get("/api/required-fields/lead").json() == ["source_id"]

    assert_error(admin_api.post("/api/leads", {"last_name": "A"}), 422, field="source_id")
    r = admin_api.post("/api/leads", {"last_name": "A", "source_id": source.pk})
    assert r.status_code == 201, r.content
    lead_id = r.json()["id"]
    assert_error(
        admin_api.patch(f"/api/leads/{lead_id}", {"source_id": None}), 422, field="source_id"
    )
    # Clients keep their own list.
    assert admin_api.post("/api/clients", {"name": "C"}).status_code == 201
    # Back to optional.
    assert admin_api.put("/api/required-fields/lead", {"fields": []}).json() == []
    assert admin_api.post("/api/leads", {"last_name": "B"}).status_code == 201


def test_required_fields_are_admin_only_and_known(admin_api, users):
    api = api_for(users["manager_north"])
    assert_error(api.put("/api/required-fields/lead", {"fields": ["source_id"]}), 403)
    assert_error(
        admin_api.put("/api/required-fields/lead", {"fields": ["shoe_size"]}), 422, field="fields"
    )
    assert_error(admin_api.put("/api/required-fields/robot", {"fields": []}), 422)
    assert admin_api.get("/api/required-fields/lead").json() == []


def test_required_custom_field(admin_api):
    r = admin_api.post(
        "/api/custom-fields",
        {
            "record_type": "lead",
            "key": "budget",
            "label": "Budget",
            "type": "number",
            "required": True,
        },
    )
    assert r.status_code == 201, r.content
    assert_error(
        admin_api.post("/api/leads", {"last_name": "A"}), 422, field="custom_fields.budget"
    )
    r = admin_api.post("/api/leads", {"last_name": "A", "custom_fields": {"budget": ""}})
    assert_error(r, 422, field="custom_fields.budget")
    r = admin_api.post("/api/leads", {"last_name": "A", "custom_fields": {"budget": 5000}})
    assert r.status_code == 201 and r.json()["custom_fields"] == {"budget": 5000}


# Converted leads ----------------------------------------------------------------------------


@pytest.fixture
def converted(admin_api):
    r = admin_api.post("/api/leads", {"last_name": "Old CRM", "status_id": status("converted").pk})
    assert r.status_code == 201, r.content
    return r.json()


def test_lead_created_in_a_converted_status(admin_api, converted):
    assert converted["is_converted"] is True
    assert converted["converted_records"] == []
    assert Lead.objects.get(pk=converted["id"]).converted_at is not None
    assert admin_api.post("/api/leads", {"last_name": "Open"}).status_code == 201
    listed = admin_api.get("/api/leads").json()
    assert converted["id"] not in [i["id"] for i in listed["items"]]
    assert listed["count"] == 1
    r = admin_api.get("/api/leads", include_converted="true")
    assert converted["id"] in ids(r) and r.json()["count"] == 2
    assert admin_api.get(f"/api/leads/{converted['id']}").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"first_name": "New"},
        {"email": "x@y.cz"},
        {"tags": ["late"]},
        {"description": "ok", "city": "Brno"},
        {"status_id": None, "owner_id": None, "team_id": None, "company_name": "X"},
    ],
)
def test_converted_lead_is_read_only(admin_api, converted, body):
    r = admin_api.patch(f"/api/leads/{converted['id']}", body)
    err = assert_error(r, 409, code="lead_converted")
    assert err["errors"] and "description" not in {e["field"] for e in err["errors"]}
    assert admin_api.get(f"/api/leads/{converted['id']}").json() == {
        k: v for k, v in converted.items() if k not in ("warnings", "duplicates", "outcome")
    }
    assert not HistoryEvent.objects.filter(record_id=converted["id"], kind="updated").exists()


def test_converted_lead_notes_stay_editable(admin_api, converted):
    r = admin_api.patch(f"/api/leads/{converted['id']}", {"description": "Called again"})
    assert r.status_code == 200, r.content
    assert r.json()["description"] == "Called again" and r.json()["version"] == 2
    # Unchanged values are not changes.
    r = admin_api.patch(f"/api/leads/{converted['id']}", {"last_name": "Old CRM"})
    assert r.status_code == 200 and r.json()["version"] == 2


def test_converted_lead_status_cannot_change(admin_api, converted):
    r = admin_api.patch(f"/api/leads/{converted['id']}", {"status_id": status("open").pk})
    assert_error(r, 409, code="lead_converted")
    assert Lead.objects.get(pk=converted["id"]).status_id == status("converted").pk


def test_moving_an_open_lead_to_a_converted_status_needs_a_plan(admin_api, make_lead):
    lead = make_lead(first_name="Jan")
    for body in (
        {"status_id": status("converted").pk},
        {"status_id": status("converted").pk, "first_name": "Honza"},
    ):
        r = admin_api.patch(f"/api/leads/{lead.pk}", body)
        err = assert_error(r, 409, code="plan_required", field="status_id")
        assert err["detail"]
    lead.refresh_from_db()
    assert (lead.status_id, lead.first_name, lead.is_converted, lead.version) == (
        status("open").pk,
        "Jan",
        False,
        1,
    )
    assert not HistoryEvent.objects.filter(record_id=lead.pk).exclude(kind="created").exists()


# Status changes -----------------------------------------------------------------------------


def test_status_change_writes_history(admin_api, make_lead):
    lead = make_lead()
    old, new = status("open"), LeadStatus.objects.filter(kind="open").order_by("order")[2]
    r = admin_api.patch(f"/api/leads/{lead.pk}", {"status_id": new.pk, "version": 1})
    assert r.status_code == 200, r.content
    assert r.json()["status_id"] == new.pk and r.json()["version"] == 2
    event = HistoryEvent.objects.get(record_type="lead", record_id=lead.pk, kind="status_changed")
    assert (event.field, event.old_value, event.new_value) == ("status_id", old.pk, new.pk)
    # The version the change made: an edit form opened before it can tell what changed since.
    assert event.data == {"old_label": old.name, "new_label": new.name, "version": 2}
    history = admin_api.get(f"/api/leads/{lead.pk}/history").json()["items"]
    changed = [e for e in history if e["kind"] == "status_changed"]
    assert [(e["old_value"], e["new_value"]) for e in changed] == [(old.pk, new.pk)]
    assert changed[0]["actor_name"] == "admin"


def test_status_and_fields_in_one_patch_bump_the_version_once(admin_api, make_lead):
    lead = make_lead()
    lost = status("lost")
    r = admin_api.patch(f"/api/leads/{lead.pk}", {"status_id": lost.pk, "city": "Brno"})
    assert r.status_code == 200, r.content
    assert (r.json()["status_id"], r.json()["city"], r.json()["version"]) == (lost.pk, "Brno", 2)
    kinds = sorted(HistoryEvent.objects.filter(record_id=lead.pk).values_list("kind", flat=True))
    assert kinds == ["created", "status_changed", "updated"]


def test_same_status_is_no_change(admin_api, make_lead):
    lead = make_lead()
    r = admin_api.patch(f"/api/leads/{lead.pk}", {"status_id": lead.status_id})
    assert r.status_code == 200 and r.json()["version"] == 1
    assert not HistoryEvent.objects.filter(record_id=lead.pk, kind="status_changed").exists()


def test_unknown_status_on_update(admin_api, make_lead):
    lead = make_lead()
    assert_error(
        admin_api.patch(f"/api/leads/{lead.pk}", {"status_id": 999_999}), 422, field="status_id"
    )


def test_lead_change_status_service(admin_user, make_lead):
    lead = make_lead()
    target = status("lost")
    changed = lead_change_status(actor=admin_user, pk=lead.pk, status_id=target.pk)
    assert (changed.status_id, changed.version) == (target.pk, 2)
    with pytest.raises(Conflict) as info:
        lead_change_status(actor=admin_user, pk=lead.pk, status_id=status("open").pk, version=1)
    assert info.value.code == "stale_version"
    with pytest.raises(Conflict) as info:
        lead_change_status(actor=admin_user, pk=lead.pk, status_id=status("converted").pk)
    assert info.value.code == "plan_required"
    assert Lead.objects.get(pk=lead.pk).status_id == target.pk


def test_sales_may_change_the_status_of_a_team_lead(make_lead, users, teams):
    lead = make_lead(team_id=teams[0].pk)
    api = api_for(users["sales_north"])
    r = api.patch(f"/api/leads/{lead.pk}", {"status_id": status("lost").pk})
    assert r.status_code == 200, r.content
    other = make_lead(team_id=teams[1].pk)
    assert_error(api.patch(f"/api/leads/{other.pk}", {"status_id": status("lost").pk}), 404)


# Optimistic locking -------------------------------------------------------------------------


def test_stale_version_on_patch(admin_api, make_lead):
    lead = make_lead(first_name="A")
    r = admin_api.patch(f"/api/leads/{lead.pk}", {"first_name": "B", "version": 1})
    assert r.status_code == 200 and r.json()["version"] == 2
    r = admin_api.patch(f"/api/leads/{lead.pk}", {"first_name": "C", "version": 1})
    body = assert_error(r, 409, code="stale_version", field="version")
    assert body["current_version"] == 2
    lead.refresh_from_db()
    assert (lead.first_name, lead.version) == ("B", 2)
    r = admin_api.patch(f"/api/leads/{lead.pk}", {"first_name": "C", "version": 2})
    assert r.status_code == 200 and r.json()["version"] == 3
    # Without a version the write is last-wins.
    r = admin_api.patch(f"/api/leads/{lead.pk}", {"first_name": "D"})
    assert r.status_code == 200 and r.json()["version"] == 4


def test_stale_version_on_delete(admin_api, make_lead):
    lead = make_lead()
    admin_api.patch(f"/api/leads/{lead.pk}", {"city": "Brno"})
    assert_error(admin_api.delete(f"/api/leads/{lead.pk}?version=1"), 409, code="stale_version")
    assert Lead.objects.get(pk=lead.pk).deleted_at is None
    assert admin_api.delete(f"/api/leads/{lead.pk}?version=2").status_code == 204
    assert Lead.objects.get(pk=lead.pk).version == 3


def test_stale_version_in_the_service(admin_user, make_lead):
    lead = make_lead()
    lead_update(actor=admin_user, pk=lead.pk, data={"city": "Praha"}, version=1)
    with pytest.raises(Conflict) as info:
        lead_update(actor=admin_user, pk=lead.pk, data={"city": "Brno"}, version=1)
    assert info.value.code == "stale_version"
    assert Lead.objects.get(pk=lead.pk).city == "Praha"


@pytest.mark.parametrize(
    "plural, data",
    [("clients", {"name": "C"}), ("contacts", {"last_name": "C"}), ("deals", {"title": "D"})],
)
def test_stale_version_on_other_records(admin_api, plural, data):
    obj = admin_api.post(f"/api/{plural}", data).json()
    url = f"/api/{plural}/{obj['id']}"
    assert admin_api.patch(url, {"description": "x", "version": 1}).json()["version"] == 2
    assert_error(
        admin_api.patch(url, {"description": "y", "version": 1}), 409, code="stale_version"
    )
    assert_error(admin_api.delete(f"{url}?version=1"), 409, code="stale_version")
    assert admin_api.delete(f"{url}?version=2").status_code == 204


def test_phone_is_renormalized_when_the_country_changes(admin_api, make_lead):
    lead = make_lead(phone="512 345 678")
    assert lead.phone_normalized == "+420512345678"
    r = admin_api.patch(f"/api/leads/{lead.pk}", {"country": "PL"})
    assert r.status_code == 200 and r.json()["warnings"] == []
    lead.refresh_from_db()
    assert lead.phone_normalized == "+48512345678"
    assert ids(admin_api.get("/api/leads", q="48512345678")) == [lead.pk]


# Search -------------------------------------------------------------------------------------


@pytest.fixture
def people_to_find(make_lead):
    return {
        "sarka": make_lead(first_name="Šárka", last_name="Kopřivová", phone="603 123 456"),
        "petr": make_lead(first_name="Petr", last_name="Kopřiva", email="petr@kopriva.cz"),
        "jana": make_lead(first_name="Jana", last_name="Nováková", email="jana@firma.cz"),
        "firm": make_lead(company_name="Dřevo Hlinsko a.s.", registration_number="27082440"),
        "lt": make_lead(first_name="Ona", last_name="Kazlauskienė", mobile="+370 612 34567"),
    }


@pytest.mark.parametrize(
    "q, expected",
    [
        ("kopriva", {"sarka", "petr"}),
        ("KOPŘIVA", {"sarka", "petr"}),
        ("Kopřivová", {"sarka", "petr"}),
        ("novak", {"jana"}),
        ("NOVÁKOVÁ", {"jana"}),
        ("sarka kopriva", {"sarka"}),
        ("šárka", {"sarka"}),
        ("603123456", {"sarka"}),
        ("603 123 456", {"sarka"}),
        ("+420603123456", {"sarka"}),
        ("61234567", {"lt"}),
        ("kazlauskas", {"lt"}),
        ("27082440", {"firm"}),
        ("hlinsko", {"firm"}),
        ("jana@firma.cz", {"jana"}),
        ("nobody-here", set()),
    ],
)
def test_search_is_accent_and_case_insensitive(admin_api, people_to_find, q, expected):
    r = admin_api.get("/api/leads", q=q)
    assert set(ids(r)) == {people_to_find[k].pk for k in expected}, q
    assert r.json()["count"] == len(expected)


def test_search_follows_updates(admin_api, people_to_find):
    jana = people_to_find["jana"]
    admin_api.patch(f"/api/leads/{jana.pk}", {"last_name": "Dvořáková", "phone": "777 000 111"})
    assert ids(admin_api.get("/api/leads", q="novak")) == []
    assert ids(admin_api.get("/api/leads", q="dvorak")) == [jana.pk]
    assert ids(admin_api.get("/api/leads", q="777000111")) == [jana.pk]


def test_search_only_sees_visible_leads(people_to_find, users):
    api = api_for(users["sales_north"])
    assert ids(api.get("/api/leads", q="kopriva")) == []


# Filters, ordering, paging ------------------------------------------------------------------


def test_list_filters(admin_api, make_lead, teams, users):
    north, south = teams
    source = LeadSource.objects.first()
    lost = status("lost")
    owner = users["sales_north"]
    a = make_lead(last_name="A", owner_id=owner.pk, team_id=north.pk, tags=["VIP", "b2b"])
    b = make_lead(last_name="B", team_id=south.pk, source_id=source.pk, tags=["b2b"])
    c = make_lead(last_name="C", status_id=lost.pk)

    def only(**params):
        return set(ids(admin_api.get("/api/leads", **params)))

    assert only() == {a.pk, b.pk, c.pk}
    assert only(status_id=lost.pk) == {c.pk}
    assert only(status_id=status("open").pk) == {a.pk, b.pk}
    assert only(source_id=source.pk) == {b.pk}
    assert only(owner_id=owner.pk) == {a.pk}
    assert only(team_id=north.pk) == {a.pk}
    assert only(team_id=south.pk, source_id=source.pk) == {b.pk}
    assert only(tag="vip") == {a.pk}
    assert only(tag="VIP") == {a.pk}
    assert only(tag="b2b") == {a.pk, b.pk}
    assert only(tag="b2") == set()
    assert only(owner_id=999_999) == set()


def test_date_filters(admin_api, make_lead):
    utc = dt.UTC
    old, mid, new = make_lead(last_name="Old"), make_lead(last_name="Mid"), make_lead()
    for lead, created, updated in (
        (old, dt.datetime(2023, 1, 1, tzinfo=utc), dt.datetime(2023, 6, 1, tzinfo=utc)),
        (mid, dt.datetime(2024, 1, 1, tzinfo=utc), dt.datetime(2024, 6, 1, tzinfo=utc)),
        (new, dt.datetime(2025, 1, 1, tzinfo=utc), dt.datetime(2025, 6, 1, tzinfo=utc)),
    ):
        Lead.objects.filter(pk=lead.pk).update(created_at=created, updated_at=updated)

    def only(**params):
        return set(ids(admin_api.get("/api/leads", **params)))

    assert only(created_after="2023-12-31T00:00:00Z") == {mid.pk, new.pk}
    assert only(created_before="2024-01-01T00:00:00Z") == {old.pk}  # exclusive
    assert only(created_after="2024-01-01T00:00:00Z") == {mid.pk, new.pk}  # inclusive
    assert only(
        created_after="2023-06-01T00:00:00+02:00", created_before="2024-06-01T00:00:00Z"
    ) == {mid.pk}
    assert only(updated_after="2025-01-01T00:00:00Z") == {new.pk}
    assert only(updated_before="2024-01-01T00:00:00Z") == {old.pk}
    assert_error(admin_api.get("/api/leads", created_after="yesterday"), 422, field="created_after")


def test_ordering_and_paging(admin_api, make_lead):
    leads = [
        make_lead(last_name=name, expected_value=v)
        for name, v in (
            ("Cyril", "30"),
            ("Adam", "10"),
            ("Božena", "20"),
            ("Eva", "5"),
            ("Dan", "40"),
        )
    ]
    by_name = sorted(leads, key=lambda lead: lead.last_name)

    def order(**params):
        return ids(admin_api.get("/api/leads", **params))

    assert order() == [lead.pk for lead in reversed(leads)]  # newest first by default
    assert order(ordering="created_at") == [lead.pk for lead in leads]
    assert order(ordering="last_name") == [lead.pk for lead in by_name]
    assert order(ordering="-last_name") == [lead.pk for lead in reversed(by_name)]
    assert order(ordering="expected_value")[0] == leads[3].pk
    assert order(ordering="-expected_value")[0] == leads[4].pk
    assert order(ordering="id") == sorted(lead.pk for lead in leads)

    r = admin_api.get("/api/leads", ordering="last_name", limit=2, offset=2)
    assert ids(r) == [by_name[2].pk, by_name[3].pk] and r.json()["count"] == 5
    r = admin_api.get("/api/leads", ordering="last_name", limit=2, offset=4)
    assert ids(r) == [by_name[4].pk] and r.json()["count"] == 5
    r = admin_api.get("/api/leads", limit=2, offset=50)
    assert ids(r) == [] and r.json()["count"] == 5
    assert_error(admin_api.get("/api/leads", limit=0), 422, field="limit")
    assert_error(admin_api.get("/api/leads", limit=501), 422, field="limit")
    assert_error(admin_api.get("/api/leads", offset=-1), 422, field="offset")


@pytest.mark.parametrize(
    "ordering",
    [
        "shoe_size",
        "-shoe_size",
        "--last_name",
        "last_name,id",
        "search_text",
        "",
        "owner__password",
        "-",
    ],
)
def test_unknown_ordering(admin_api, make_lead, ordering):
    make_lead()
    r = admin_api.get("/api/leads", ordering=ordering)
    if ordering == "":
        assert r.status_code == 200  # empty means the default
    else:
        assert_error(r, 422, field="ordering")


@pytest.mark.parametrize("plural", ["clients", "contacts", "deals"])
def test_unknown_ordering_on_other_lists(admin_api, plural):
    assert_error(admin_api.get(f"/api/{plural}", ordering="--id"), 422, field="ordering")
    assert admin_api.get(f"/api/{plural}", ordering="-id").status_code == 200


def test_custom_field_filters(admin_api, admin_user, make_lead):
    from leadbridge.customfields.services import custom_field_create

    for key, kind, choices in (
        ("segment", "text", None),
        ("size", "number", None),
        ("since", "date", None),
        ("vip", "boolean", None),
        ("tier", "choice", ["gold", "silver"]),
    ):
        custom_field_create(
            actor=admin_user, record_type="lead", key=key, label=key, type=kind, choices=choices
        )
    a = make_lead(
        custom_fields={
            "segment": "Retail",
            "size": 10,
            "since": "2024-02-29",
            "vip": True,
            "tier": "gold",
        }
    )
    b = make_lead(custom_fields={"segment": "B2B", "size": "12.5", "vip": "no", "tier": "silver"})
    c = make_lead()

    def only(**params):
        return set(ids(admin_api.get("/api/leads", **params)))

    assert only(cf_segment="retail") == {a.pk}
    assert only(cf_segment="RETAIL") == {a.pk}
    assert only(cf_size="10") == {a.pk}
    assert only(cf_size="12.5") == {b.pk}
    assert only(cf_since="2024-02-29") == {a.pk}
    assert only(cf_vip="true") == {a.pk}
    assert only(cf_vip="false") == {b.pk}
    assert only(cf_tier="silver") == {b.pk}
    assert only(cf_tier="silver", cf_segment="retail") == set()
    assert only(cf_since="") == {b.pk, c.pk}
    assert_error(admin_api.get("/api/leads", cf_tier="bronze"), 422, field="cf_tier")
    assert_error(admin_api.get("/api/leads", cf_unknown="x"), 422, field="cf_unknown")


# Deletion -----------------------------------------------------------------------------------


def test_deleted_lead_is_gone_from_the_api(admin_api, make_lead):
    lead, other = make_lead(), make_lead()
    assert admin_api.delete(f"/api/leads/{lead.pk}").status_code == 204
    for call in (
        admin_api.get(f"/api/leads/{lead.pk}"),
        admin_api.get(f"/api/leads/{lead.pk}/history"),
        admin_api.patch(f"/api/leads/{lead.pk}", {"city": "Brno"}),
        admin_api.delete(f"/api/leads/{lead.pk}"),
    ):
        assert_error(call, 404, code="not_found")
    r = admin_api.get("/api/leads", include_converted="true")
    assert ids(r) == [other.pk] and r.json()["count"] == 1
    assert ids(admin_api.get("/api/leads", q=lead.last_name)) == []
    row = Lead.objects.get(pk=lead.pk)  # soft: the row stays
    assert row.deleted_at is not None and row.version == 2


def test_sales_cannot_create_or_delete_leads(make_lead, teams):
    sales = make_user("sales", [teams[0]])
    api = api_for(sales)
    assert_error(api.post("/api/leads", {"last_name": "A"}), 403)
    lead = make_lead(team_id=teams[0].pk)
    assert_error(api.delete(f"/api/leads/{lead.pk}"), 403)


def test_create_service_returns_warnings(admin_user):
    saved = lead_create(actor=admin_user, data={"last_name": "W", "phone": "nope"})
    assert [w.field for w in saved.warnings] == ["phone"]
    assert saved.obj.owner_id == admin_user.pk and saved.obj.version == 1
