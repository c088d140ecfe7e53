"""GDPR: the export holds every record of the person; the erasure leaves no trace of the
name, e-mail or phone in any table (searched in a dump of every text column), while deals,
activities, files and counts remain."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from leadbridge.conftest import api_for, make_user

pytestmark = pytest.mark.django_db

FIRST, LAST = "Květoslava", "Zyxwarová"
EMAIL, PHONE = "kveta.zyx@example.org", "+420 777 123 456"
# As typed, folded (search text, file names), stemmed, and the phone's other forms.
NEEDLES = [
    FIRST, LAST, "kvetoslava", "zyxwarova", "zyxwar", EMAIL, "kveta.zyx", "+420777123456",
    "777 123 456", "777123456",
]  # fmt: skip


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def dump_text() -> str:
    """Every row of every table, every column as text: what a database dump would show."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                parts.append(table + " " + " | ".join(str(v) for v in row))
    return "\n".join(parts)


def traces(text: str) -> list[str]:
    lowered = text.lower()
    return [n for n in NEEDLES if n.lower() in lowered]


@pytest.fixture
def person(admin_api, media):
    """A lead with everything a person leaves behind: history of changes, an e-mail and a
    call note, a file, a stored idempotent answer, then converted to a company client, a
    contact person and a deal."""
    api = admin_api
    lead = api.post(
        "/api/leads",
        {"first_name": FIRST, "last_name": "Zyx", "email": EMAIL, "phone": PHONE,
         "company_name": "Acme Robotics", "street": "Lipová 12", "description": "Met at fair",
         "expected_value": "5000", "currency": "CZK"},
        **{"Idempotency-Key": "create-kveta"},
    ).json()  # fmt: skip
    api.patch(f"/api/leads/{lead['id']}", {"last_name": LAST})
    for kind, subject, body in (
        ("email", f"Offer for {FIRST} {LAST}", f"Dear {FIRST}, write to {EMAIL}."),
        ("call", f"Called {FIRST}", f"Call {PHONE} again next week about the robots."),
    ):
        api.post(
            "/api/activities",
            {"record_type": "lead", "record_id": lead["id"], "type": kind, "subject": subject,
             "body": body},
        )  # fmt: skip
    upload = SimpleUploadedFile(
        "zyxwarova-cv.pdf", b"CV of Kvetoslava Zyxwarova", "application/pdf"
    )
    r = api.client.post(
        "/api/attachments", {"record_type": "lead", "record_id": lead["id"], "file": upload}
    )
    assert r.status_code == 201, r.content
    from leadbridge.privacy.services import consent_record

    consent_record(
        record_type="lead", record_id=lead["id"], source="webform:contact-us",
        text=f"I agree that Acme stores my details to answer me. Signed: {FIRST} {LAST}",
    )  # fmt: skip
    plan = {"client": {"mode": "new"}, "contact": {"mode": "new"}, "deal": {"mode": "new"}}
    result = api.post(f"/api/leads/{lead['id']}/convert", plan, **{"Idempotency-Key": "conv-1"})
    assert result.status_code == 200, result.content
    return lead["id"], result.json()


def counts():
    from leadbridge.activities.models import Activity, Attachment
    from leadbridge.clients.models import Client, Contact
    from leadbridge.deals.models import Deal
    from leadbridge.history.models import HistoryEvent
    from leadbridge.leads.models import Lead

    return {
        m.__name__: m.objects.count()
        for m in (Lead, Client, Contact, Deal, Activity, Attachment, HistoryEvent)
    }


def test_the_export_holds_every_record_of_the_person(admin_api, person):
    lead_id, made = person
    data = admin_api.get(f"/api/privacy/lead/{lead_id}/export").json()
    assert set(data["records"]) == {f"lead #{lead_id}", f"contact #{made['contact_id']}"}
    places = data["places"]
    assert {(r["type"], r["id"]) for r in places["records"]} == {
        ("lead", lead_id), ("contact", made["contact_id"])
    }  # fmt: skip
    lead = next(r for r in places["records"] if r["type"] == "lead")
    assert (lead["first_name"], lead["last_name"], lead["email"]) == (FIRST, LAST, EMAIL)
    assert {(r["type"], r["id"]) for r in places["related_records"]} == {
        ("deal", made["deal_id"]), ("client", made["client_id"])
    }  # fmt: skip
    assert {a["type"] for a in places["activities"]} == {"email", "call"}
    assert [f["name"] for f in places["files"]] == ["zyxwarova-cv.pdf"]
    history = places["history"]
    assert any(h["field"] == "last_name" and h["new"] == LAST for h in history)
    assert any(h["kind"] == "converted" for h in history)
    assert places["idempotency_answers"], "the stored API answers are copies too"
    assert places["conversion_links"]
    (consent,) = places["consents"]
    assert consent["text"].startswith("I agree") and consent["given_at"]
    # Handing the data out is recorded on the person's records.
    from leadbridge.history.models import HistoryEvent

    assert HistoryEvent.objects.filter(
        record_type="lead", record_id=lead_id, kind="personal_data_exported"
    ).exists()
    # The readable version.
    api_client = admin_api.client
    page = api_client.get(f"/privacy/lead/{lead_id}/export/")
    assert page.status_code == 302  # pages need the browser session, not a token


def test_erasure_leaves_no_trace_while_deals_and_counts_remain(
    admin_api, admin_user, person, media
):
    from leadbridge.activities.models import Activity, Attachment
    from leadbridge.deals.models import Deal
    from leadbridge.history.models import HistoryEvent

    lead_id, made = person
    assert len(traces(dump_text())) == len(NEEDLES)  # the dump does find them before
    before = counts()
    deal = Deal.objects.get(pk=made["deal_id"])
    files_before = [p for p in media.rglob("*") if p.is_file()]
    assert files_before

    r = admin_api.post(f"/api/privacy/lead/{lead_id}/erase")
    assert r.status_code == 200, r.content
    assert r.json()["rows"]["records"] == 2

    assert traces(dump_text()) == []
    assert counts() == before | {"HistoryEvent": before["HistoryEvent"] + 2}
    kept = Deal.objects.get(pk=made["deal_id"])
    assert (kept.value, kept.stage_id, kept.client_id, kept.contact_id) == (
        deal.value, deal.stage_id, deal.client_id, deal.contact_id
    )  # fmt: skip
    assert "[erased]" in kept.title or LAST not in deal.title
    assert [p for p in media.rglob("*") if p.is_file()] == []  # the file is gone from disk
    assert Attachment.objects.get().name == "[erased]"
    assert (
        Activity.objects.get(type="call").body == "Call [erased] again next week about the robots."
    )
    assert HistoryEvent.objects.filter(record_type="contact", kind="erased").count() == 1
    from leadbridge.privacy.models import Consent

    consent = Consent.objects.get()  # the proof of consent stays, without the name
    assert consent.text.endswith("Signed: [erased]") and consent.given_at
    # Search finds nothing by the old name any more; the records are still listed.
    assert admin_api.get("/api/leads", q="zyxwar").json()["count"] == 0
    assert admin_api.get(f"/api/leads/{lead_id}").json()["last_name"] == "[erased]"


def test_erasure_needs_the_privacy_right(person, users):
    lead_id, _made = person
    manager = api_for(users["manager_north"])
    r = manager.post(f"/api/privacy/lead/{lead_id}/erase")
    assert r.status_code in (403, 404)
    assert r.json()["code"] in ("forbidden", "not_found")
    assert manager.get(f"/api/privacy/lead/{lead_id}/export").status_code in (403, 404)


def test_a_role_with_the_privacy_right_may(person, teams):
    from leadbridge.people.models import Role

    role = Role.objects.create(
        key="dpo", name="Data protection officer",
        permissions={t: {"scope": "all", "rights": ["view", "privacy"]}
                     for t in ("lead", "client", "contact", "deal")},
    )  # fmt: skip
    dpo = api_for(make_user(role.key))
    lead_id, _made = person
    assert dpo.get(f"/api/privacy/lead/{lead_id}/export").status_code == 200


def test_a_company_client_is_not_a_person(admin_api, person):
    _lead_id, made = person
    r = admin_api.post(f"/api/privacy/client/{made['client_id']}/erase")
    assert r.status_code == 422 and r.json()["code"] == "not_a_person"


def test_erasing_the_contact_reaches_the_lead_it_came_from(admin_api, person):
    lead_id, made = person
    r = admin_api.post(f"/api/privacy/contact/{made['contact_id']}/erase")
    assert r.status_code == 200
    assert traces(dump_text()) == []
    assert admin_api.get(f"/api/leads/{lead_id}").json()["email"] == ""


def test_the_readable_export_and_the_erase_button(client, admin_user, person):
    lead_id, _made = person
    client.force_login(admin_user)
    page = client.get(f"/privacy/lead/{lead_id}/export/")
    assert page.status_code == 200
    text = page.content.decode()
    assert LAST in text and EMAIL in text and "zyxwarova-cv.pdf" in text
    download = client.get(f"/privacy/lead/{lead_id}/export/?format=json")
    assert download["Content-Disposition"].startswith("attachment")
    assert download.json()["places"]["records"]
    response = client.post(f"/privacy/lead/{lead_id}/erase/")
    assert response.status_code == 302
    assert traces(dump_text()) == []


def test_the_buttons_show_for_the_right_only(client, admin_user, users, person):
    lead_id, made = person
    client.force_login(admin_user)
    assert "Erase (GDPR)" in client.get(f"/leads/{lead_id}/").content.decode()
    assert "Erase (GDPR)" in client.get(f"/contacts/{made['contact_id']}/").content.decode()
    assert "Erase (GDPR)" not in client.get(f"/clients/{made['client_id']}/").content.decode()
    client.force_login(users["marketing"])
    page = client.get(f"/leads/{lead_id}/")
    assert page.status_code in (200, 404) and "Erase (GDPR)" not in page.content.decode()


def test_a_duplicate_merged_into_the_person_is_erased_too(admin_api, make_lead):
    from django.utils import timezone

    from leadbridge.leads.models import Lead

    survivor = make_lead(first_name=FIRST, last_name=LAST, email=EMAIL)
    duplicate = make_lead(first_name=FIRST, last_name=LAST, email="kveta.old@example.org")
    Lead.objects.filter(pk=duplicate.pk).update(merged_into=survivor.pk, deleted_at=timezone.now())
    r = admin_api.post(f"/api/privacy/lead/{survivor.pk}/erase")
    assert r.json()["rows"]["records"] == 2
    assert "kveta.old" not in dump_text() and traces(dump_text()) == []


def test_a_client_who_is_a_person_is_erased(admin_api):
    client = admin_api.post(
        "/api/clients",
        {"kind": "person", "first_name": FIRST, "last_name": LAST, "email": EMAIL,
         "phone": PHONE},
    ).json()  # fmt: skip
    admin_api.post(
        "/api/deals", {"title": f"Kitchen for {FIRST} {LAST}", "client_id": client["id"],
                       "value": "12000"},
    )  # fmt: skip
    r = admin_api.post(f"/api/privacy/client/{client['id']}/erase")
    assert r.status_code == 200, r.content
    assert traces(dump_text()) == []
    deal = admin_api.get("/api/deals").json()["items"][0]
    assert deal["title"] == "Kitchen for [erased]" and deal["value"] == "12000.00"


def test_the_readable_export_names_each_place_in_the_readers_language(client, admin_user, person):
    lead_id, _made = person
    client.force_login(admin_user)
    english = client.get(f"/privacy/lead/{lead_id}/export/").content.decode()
    assert "Old and new values and summaries in the timeline" in english
    czech = client.get(
        f"/privacy/lead/{lead_id}/export/", HTTP_ACCEPT_LANGUAGE="cs"
    ).content.decode()
    assert "Staré a nové hodnoty a souhrny na časové ose" in czech
