"""Activities linked to several records (one row, no copies), their access, and attachments:
upload, list, download, delete."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leadbridge.activities.models import Activity, Attachment
from leadbridge.activities.services import activity_create, link_activity
from leadbridge.conftest import api_for
from leadbridge.core.tests.helpers import assert_error, make_record
from leadbridge.history.models import HistoryEvent


@pytest.fixture
def north_records(teams, users):
    north, _south = teams
    return {
        "lead": make_record("lead", team_id=north.pk, last_name="Kopřivová"),
        "client": make_record("client", team_id=north.pk, owner_id=users["sales_north"].pk),
    }


def listed(api, record_type: str, record_id: int) -> list[int]:
    r = api.get("/api/activities", record_type=record_type, record_id=record_id)
    assert r.status_code == 200, r.content
    assert r.json()["count"] == len(r.json()["items"])
    return [a["id"] for a in r.json()["items"]]


@pytest.fixture
def shared_activity(admin_api, admin_user, north_records):
    lead, client = north_records["lead"], north_records["client"]
    r = admin_api.post(
        "/api/activities",
        {"record_type": "lead", "record_id": lead.pk, "type": "call", "subject": "First call"},
    )
    assert r.status_code == 201, r.content
    activity = Activity.objects.get(pk=r.json()["id"])
    assert (
        link_activity(
            actor=admin_user, activity=activity, record_type="client", record_id=client.pk
        )
        is True
    )
    assert (
        link_activity(
            actor=admin_user, activity=activity, record_type="client", record_id=client.pk
        )
        is False
    )
    return activity


def test_one_activity_shows_on_both_records(admin_api, shared_activity, north_records):
    lead, client = north_records["lead"], north_records["client"]
    assert listed(admin_api, "lead", lead.pk) == [shared_activity.pk]
    assert listed(admin_api, "client", client.pk) == [shared_activity.pk]
    body = admin_api.get(f"/api/activities/{shared_activity.pk}").json()
    assert sorted((r["record_type"], r["id"]) for r in body["records"]) == [
        ("client", client.pk),
        ("lead", lead.pk),
    ]
    assert Activity.objects.count() == 1  # linked, not copied
    # A change made through one record is seen from the other.
    r = admin_api.patch(f"/api/activities/{shared_activity.pk}", {"done": True})
    assert r.status_code == 200 and r.json()["done"] and r.json()["done_at"]
    r = admin_api.get("/api/activities", record_type="client", record_id=client.pk)
    assert r.json()["items"][0]["done"] is True


@pytest.mark.parametrize("deleted, kept", [("lead", "client"), ("client", "lead")])
def test_activity_survives_deleting_either_record(
    admin_api, shared_activity, north_records, deleted, kept
):
    gone, stays = north_records[deleted], north_records[kept]
    plural = {"lead": "leads", "client": "clients"}
    assert admin_api.delete(f"/api/{plural[deleted]}/{gone.pk}").status_code == 204
    assert listed(admin_api, kept, stays.pk) == [shared_activity.pk]
    assert_error(admin_api.get("/api/activities", record_type=deleted, record_id=gone.pk), 404)
    shared_activity.refresh_from_db()
    assert shared_activity.deleted_at is None
    assert shared_activity.links.count() == 2  # the link to the deleted record stays too
    assert admin_api.get(f"/api/activities/{shared_activity.pk}").status_code == 200


def test_activity_list_of_an_invisible_record_is_404(shared_activity, north_records, users):
    lead, client = north_records["lead"], north_records["client"]
    south = api_for(users["sales_south"])
    assert_error(south.get("/api/activities", record_type="lead", record_id=lead.pk), 404)
    assert_error(south.get("/api/activities", record_type="client", record_id=client.pk), 404)
    assert_error(south.get(f"/api/activities/{shared_activity.pk}"), 404)
    assert south.get("/api/activities").json()["count"] == 0
    nobody = api_for(users["nobody"])
    assert_error(nobody.get("/api/activities", record_type="lead", record_id=lead.pk), 404)
    assert_error(nobody.patch(f"/api/activities/{shared_activity.pk}", {"done": True}), 404)
    assert_error(nobody.delete(f"/api/activities/{shared_activity.pk}"), 404)


def test_access_through_any_linked_record(shared_activity, north_records, users, teams):
    from leadbridge.leads.services import lead_update
    from leadbridge.people.services import system_actor

    # Move the lead out of sales_north's team: the client link still gives access.
    lead = north_records["lead"]
    lead_update(actor=system_actor("tests"), pk=lead.pk, data={"team_id": teams[1].pk})
    api = api_for(users["sales_north"])
    assert_error(api.get("/api/activities", record_type="lead", record_id=lead.pk), 404)
    client_id = north_records["client"].pk
    assert listed(api, "client", client_id) == [shared_activity.pk]
    assert api.get(f"/api/activities/{shared_activity.pk}").status_code == 200
    assert [a["id"] for a in api.get("/api/activities").json()["items"]] == [shared_activity.pk]


def test_creating_an_activity_needs_the_update_right(north_records, users):
    client = north_records["client"]
    body = {"record_type": "client", "record_id": client.pk, "type": "note"}
    assert_error(api_for(users["marketing"]).post("/api/activities", body), 403)
    assert_error(api_for(users["sales_south"]).post("/api/activities", body), 404)
    r = api_for(users["sales_north"]).post("/api/activities", body | {"subject": "Mine"})
    assert r.status_code == 201, r.content
    assert r.json()["owner_id"] == users["sales_north"].pk


def test_marketing_sees_but_cannot_change_a_client_activity(shared_activity, users):
    api = api_for(users["marketing"])
    # marketing has every right on leads, so the lead link lets it change the activity
    assert api.patch(f"/api/activities/{shared_activity.pk}", {"subject": "x"}).status_code == 200
    only_client = activity_create(
        actor=users["sales_north"],
        record_type="client",
        record_id=shared_activity.links.get(record_type="client").record_id,
        data={"type": "note", "subject": "Client only"},
    ).obj
    assert api.get(f"/api/activities/{only_client.pk}").status_code == 200
    assert_error(api.patch(f"/api/activities/{only_client.pk}", {"subject": "y"}), 403)


def test_activity_updates_and_deletes(admin_api, shared_activity, north_records):
    url = f"/api/activities/{shared_activity.pk}"
    r = admin_api.patch(url, {"subject": "Second call", "version": 1})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert_error(
        admin_api.patch(url, {"subject": "Third", "version": 1}), 409, code="stale_version"
    )
    assert_error(admin_api.patch(url, {"type": "fax"}), 422, field="type")
    assert_error(admin_api.patch(url, {"colour": "red"}), 422, field="colour")
    assert admin_api.delete(url).status_code == 204
    assert_error(admin_api.get(url), 404)
    assert listed(admin_api, "lead", north_records["lead"].pk) == []
    actions = [
        e.data.get("action")
        for e in HistoryEvent.objects.filter(kind="activity", record_type="client")
    ]
    assert actions == ["updated", "deleted"]


def test_activity_bad_input(admin_api, north_records):
    lead = north_records["lead"]
    body = {"record_type": "lead", "record_id": lead.pk, "type": "call"}
    assert_error(admin_api.post("/api/activities", body | {"type": "fax"}), 422, field="type")
    assert_error(
        admin_api.post("/api/activities", body | {"record_type": "robot"}), 422, field="record_type"
    )
    assert_error(
        admin_api.post("/api/activities", body | {"subject": "x" * 256}), 422, field="subject"
    )
    assert_error(admin_api.post("/api/activities", body | {"due_at": "soon"}), 422, field="due_at")
    assert_error(
        admin_api.post("/api/activities", body | {"owner_id": 999_999}), 422, field="owner_id"
    )
    assert_error(admin_api.post("/api/activities", body | {"record_id": 999_999}), 404)
    assert_error(admin_api.get("/api/activities", record_type="lead"), 422, field="record_id")
    assert not Activity.objects.exists()


def test_activity_create_writes_history_on_the_record(admin_api, north_records):
    lead = north_records["lead"]
    admin_api.post("/api/activities", {"record_type": "lead", "record_id": lead.pk, "type": "task"})
    items = admin_api.get(f"/api/leads/{lead.pk}/history").json()["items"]
    assert [e["kind"] for e in items] == ["created", "activity"]
    assert items[1]["data"]["action"] == "created"


# Attachments ---------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(api, record_type: str, record_id: int, name="offer.pdf", content=b"%PDF-1.4 offer"):
    return api.client.post(
        "/api/attachments",
        {
            "record_type": record_type,
            "record_id": record_id,
            "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
        },
    )


def test_attachment_upload_list_download_delete(admin_api, media, north_records):
    lead = north_records["lead"]
    r = upload(admin_api, "lead", lead.pk)
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["name"], body["size"], body["content_type"]) == (
        "offer.pdf",
        len(b"%PDF-1.4 offer"),
        "application/pdf",
    )
    assert body["records"] == [{"record_type": "lead", "id": lead.pk}]
    attachment_id = body["id"]

    r = admin_api.get("/api/attachments", record_type="lead", record_id=lead.pk)
    assert r.status_code == 200 and r.json()["count"] == 1
    assert r.json()["items"][0]["id"] == attachment_id

    r = admin_api.get(f"/api/attachments/{attachment_id}/download")
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == b"%PDF-1.4 offer"
    assert "offer.pdf" in r["Content-Disposition"]
    assert r["Content-Disposition"].startswith("attachment")

    assert admin_api.delete(f"/api/attachments/{attachment_id}").status_code == 204
    r = admin_api.get("/api/attachments", record_type="lead", record_id=lead.pk)
    assert r.json() == {"items": [], "count": 0}
    assert_error(admin_api.get(f"/api/attachments/{attachment_id}/download"), 404)
    assert_error(admin_api.delete(f"/api/attachments/{attachment_id}"), 404)
    actions = [
        e["data"].get("action")
        for e in admin_api.get(f"/api/leads/{lead.pk}/history").json()["items"]
        if e["kind"] == "attachment"
    ]
    assert actions == ["added", "removed"]


def test_attachment_access(admin_api, media, north_records, users):
    lead = north_records["lead"]
    attachment_id = upload(admin_api, "lead", lead.pk).json()["id"]
    south = api_for(users["sales_south"])
    assert_error(south.get("/api/attachments", record_type="lead", record_id=lead.pk), 404)
    assert_error(south.get(f"/api/attachments/{attachment_id}/download"), 404)
    assert_error(south.delete(f"/api/attachments/{attachment_id}"), 404)
    assert_error(upload(south, "lead", lead.pk), 404)
    north = api_for(users["sales_north"])
    r = north.get(f"/api/attachments/{attachment_id}/download")
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF-1.4 offer"
    # marketing sees the north client but may not change it: no upload, no removal
    client = north_records["client"]
    client_file = upload(admin_api, "client", client.pk).json()["id"]
    marketing = api_for(users["marketing"])
    assert marketing.get(f"/api/attachments/{client_file}/download").status_code == 200
    assert_error(upload(marketing, "client", client.pk), 403)
    assert_error(marketing.delete(f"/api/attachments/{client_file}"), 403)
    assert Attachment.objects.filter(deleted_at__isnull=True).count() == 2


def test_attachment_bad_uploads(admin_api, media, north_records):
    lead = north_records["lead"]
    r = admin_api.client.post("/api/attachments", {"record_type": "lead", "record_id": lead.pk})
    assert_error(r, 422, field="file")
    r = upload(admin_api, "robot", lead.pk)
    assert_error(r, 422, field="record_type")
    assert_error(upload(admin_api, "lead", 999_999), 404)
    assert_error(admin_api.get("/api/attachments", record_type="lead"), 422, field="record_id")
    assert not Attachment.objects.exists()


def test_attachment_of_a_deleted_record_is_hidden(admin_api, media, north_records, users):
    lead = north_records["lead"]
    attachment_id = upload(admin_api, "lead", lead.pk).json()["id"]
    assert admin_api.delete(f"/api/leads/{lead.pk}").status_code == 204
    assert_error(admin_api.get("/api/attachments", record_type="lead", record_id=lead.pk), 404)
    # A user who saw the file only through the deleted lead no longer reaches it.
    north = api_for(users["sales_north"])
    assert_error(north.get(f"/api/attachments/{attachment_id}/download"), 404)
