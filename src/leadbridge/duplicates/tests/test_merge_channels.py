"""A merge keeps every e-mail and phone of the merged records (issue 18.3) and undo stays
exact; the compare screen offers every differing value."""

import pytest

from leadbridge.activities.models import Activity, ActivityLink
from leadbridge.core.cleaning import MAX_LIST
from leadbridge.core.registry import model_for
from leadbridge.people.models import User

pytestmark = pytest.mark.django_db

NAMES = {
    "lead": {"last_name": "Šťastný", "company_name": "Agro"},
    "client": {"kind": "company", "name": "Agro Šumava"},
    "contact": {"last_name": "Šťastný"},
}
SKIP = ("version", "updated_at")


def _rows(model, ids):
    return {pk: {k: v for k, v in model.objects.filter(pk=pk).values().get().items()
                 if k not in SKIP} for pk in ids}  # fmt: skip


@pytest.mark.parametrize("record_type", ["lead", "client", "contact"])
def test_three_way_merge_keeps_every_email_and_phone_and_undo_is_exact(admin_api, record_type):
    base = NAMES[record_type]
    bodies = [
        {**base, "email": "a@porost.cz", "phone": "603 111 222", "other_emails": ["A2@porost.cz"]},
        {
            **base,
            "email": "z.stastny@gmail.com",
            "phone": "777 123 456",
            "mobile": "+420 603 111 222",  # the survivor's phone written otherwise
            "other_emails": ["a2@POROST.cz"],  # the survivor's, in capitals
        },
        {**base, "email": "A@Porost.cz", "other_phones": ["+48 601 222 333", "777123456"]},
    ]
    ids = []
    for body in bodies:
        r = admin_api.post(f"/api/{record_type}s?on_duplicate=allow", body)
        assert r.status_code == 201, r.content
        ids.append(r.json()["id"])
    model = model_for(record_type)
    before = _rows(model, ids)

    r = admin_api.post(
        "/api/duplicates/merge",
        {"record_type": record_type, "ids": ids, "choices": {"email": ids[1]}},
    )
    assert r.status_code == 201, r.content
    got = admin_api.get(f"/api/{record_type}s/{ids[0]}").json()
    assert got["email"] == "z.stastny@gmail.com"
    assert got["other_emails"] == ["A2@porost.cz", "a@porost.cz"]
    assert got["phone"] == "603 111 222" and got["mobile"] == "+420 603 111 222"
    assert got["other_phones"] == ["777 123 456", "+48 601 222 333"]
    # The survivor is found by a loser's number and address.
    found = admin_api.get(f"/api/{record_type}s", params={"q": "777 123 456"}).json()["items"]
    assert [x["id"] for x in found] == [ids[0]]

    r = admin_api.post(f"/api/duplicates/merges/{r.json()['id']}/undo")
    assert r.status_code == 200, r.content
    assert _rows(model, ids) == before


def test_past_the_list_limit_the_rest_goes_into_a_note_which_undo_removes(admin_api):
    ids = []
    for n in range(3):
        emails = [f"p{n}.{i}@porost.cz" for i in range(10)]
        body = {"last_name": "Novák", "email": f"main{n}@porost.cz", "other_emails": emails}
        ids.append(admin_api.post("/api/leads?on_duplicate=allow", body).json()["id"])
    merge = admin_api.post("/api/duplicates/merge", {"record_type": "lead", "ids": ids}).json()
    got = admin_api.get(f"/api/leads/{ids[0]}").json()
    kept = ["p0." + str(i) + "@porost.cz" for i in range(10)] + [
        "main1@porost.cz",
        *[f"p1.{i}@porost.cz" for i in range(9)],
    ]
    assert len(kept) == MAX_LIST and got["other_emails"] == kept
    links = ActivityLink.objects.filter(record_type="lead", record_id=ids[0])
    note = Activity.objects.get(pk__in=links.values("activity_id"), type="note")
    rest = ["p1.9@porost.cz", "main2@porost.cz", *[f"p2.{i}@porost.cz" for i in range(10)]]
    assert note.body.splitlines() == rest

    admin_api.post(f"/api/duplicates/merges/{merge['id']}/undo")
    assert Activity.objects.get(pk=note.pk).deleted_at is not None


def test_compare_offers_every_differing_value_by_name(client, admin_user, admin_api):
    from leadbridge.customfields.models import CustomFieldDefinition

    CustomFieldDefinition.objects.create(record_type="lead", key="region_code", label="Kraj")
    jana = User.objects.create_user("jana", first_name="Jana", last_name="Nováková")
    a = admin_api.post(
        "/api/leads",
        {"last_name": "Dvořák", "custom_fields": {"region_code": "JHC"}, "tags": ["vip"]},
    ).json()
    b = admin_api.post(
        "/api/leads?on_duplicate=allow",
        {
            "last_name": "Dvořák",
            "owner_id": jana.pk,
            "custom_fields": {"region_code": "PLK"},
            "other_emails": ["x@porost.cz"],
            "tags": ["fair"],
        },
    ).json()
    client.force_login(admin_user)
    page = client.get(f"/duplicates/compare/?record_type=lead&ids={a['id']},{b['id']}")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="choice_owner_id"' in html and "Jana Nováková" in html
    assert 'name="choice_custom_fields.region_code"' in html and "Kraj" in html
    assert 'name="choice_other_emails"' not in html and "x@porost.cz" in html
    assert 'name="choice_tags"' not in html  # tags are joined, not chosen

    r = client.post(
        "/duplicates/compare/",
        {
            "record_type": "lead",
            "ids": [a["id"], b["id"]],
            "survivor_id": a["id"],
            "choice_owner_id": b["id"],
            "choice_custom_fields.region_code": b["id"],
        },
    )
    assert r.status_code == 302
    got = admin_api.get(f"/api/leads/{a['id']}").json()
    assert got["owner_id"] == jana.pk and got["custom_fields"]["region_code"] == "PLK"
    assert got["other_emails"] == ["x@porost.cz"] and sorted(got["tags"]) == ["fair", "vip"]


def test_compare_with_a_record_out_of_reach_or_missing(client, users, teams, make_lead):
    from leadbridge.leads.models import Lead

    north, south = teams
    mine = make_lead(last_name="A", owner_id=users["sales_north"].pk, team_id=north.pk)
    theirs = make_lead(last_name="A", owner_id=users["sales_south"].pk, team_id=south.pk)
    client.force_login(users["sales_north"])
    for ids in (f"{mine.pk},999999", f"{mine.pk},{theirs.pk}", ""):
        r = client.get(f"/duplicates/compare/?record_type=lead&ids={ids}")
        assert r.status_code == 302 and "/duplicates/" in r["Location"]  # back to the finder
    r = client.post(
        "/duplicates/compare/",
        {"record_type": "lead", "ids": [mine.pk, theirs.pk], "choice_last_name": theirs.pk},
    )
    assert r.status_code == 302
    assert Lead.objects.alive().filter(pk__in=[mine.pk, theirs.pk]).count() == 2
