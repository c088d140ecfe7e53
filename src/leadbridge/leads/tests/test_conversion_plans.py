"""The conversion's acceptance list: every mode combination, conflicts, required fields,
custom fields, re-conversion, assign, status change, idempotency, versions, atomicity,
concurrency and what survives the lead's deletion."""

import itertools
import threading

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

MODES = ("new", "existing", "none")


@pytest.fixture
def world(admin_user):
    """An existing client with a contact and an open deal, and a lead with an activity."""
    from leadbridge.clients.services import client_create, contact_create
    from leadbridge.deals.services import deal_create

    acme = client_create(actor=admin_user, data={"name": "Acme a.s.", "city": "Brno"}).obj
    petra = contact_create(
        actor=admin_user, data={"first_name": "Petra", "last_name": "Malá", "client_id": acme.pk}
    ).obj
    deal = deal_create(
        actor=admin_user,
        data={"title": "Acme renewal", "client_id": acme.pk, "contact_id": petra.pk},
    ).obj
    return {"client": acme, "contact": petra, "deal": deal}


def new_lead(api, **data):
    body = {
        "first_name": "Jan",
        "last_name": "Novák",
        "company_name": "Porost s.r.o.",
        "email": "jan@porost.cz",
        "city": "Praha",
        "expected_value": "1200.50",
        "currency": "CZK",
    } | data
    lead = api.post("/api/leads", body).json()
    api.post(
        "/api/activities",
        {"record_type": "lead", "record_id": lead["id"], "type": "call", "subject": "First call"},
    )
    return lead


@pytest.mark.parametrize(
    "client_mode,contact_mode,deal_mode", list(itertools.product(MODES, MODES, MODES))
)
def test_every_combination(admin_api, world, client_mode, contact_mode, deal_mode):
    from leadbridge.activities.models import ActivityLink
    from leadbridge.leads.models import ConversionLink, Lead

    lead = new_lead(admin_api)
    plan = {}
    for name, mode in (("client", client_mode), ("contact", contact_mode), ("deal", deal_mode)):
        plan[name] = {"mode": mode} | ({"id": world[name].pk} if mode == "existing" else {})
    r = admin_api.post(f"/api/leads/{lead['id']}/convert", plan)
    assert r.status_code == 200, r.content
    result = r.json()
    for name, mode in (("client", client_mode), ("contact", contact_mode), ("deal", deal_mode)):
        made = result[f"{name}_id"]
        if mode == "none":
            assert made is None
        elif mode == "existing":
            assert made == world[name].pk and result["created"][name] is False
        else:
            assert made not in (None, world[name].pk) and result["created"][name] is True
    targets = {(n, result[f"{n}_id"]) for n in ("client", "contact", "deal") if result[f"{n}_id"]}
    links = set(
        ConversionLink.objects.filter(lead_id=lead["id"]).values_list("target_type", "target_id")
    )
    assert links == targets
    activity_targets = set(
        ActivityLink.objects.exclude(record_type="lead").values_list("record_type", "record_id")
    )
    assert targets <= activity_targets
    stored = Lead.objects.get(pk=lead["id"])
    assert stored.is_converted and stored.status.kind == "converted"
    if deal_mode == "new" and result["client_id"]:
        from leadbridge.deals.models import Deal

        assert Deal.objects.get(pk=result["deal_id"]).client_id == result["client_id"]


def test_conflicts_and_overwrite(admin_api, world):
    lead = new_lead(admin_api)
    plan = {"client": {"mode": "existing", "id": world["client"].pk}, "contact": {"mode": "none"}}
    preview = admin_api.post(f"/api/leads/{lead['id']}/convert/preview", plan).json()
    assert {"field": "city", "existing": "Brno", "lead": "Praha"} in preview["client"]["conflicts"]
    assert admin_api.post(f"/api/leads/{lead['id']}/convert", plan).status_code == 200
    world["client"].refresh_from_db()
    assert world["client"].city == "Brno"  # only empty fields are filled
    lead2 = new_lead(admin_api, email="jan2@porost.cz")
    plan["client"]["overwrite"] = ["city"]
    assert admin_api.post(f"/api/leads/{lead2['id']}/convert", plan).status_code == 200
    world["client"].refresh_from_db()
    assert world["client"].city == "Praha"


def test_a_lead_without_a_company_becomes_a_person_client(admin_api):
    from leadbridge.clients.models import Client

    lead = new_lead(admin_api, company_name="")
    r = admin_api.post(f"/api/leads/{lead['id']}/convert", {"contact": {"mode": "none"}})
    client = Client.objects.get(pk=r.json()["client_id"])
    assert client.kind == "person" and client.last_name == "Novák"
    assert client.email == "jan@porost.cz"


def test_missing_required_fields_answer_422_with_paths(admin_api, admin_user):
    from leadbridge.clients.models import Client
    from leadbridge.customfields.models import CustomFieldDefinition, RequiredField
    from leadbridge.deals.services import pipeline_create

    RequiredField.objects.create(record_type="client", field="vat_id")
    RequiredField.objects.create(record_type="contact", field="job_title")
    CustomFieldDefinition.objects.create(
        record_type="client", key="segment", label="Segment", type="text", required=True
    )
    pipeline_create(actor=admin_user, name="Second", stages=["A", "B"])
    lead = new_lead(admin_api)
    r = admin_api.post(f"/api/leads/{lead['id']}/convert", {"deal": {"mode": "new"}})
    assert r.status_code == 422 and r.json()["code"] == "missing_fields"
    fields = {e["field"] for e in r.json()["errors"]}
    assert {
        "client.vat_id",
        "client.custom_fields.segment",
        "contact.job_title",
        "deal.pipeline_id",
    } <= fields
    assert not Client.objects.exists()
    preview = admin_api.post(
        f"/api/leads/{lead['id']}/convert/preview", {"deal": {"mode": "new"}}
    ).json()
    assert {e["field"] for e in preview["missing_fields"]} == fields
    plan = {
        "client": {"fields": {"vat_id": "CZ12345678", "custom_fields": {"segment": "B2B"}}},
        "contact": {"fields": {"job_title": "CEO"}},
        "deal": {"mode": "new"},
    }
    plan["deal"]["pipeline_id"] = admin_api.get("/api/pipelines").json()[1]["id"]
    r = admin_api.post(f"/api/leads/{lead['id']}/convert", plan)
    assert r.status_code == 200, r.content


def test_custom_fields_are_created_on_the_target_the_first_time(admin_api):
    from leadbridge.customfields.models import CustomFieldDefinition

    admin_api.post(
        "/api/custom-fields",
        {"record_type": "lead", "key": "fair", "label": "Fair", "type": "text"},
    )
    lead = new_lead(admin_api, custom_fields={"fair": "Brno 2026"})
    plan = {"contact": {"mode": "none"}}
    preview = admin_api.post(f"/api/leads/{lead['id']}/convert/preview", plan).json()
    assert [c["key"] for c in preview["custom_fields_to_create"]] == ["fair"]
    r = admin_api.post(f"/api/leads/{lead['id']}/convert", plan | {"create_missing_fields": True})
    assert r.json()["created_fields"] == ["fair"]
    assert CustomFieldDefinition.objects.filter(record_type="client", key="fair").exists()
    client = admin_api.get(f"/api/clients/{r.json()['client_id']}").json()
    assert client["custom_fields"] == {"fair": "Brno 2026"}
    lead2 = new_lead(admin_api, email="x@porost.cz", custom_fields={"fair": "Praha"})
    preview = admin_api.post(f"/api/leads/{lead2['id']}/convert/preview", plan).json()
    assert preview["custom_fields_to_create"] == []  # the notice shows only the first time
    r = admin_api.post(f"/api/leads/{lead2['id']}/convert", plan | {"create_missing_fields": True})
    assert r.json()["created_fields"] == []


def test_reconversion_reuses_client_and_contact_and_can_be_switched_off(admin_api):
    from leadbridge.clients.models import Client, Contact
    from leadbridge.deals.models import Deal

    lead = new_lead(admin_api)
    first = admin_api.post(f"/api/leads/{lead['id']}/convert", {}).json()
    assert first["deal_id"] is None
    r = admin_api.post(f"/api/leads/{lead['id']}/convert", {"deal": {"mode": "new"}})
    assert r.status_code == 422 and r.json()["code"] == "version_required"
    version = admin_api.get(f"/api/leads/{lead['id']}").json()["version"]
    second = admin_api.post(
        f"/api/leads/{lead['id']}/convert", {"deal": {"mode": "new"}, "version": version}
    ).json()
    assert (second["client_id"], second["contact_id"]) == (first["client_id"], first["contact_id"])
    assert (
        Client.objects.count() == 1 and Contact.objects.count() == 1 and Deal.objects.count() == 1
    )
    admin_api.patch("/api/settings", {"conversion_reconvert": False})
    version = admin_api.get(f"/api/leads/{lead['id']}").json()["version"]
    r = admin_api.post(
        f"/api/leads/{lead['id']}/convert", {"deal": {"mode": "new"}, "version": version}
    )
    assert r.status_code == 409 and r.json()["code"] == "already_converted"


def test_assign_to_contact_and_to_client(admin_api, world):
    from leadbridge.leads.models import ConversionLink

    leads = [new_lead(admin_api, email=f"l{i}@x.cz") for i in range(2)]
    for lead in leads:
        r = admin_api.post(f"/api/leads/{lead['id']}/assign", {"contact_id": world["contact"].pk})
        assert r.status_code == 200 and r.json()["contact_id"] == world["contact"].pk
    assert (
        ConversionLink.objects.filter(target_type="contact", target_id=world["contact"].pk).count()
        == 2
    )
    acts = admin_api.get(
        "/api/activities", record_type="contact", record_id=world["contact"].pk
    ).json()
    assert acts["count"] == 2
    third = new_lead(admin_api, email="l3@x.cz")
    r = admin_api.post(f"/api/leads/{third['id']}/assign", {"client_id": world["client"].pk})
    assert (
        r.status_code == 200 and admin_api.get(f"/api/leads/{third['id']}").json()["is_converted"]
    )
    assert admin_api.post(f"/api/leads/{third['id']}/assign", {}).status_code == 422


@pytest.mark.parametrize("setting", ["ask", "default_plan"])
def test_conversion_by_status_change(admin_api, setting):
    from leadbridge.leads.models import LeadStatus

    admin_api.patch("/api/settings", {"conversion_on_status": setting})
    converted = LeadStatus.objects.get(kind="converted")
    lead = new_lead(admin_api)
    r = admin_api.patch(f"/api/leads/{lead['id']}", {"status_id": converted.pk})
    if setting == "ask":
        assert r.status_code == 409 and r.json()["code"] == "plan_required"
        assert not admin_api.get(f"/api/leads/{lead['id']}").json()["is_converted"]
    else:
        assert r.status_code == 200, r.content
        body = admin_api.get(f"/api/leads/{lead['id']}").json()
        assert body["is_converted"] and body["status_id"] == converted.pk
        kinds = {c["record_type"] for c in body["converted_records"]}
        assert kinds == {"client", "contact"}


def test_idempotency_key_makes_one_deal(admin_api):
    from leadbridge.deals.models import Deal

    lead = new_lead(admin_api)
    plan = {"deal": {"mode": "new"}}
    a = admin_api.post(f"/api/leads/{lead['id']}/convert", plan, **{"Idempotency-Key": "k-1"})
    b = admin_api.post(f"/api/leads/{lead['id']}/convert", plan, **{"Idempotency-Key": "k-1"})
    assert a.status_code == b.status_code == 200 and a.json() == b.json()
    assert Deal.objects.count() == 1


def test_stale_version_is_a_conflict(admin_api):
    lead = new_lead(admin_api)
    admin_api.post(f"/api/leads/{lead['id']}/convert", {})
    r = admin_api.post(
        f"/api/leads/{lead['id']}/convert", {"deal": {"mode": "new"}, "version": lead["version"]}
    )
    assert r.status_code == 409 and r.json()["code"] == "stale_version"


def test_a_failure_in_the_middle_writes_nothing(admin_api, monkeypatch):
    from leadbridge.clients.models import Client, Contact
    from leadbridge.customfields.models import CustomFieldDefinition
    from leadbridge.deals.models import Deal
    from leadbridge.history.models import HistoryEvent
    from leadbridge.leads import conversion
    from leadbridge.leads.models import ConversionLink, Lead

    admin_api.post(
        "/api/custom-fields",
        {"record_type": "lead", "key": "fair", "label": "Fair", "type": "text"},
    )
    lead = new_lead(admin_api, custom_fields={"fair": "x"})
    events = HistoryEvent.objects.count()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(conversion, "_mark_converted", boom)
    with pytest.raises(RuntimeError):
        conversion.lead_convert(
            actor=admin_api.user,
            lead_id=lead["id"],
            plan=conversion.plan_from_dict(
                {"deal": {"mode": "new"}, "create_missing_fields": True}
            ),
        )
    assert not Client.objects.exists() and not Contact.objects.exists()
    assert not Deal.objects.exists() and not ConversionLink.objects.exists()
    assert not CustomFieldDefinition.objects.exclude(record_type="lead").exists()
    assert HistoryEvent.objects.count() == events
    stored = Lead.objects.get(pk=lead["id"])
    assert not stored.is_converted and stored.version == lead["version"]


def test_after_conversion_and_deletion_everything_is_reachable(admin_api):
    lead = new_lead(admin_api)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = admin_api.client.post(
        "/api/attachments",
        {
            "record_type": "lead",
            "record_id": lead["id"],
            "file": SimpleUploadedFile("offer.pdf", b"offer", content_type="application/pdf"),
        },
    )
    assert upload.status_code == 201, upload.content
    result = admin_api.post(f"/api/leads/{lead['id']}/convert", {"deal": {"mode": "new"}}).json()
    version = admin_api.get(f"/api/leads/{lead['id']}").json()["version"]
    assert admin_api.delete(f"/api/leads/{lead['id']}?version={version}").status_code == 204
    assert admin_api.get(f"/api/leads/{lead['id']}").status_code == 404
    for name in ("client", "contact", "deal"):
        acts = admin_api.get(
            "/api/activities", record_type=name, record_id=result[f"{name}_id"]
        ).json()
        assert [a["subject"] for a in acts["items"]] == ["First call"]
        files = admin_api.get(
            "/api/attachments", record_type=name, record_id=result[f"{name}_id"]
        ).json()
        assert [f["name"] for f in files["items"]] == ["offer.pdf"]
        history = admin_api.get(f"/api/{name}s/{result[f'{name}_id']}/history").json()["items"]
        from_lead = [e for e in history if e["origin"]["relation"] == "converted_from"]
        assert {"created", "converted", "deleted"} <= {e["kind"] for e in from_lead}


@pytest.mark.django_db(transaction=True)
def test_two_threads_converting_the_same_lead_make_one_deal(admin_user, baseline_data):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    from leadbridge.deals.models import Deal
    from leadbridge.leads import conversion
    from leadbridge.leads.services import lead_create

    lead = lead_create(actor=admin_user, data={"last_name": "Souběžný"}).obj
    conversion.lead_convert(actor=admin_user, lead_id=lead.pk, plan=conversion.Plan())
    lead.refresh_from_db()
    barrier = threading.Barrier(2)
    outcomes = []

    def convert():
        from django.db import connection as conn

        from leadbridge.core.errors import DomainError

        try:
            barrier.wait()
            conversion.lead_convert(
                actor=admin_user,
                lead_id=lead.pk,
                plan=conversion.plan_from_dict({"deal": {"mode": "new"}, "version": lead.version}),
            )
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            conn.close()

    threads = [threading.Thread(target=convert) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "stale_version"]
    assert Deal.objects.count() == 1
