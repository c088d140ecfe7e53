"""Duplicate checks on the way in, the finder, "not a duplicate", merge and undo."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadbridge.activities.models import ActivityLink, AttachmentLink
from leadbridge.activities.services import activity_create, attachment_create
from leadbridge.clients.models import Contact
from leadbridge.clients.services import client_create, contact_create
from leadbridge.conftest import api_for
from leadbridge.core.tests.helpers import assert_error
from leadbridge.deals.models import Deal
from leadbridge.deals.services import deal_create
from leadbridge.duplicates.merge import merge_undo, record_merge
from leadbridge.duplicates.models import MatchKey
from leadbridge.history.models import HistoryEvent
from leadbridge.leads.models import Lead

NOVAK = {"first_name": "Jan", "last_name": "Novák", "email": "jan.novak@porost.cz"}


def test_create_reports_duplicates_and_allow_saves(admin_api):
    first = admin_api.post("/api/leads", NOVAK).json()
    r = admin_api.post("/api/leads", {**NOVAK, "email": "Jan.Novak@porost.cz", "city": "Brno"})
    assert r.status_code == 201
    body = r.json()
    assert body["outcome"] == "created"
    [match] = body["duplicates"]
    assert match["id"] == first["id"] and match["record_type"] == "lead"
    assert match["score"] >= 0.9 and match["reasons"][0].startswith("same e-mail (+")


def test_reject_answers_409_with_candidates_and_saves_nothing(admin_api):
    admin_api.post("/api/leads", NOVAK)
    r = admin_api.post("/api/leads?on_duplicate=reject", {**NOVAK, "last_name": "Novak"})
    body = assert_error(r, 409, field="on_duplicate", code="duplicate")
    assert body["duplicates"][0]["display_name"].startswith("Jan Nov")
    assert Lead.objects.count() == 1


def test_skip_update_and_link(admin_api):
    first = admin_api.post("/api/leads", NOVAK).json()
    r = admin_api.post("/api/leads?on_duplicate=skip", NOVAK)
    assert r.status_code == 200 and r.json()["outcome"] == "skipped"
    assert r.json()["id"] == first["id"] and Lead.objects.count() == 1

    r = admin_api.post(
        "/api/leads?on_duplicate=update", {**NOVAK, "phone": "+420603123456", "last_name": "Novak"}
    )
    body = r.json()
    assert r.status_code == 200 and body["outcome"] == "updated"
    assert (
        body["phone"] == "+420603123456" and body["first_name"] == "Jan"
    )  # filled, not overwritten

    r = admin_api.post("/api/leads?on_duplicate=link", {**NOVAK, "description": "Came back"})
    assert r.status_code == 200 and r.json()["outcome"] == "linked"
    link = ActivityLink.objects.get(record_type="lead", record_id=first["id"])
    assert "Came back" in link.activity.body and Lead.objects.count() == 1


def test_a_lead_is_checked_against_clients_and_contacts(admin_api, admin_user):
    client = client_create(
        actor=admin_user,
        data={"kind": "company", "name": "POROST, spol. s r.o.", "registration_number": "12345678"},
    ).obj
    contact_create(actor=admin_user, data={**NOVAK, "client_id": client.pk})
    body = admin_api.post(
        "/api/leads", {**NOVAK, "company_name": "Porost s.r.o.", "vat_id": "CZ12345678"}
    ).json()
    found = {(m["record_type"], m["display_name"]) for m in body["duplicates"]}
    assert ("client", "POROST, spol. s r.o.") in found and ("contact", "Jan Novák") in found


def test_update_reports_duplicates_of_others(admin_api):
    admin_api.post("/api/leads", NOVAK)
    other = admin_api.post("/api/leads", {"last_name": "Svoboda"}).json()
    change = {"email": "jan.novak@porost.cz", "first_name": "Jan", "last_name": "Novak"}
    r = admin_api.patch(f"/api/leads/{other['id']}", change)
    assert r.status_code == 200 and len(r.json()["duplicates"]) == 1


def test_matches_name_only_records_the_user_may_see(users, admin_user, teams):
    north, south = teams
    from leadbridge.leads.services import lead_create

    lead_create(actor=admin_user, data={**NOVAK, "team_id": south.pk, "owner_id": admin_user.pk})
    r = api_for(users["manager_north"]).post("/api/leads", NOVAK)
    assert r.status_code == 201, r.content
    assert r.json()["duplicates"] == []


def test_match_keys_follow_edits_and_deletion(admin_api):
    lead = admin_api.post("/api/leads", NOVAK).json()
    assert MatchKey.objects.filter(record_id=lead["id"], key="e:jan.novak@porost.cz").exists()
    admin_api.patch(f"/api/leads/{lead['id']}", {"email": "jan@novak.cz"})
    keys = set(MatchKey.objects.filter(record_id=lead["id"]).values_list("key", flat=True))
    assert "e:jan@novak.cz" in keys and "e:jan.novak@porost.cz" not in keys
    admin_api.delete(f"/api/leads/{lead['id']}")
    assert not MatchKey.objects.filter(record_id=lead["id"]).exists()


def test_finder_groups_and_not_duplicate(admin_api):
    a = admin_api.post("/api/leads", NOVAK).json()
    b = admin_api.post(
        "/api/leads", {"first_name": "Jan", "last_name": "Novak", "email": "jan.novak@porost.cz"}
    ).json()
    c = admin_api.post(
        "/api/leads", {"first_name": "Honza", "last_name": "Novák", "email": "JAN.NOVAK@porost.cz"}
    ).json()
    admin_api.post("/api/leads", {"first_name": "Eva", "last_name": "Malá", "email": "eva@mala.cz"})
    r = admin_api.post("/api/duplicates/find", {"record_type": "lead"})
    assert r.status_code == 200, r.content
    [group] = r.json()["groups"]
    assert {x["id"] for x in group["records"]} == {a["id"], b["id"], c["id"]}
    assert any(r.startswith("same e-mail (+") for r in group["reasons"])
    r = admin_api.post("/api/duplicates/find", {"record_type": "lead", "fields": ["phone"]})
    assert r.json()["groups"] == []
    r = admin_api.post("/api/duplicates/find", {"record_type": "lead", "filters": {"q": "honza"}})
    assert r.json()["groups"] == []  # the filter leaves one record: no pair

    for other in (b, c):
        r = admin_api.post(
            "/api/duplicates/not-duplicate", {"record_type": "lead", "ids": [a["id"], other["id"]]}
        )
        assert r.status_code == 204
    admin_api.post(
        "/api/duplicates/not-duplicate", {"record_type": "lead", "ids": [b["id"], c["id"]]}
    )
    assert admin_api.post("/api/duplicates/find", {"record_type": "lead"}).json()["groups"] == []
    # and the create-time check of that record no longer names them
    r = admin_api.patch(f"/api/leads/{a['id']}", {"city": "Brno"})
    assert r.json()["duplicates"] == []


def test_large_finder_runs_as_a_job(admin_api, monkeypatch):
    from leadbridge.duplicates import finder, tasks

    monkeypatch.setattr(finder, "SYNC_LIMIT", 1)
    admin_api.post("/api/leads", NOVAK)
    admin_api.post("/api/leads", NOVAK)
    r = admin_api.post("/api/duplicates/find", {"record_type": "lead"})
    assert r.status_code == 202
    body = r.json()
    assert r["Location"] == body["url"]
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(args_kwargs__args=[body["job_id"]]).exists()
    assert admin_api.get(body["url"]).json()["status"] == "queued"
    tasks.run_finder.func(body["job_id"])
    done = admin_api.get(body["url"]).json()
    assert done["status"] == "done" and done["progress"] == 1.0 and len(done["groups"]) == 1


def _upload(name="a.txt"):
    return SimpleUploadedFile(name, b"hello", content_type="text/plain")


def test_n_way_merge_moves_everything_and_undo_restores_it(admin_api, admin_user):
    client = client_create(actor=admin_user, data={"kind": "company", "name": "Porost"}).obj
    ids = []
    for n, email in enumerate(["a@x.cz", "", "c@x.cz"]):
        lead = admin_api.post("/api/leads", {**NOVAK, "email": email, "tags": [f"t{n}"]}).json()
        ids.append(lead["id"])
        activity_create(
            actor=admin_user,
            record_type="lead",
            record_id=lead["id"],
            data={"type": "note", "subject": f"n{n}"},
        )
        attachment_create(
            actor=admin_user, record_type="lead", record_id=lead["id"], upload=_upload()
        )
    contact = contact_create(
        actor=admin_user, data={"last_name": "From lead", "client_id": client.pk}
    ).obj
    Contact.objects.filter(pk=contact.pk).update(lead_id=ids[2])
    before_links = sorted(ActivityLink.objects.values_list("id", "record_id"))
    before_rows = {pk: Lead.objects.filter(pk=pk).values().get() for pk in ids}

    r = admin_api.post(
        "/api/duplicates/merge",
        {"record_type": "lead", "ids": ids[::-1], "choices": {"email": ids[2]}},
    )
    assert r.status_code == 201, r.content
    merge = r.json()
    assert merge["survivor_id"] == ids[0] and sorted(merge["merged_ids"]) == ids[1:]
    survivor = Lead.objects.get(pk=ids[0])
    assert survivor.email == "c@x.cz" and set(survivor.tags) == {"t0", "t1", "t2"}
    assert ActivityLink.objects.filter(record_type="lead", record_id=ids[0]).count() == 3
    assert AttachmentLink.objects.filter(record_type="lead", record_id=ids[0]).count() == 3
    assert Contact.objects.get(pk=contact.pk).lead_id == ids[0]
    for pk in ids[1:]:
        gone = Lead.objects.get(pk=pk)
        assert gone.deleted_at and gone.merged_into == ids[0]
    history = admin_api.get(f"/api/leads/{ids[0]}/history").json()["items"]
    assert {e["origin"]["id"] for e in history if e.get("origin")} >= set(ids[1:])

    r = admin_api.post(f"/api/duplicates/merges/{merge['id']}/undo")
    assert r.status_code == 200 and r.json()["undone_at"]
    assert sorted(ActivityLink.objects.values_list("id", "record_id")) == before_links
    assert Contact.objects.get(pk=contact.pk).lead_id == ids[2]
    for pk in ids:
        row = Lead.objects.filter(pk=pk).values().get()
        for name in ("version", "updated_at"):
            row.pop(name), before_rows[pk].pop(name, None)
        assert row == {
            k: v for k, v in before_rows[pk].items() if k not in ("version", "updated_at")
        }
    kinds = list(
        HistoryEvent.objects.filter(record_id=ids[0], record_type="lead").values_list(
            "kind", flat=True
        )
    )
    assert "merged" in kinds and "merge_undone" in kinds
    assert_error(
        admin_api.post(f"/api/duplicates/merges/{merge['id']}/undo"), 409, code="already_undone"
    )


def test_undo_refuses_when_the_survivor_changed_later(admin_api):
    a = admin_api.post("/api/leads", NOVAK).json()
    b = admin_api.post("/api/leads", NOVAK).json()
    merge = admin_api.post(
        "/api/duplicates/merge", {"record_type": "lead", "ids": [a["id"], b["id"]]}
    ).json()
    admin_api.patch(f"/api/leads/{a['id']}", {"city": "Ostrava"})
    body = assert_error(
        admin_api.post(f"/api/duplicates/merges/{merge['id']}/undo"), 409, code="merge_conflict"
    )
    assert f"Lead {a['id']}" in body["detail"]


def test_merge_of_clients_moves_deals_and_contacts(admin_user, admin_api):
    a = client_create(actor=admin_user, data={"kind": "company", "name": "Porost s.r.o."}).obj
    b = client_create(actor=admin_user, data={"kind": "company", "name": "POROST spol. s r.o."}).obj
    deal = deal_create(actor=admin_user, data={"title": "Big", "client_id": b.pk}).obj
    person = contact_create(actor=admin_user, data={"last_name": "X", "client_id": b.pk}).obj
    r = admin_api.post("/api/duplicates/merge", {"record_type": "client", "ids": [a.pk, b.pk]})
    assert r.status_code == 201
    assert Deal.objects.get(pk=deal.pk).client_id == a.pk
    assert Contact.objects.get(pk=person.pk).client_id == a.pk
    merge_undo(actor=admin_user, merge_id=r.json()["id"])
    assert Deal.objects.get(pk=deal.pk).client_id == b.pk


def test_merge_needs_merge_update_and_delete_rights(users, make_lead, teams):
    north, _south = teams
    a = make_lead(team_id=north.pk, owner_id=users["sales_north"].pk, **NOVAK)
    b = make_lead(team_id=north.pk, owner_id=users["sales_north"].pk, **NOVAK)
    r = api_for(users["sales_north"]).post(
        "/api/duplicates/merge", {"record_type": "lead", "ids": [a.pk, b.pk]}
    )
    assert_error(r, 403)
    assert Lead.objects.alive().count() == 2


def test_bad_merge_requests(admin_api, make_lead):
    a = make_lead(**NOVAK)
    assert_error(
        admin_api.post("/api/duplicates/merge", {"record_type": "lead", "ids": [a.pk, a.pk]}),
        422,
        field="ids",
    )
    b = make_lead(**NOVAK)
    r = admin_api.post(
        "/api/duplicates/merge",
        {"record_type": "lead", "ids": [a.pk, b.pk], "choices": {"nope": a.pk}},
    )
    assert_error(r, 422, field="choices.nope")
    assert_error(
        admin_api.post("/api/duplicates/merge", {"record_type": "lead", "ids": [a.pk, 999999]}), 404
    )


field_values = st.fixed_dictionaries(
    {
        "first_name": st.sampled_from(["Jan", "", "Eva"]),
        "last_name": st.sampled_from(["Novák", "Nowak", "Svoboda"]),
        "email": st.sampled_from(["", "a@x.cz", "b@y.cz"]),
        "city": st.sampled_from(["", "Brno", "Praha"]),
        "tags": st.lists(st.sampled_from(["a", "b", "c"]), max_size=2, unique=True),
    }
)


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(field_values, min_size=2, max_size=4), st.data())
def test_merge_then_undo_restores_every_field_and_link(admin_user, records, data):
    from leadbridge.leads.services import lead_create

    leads = [lead_create(actor=admin_user, data=values).obj for values in records]
    ids = [lead.pk for lead in leads]
    for pk in ids:
        activity_create(
            actor=admin_user,
            record_type="lead",
            record_id=pk,
            data={"type": "note", "subject": "s"},
        )
    survivor = data.draw(st.sampled_from(ids))
    choices = {"email": data.draw(st.sampled_from(ids)), "city": data.draw(st.sampled_from(ids))}
    before = {pk: Lead.objects.filter(pk=pk).values().get() for pk in ids}
    links = sorted(
        ActivityLink.objects.filter(record_id__in=ids).values_list("id", "activity_id", "record_id")
    )
    merge = record_merge(
        actor=admin_user, record_type="lead", ids=ids, survivor_id=survivor, choices=choices
    )
    merge_undo(actor=admin_user, merge_id=merge.pk)
    skip = ("version", "updated_at")
    for pk in ids:
        row = Lead.objects.filter(pk=pk).values().get()
        assert {k: v for k, v in row.items() if k not in skip} == {
            k: v for k, v in before[pk].items() if k not in skip
        }
    assert (
        sorted(
            ActivityLink.objects.filter(record_id__in=ids).values_list(
                "id", "activity_id", "record_id"
            )
        )
        == links
    )


def test_scoring_in_small_chunks_finds_the_same_groups(admin_user, make_lead, monkeypatch):
    from leadbridge.duplicates import finder, vectorized

    for n in range(3):
        make_lead(**NOVAK, city="Brno")
        make_lead(first_name="Eva", last_name=f"Malá{n}", email=f"eva{n}@mala.cz")
        make_lead(first_name="Eva", last_name=f"Mala{n}", email=f"eva{n}@mala.cz")
    whole = finder.find_groups(actor=admin_user, record_type="lead")
    monkeypatch.setattr(vectorized, "_CHUNK", 2)
    stats: dict = {}
    chunked = finder.find_groups(actor=admin_user, record_type="lead", stats=stats)
    assert chunked == whole and len(whole) == 4 and stats["kept"] >= 6


def test_conversion_detects_duplicates_and_update_uses_the_match(admin_api, admin_user):
    existing = client_create(
        actor=admin_user,
        data={"kind": "company", "name": "POROST, spol. s r.o.", "registration_number": "12345678"},
    ).obj
    lead = admin_api.post(
        "/api/leads", {**NOVAK, "company_name": "Porost s.r.o.", "vat_id": "CZ12345678"}
    ).json()
    preview = admin_api.post(
        f"/api/leads/{lead['id']}/convert/preview", {"contact": {"mode": "none"}}
    )
    assert [d["id"] for d in preview.json()["duplicates"] if d["record_type"] == "client"] == [
        existing.pk
    ]
    plan = {"contact": {"mode": "none"}, "on_duplicate": "reject"}
    assert_error(admin_api.post(f"/api/leads/{lead['id']}/convert", plan), 409, code="duplicate")
    plan["on_duplicate"] = "update"
    r = admin_api.post(f"/api/leads/{lead['id']}/convert", plan)
    assert r.status_code == 200, r.content
    from leadbridge.clients.models import Client

    assert Client.objects.count() == 1
    assert Client.objects.get().vat_id == "CZ12345678"  # an empty field filled from the lead


def test_finder_filters_are_validated(admin_api):
    r = admin_api.post("/api/duplicates/find", {"record_type": "contact", "filters": {"nope": 1}})
    assert_error(r, 422, field="filters.nope")
    r = admin_api.post(
        "/api/duplicates/find", {"record_type": "lead", "filters": {"owner_id": "x"}}
    )
    assert_error(r, 422, field="filters.owner_id")
    r = admin_api.post(
        "/api/duplicates/find",
        {"record_type": "lead", "filters": {"created_after": "2026-01-01T00:00:00Z"}},
    )
    assert r.status_code == 200, r.content
    r = admin_api.post("/api/duplicates/find", {"record_type": "lead", "filters": {"cf_x": "1"}})
    assert_error(r, 422)  # no such custom field
