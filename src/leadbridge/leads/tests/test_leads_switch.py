"""The "Use leads" switch (F30): off, web forms and imports make a contact (and a client for
a company) and a deal, the lead pages and API answer 404, and the stored leads come back
unchanged when it is on again."""

from __future__ import annotations

import io
import json
import time

import pytest
from django.core.cache import cache
from django.test import Client

from leadbridge.activities.models import ActivityLink
from leadbridge.clients.models import Client as ClientRecord
from leadbridge.clients.models import Contact
from leadbridge.conftest import api_for
from leadbridge.core.errors import DomainError
from leadbridge.core.runtime_settings import leads_enabled, set_setting, setting_history
from leadbridge.deals.models import Deal
from leadbridge.deals.services import pipeline_create
from leadbridge.history.models import HistoryEvent
from leadbridge.imports import engine
from leadbridge.imports import jobs as imports
from leadbridge.imports.models import ImportJob
from leadbridge.leads.models import Lead, LeadSource
from leadbridge.privacy.models import Consent
from leadbridge.webforms import spam
from leadbridge.webforms.models import WebFormSubmission
from leadbridge.webforms.services import webform_save

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pipeline(admin_user):
    # Not the default pipeline: the deals must land in the one the form or mapping names.
    return pipeline_create(actor=admin_user, name="Poptávky z webu", stages=["Nová", "Nabídka"])


def leads_off(actor):
    set_setting(actor=actor, key="leads.enabled", value=False)


def lead_state(lead: Lead) -> dict:
    """Every stored column of the lead (version, updated_at and the derived ones too)."""
    stored = Lead.objects.get(pk=lead.pk)
    return {f.attname: getattr(stored, f.attname) for f in Lead._meta.concrete_fields}


def submit(form, body):
    token = spam._signer(form.key).sign(str(int(time.time()) - 30))
    return Client().post(
        f"/f/{form.key}",
        json.dumps({"_lb_t": token, **body}),
        content_type="application/json",
    )


# The setting -------------------------------------------------------------------------------


def test_on_by_default_admin_only_and_every_change_in_the_history(admin_user, users):
    assert leads_enabled() is True
    with pytest.raises(DomainError):
        set_setting(actor=users["sales_north"], key="leads.enabled", value=False)
    assert leads_enabled() is True
    with pytest.raises(DomainError) as refused:
        set_setting(actor=admin_user, key="leads.enabled", value="no")
    assert refused.value.errors[0].field == "leads.enabled"
    leads_off(admin_user)
    assert leads_enabled() is False
    set_setting(actor=admin_user, key="leads.enabled", value=False)  # no change: no event
    set_setting(actor=admin_user, key="leads.enabled", value=True)
    events = setting_history("leads.enabled")
    assert [(e.field, e.old_value, e.new_value, e.actor_name) for e in events] == [
        ("leads.enabled", False, True, admin_user.display_name),
        ("leads.enabled", True, False, admin_user.display_name),
    ]


def test_the_api_reads_and_switches_it_for_administrators_only(admin_api, users):
    assert admin_api.get("/api/settings").json()["leads_enabled"] is True
    sales = api_for(users["sales_north"])
    assert sales.patch("/api/settings", {"leads_enabled": False}).status_code == 403
    assert leads_enabled() is True
    r = admin_api.patch("/api/settings", {"leads_enabled": False})
    assert r.status_code == 200 and r.json()["leads_enabled"] is False
    assert leads_enabled() is False
    r = admin_api.patch("/api/settings", {"leads_enabled": "maybe"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "leads_enabled"


def test_the_settings_page_switches_it(admin_user, users):
    page = Client()
    page.force_login(admin_user)
    r = page.post("/settings/", {"action": "modules"})  # the box unticked
    assert r.status_code == 302 and leads_enabled() is False
    r = page.get("/settings/")
    assert b'name="leads_enabled" checked' not in r.content
    assert b'data-testid="leads-switch-history"' in r.content
    page.post("/settings/", {"action": "modules", "leads_enabled": "on"})
    assert leads_enabled() is True
    assert b'name="leads_enabled" checked' in page.get("/settings/").content
    other = Client()
    other.force_login(users["sales_north"])
    assert other.post("/settings/", {"action": "modules"}).status_code == 403
    assert leads_enabled() is True


# Pages -------------------------------------------------------------------------------------


def test_off_the_menu_lacks_leads_and_the_lead_pages_answer_a_clear_404(admin_user, make_lead):
    lead = make_lead(last_name="Schovaný")
    page = Client()
    page.force_login(admin_user)
    before = page.get("/deals/")
    assert b'data-testid="menu-leads"' in before.content
    assert f"/leads/{lead.pk}/".encode() in page.get("/search/", {"q": "Schovaný"}).content
    leads_off(admin_user)
    deals = page.get("/deals/")
    assert deals.status_code == 200 and b'data-testid="menu-leads"' not in deals.content
    assert b'href="/leads/"' not in deals.content
    for path in ("/leads/", "/leads/board/", f"/leads/{lead.pk}/", f"/leads/{lead.pk}/edit/"):
        r = page.get(path)
        assert r.status_code == 404, path
        assert b'data-testid="leads-disabled"' in r.content and b'href="/deals/"' in r.content
        assert "Schovaný".encode() not in r.content
    # A write through a lead page changes nothing either.
    version = lead.version
    r = page.post(f"/leads/{lead.pk}/delete/")
    assert r.status_code == 404
    assert Lead.objects.get(pk=lead.pk).version == version and lead.deleted_at is None
    assert page.get("/").url == "/deals/"
    found = page.get("/search/", {"q": "Schovaný"})
    assert found.status_code == 200 and f"/leads/{lead.pk}/".encode() not in found.content
    dashboard = page.get("/dashboard/")
    assert dashboard.status_code == 200
    assert b'data-testid="dashboard-leads"' not in dashboard.content
    assert b"lost-reasons" not in dashboard.content


# The API -----------------------------------------------------------------------------------


def test_off_the_lead_endpoints_answer_404_leads_disabled(admin_api, admin_user, make_lead):
    lead = make_lead(last_name="Skrytá", email="skryta@example.cz")
    leads_off(admin_user)
    calls = [
        ("get", "/api/leads", None),
        ("post", "/api/leads", {"last_name": "Nová"}),
        ("get", f"/api/leads/{lead.pk}", None),
        ("patch", f"/api/leads/{lead.pk}", {"last_name": "Jiná"}),
        ("delete", f"/api/leads/{lead.pk}", None),
        ("get", f"/api/leads/{lead.pk}/history", None),
        ("post", f"/api/leads/{lead.pk}/convert", {}),
        ("post", f"/api/leads/{lead.pk}/convert/preview", {}),
        ("post", "/api/leads/convert", {"lead_ids": [lead.pk]}),
        ("get", "/api/leads/export", None),
        ("get", "/api/lead-statuses", None),
        ("post", "/api/lead-statuses", {"name": "Nový stav"}),
    ]
    for method, path, body in calls:
        r = getattr(admin_api, method)(path, body) if body is not None else None
        if r is None:
            r = admin_api.get(path) if method == "get" else getattr(admin_api, method)(path)
        assert r.status_code == 404, (method, path, r.content)
        assert r.json()["code"] == "leads_disabled", (method, path)
        assert "Skrytá" not in r.content.decode()
    assert Lead.objects.count() == 1 and Lead.objects.get().last_name == "Skrytá"
    # Unauthenticated callers are told to log in, as before: nothing about the setting.
    assert Client().get("/api/leads").status_code == 401
    # Other endpoints are untouched.
    assert admin_api.get("/api/deals").status_code == 200
    assert admin_api.get("/api/lead-sources").status_code == 200


def test_the_openapi_schema_documents_the_404(admin_api):
    schema = Client().get("/api/openapi.json").json()
    operation = schema["paths"]["/api/leads"]["get"]
    assert "leads_disabled" in operation["description"]
    assert "404" in operation["responses"]
    assert "leads_disabled" in schema["info"]["description"]
    settings_schema = schema["components"]["schemas"]["RuntimeSettings"]["properties"]
    assert "leads_enabled" in settings_schema
    deals = schema["paths"]["/api/deals"]["get"]
    assert "leads_disabled" not in (deals.get("description") or "")


# Web forms ---------------------------------------------------------------------------------


@pytest.fixture
def form(admin_user, pipeline):
    source, _ = LeadSource.objects.get_or_create(name="Web")
    return webform_save(
        actor=admin_user,
        data={
            "name": "Kontakt",
            "fields": ["first_name", "last_name", "email", "phone", "company_name", "description"],
            "required_fields": ["email"],
            "source_id": source.pk,
            "owner_id": admin_user.pk,
            "pipeline_id": pipeline.pk,
            "consent_text": "Souhlasím se zpracováním údajů.",
            "on_duplicate": "link",
        },
    )


def test_off_a_web_form_submission_makes_a_contact_client_and_deal_no_lead(
    admin_user, form, pipeline
):
    leads_off(admin_user)
    r = submit(
        form,
        {
            "first_name": "Jana",
            "last_name": "Dvořáková",
            "email": "jana@pekarna.cz",
            "phone": "+420 603 111 222",
            "company_name": "Pekárna Dvořák s.r.o.",
            "description": "Chceme nabídku na 3 pece.",
            "consent": "1",
        },
    )
    assert r.status_code == 201, r.content
    assert not Lead.objects.exists()
    contact = Contact.objects.get()
    client = ClientRecord.objects.get()
    deal = Deal.objects.get()
    assert (contact.first_name, contact.last_name, contact.email) == (
        "Jana",
        "Dvořáková",
        "jana@pekarna.cz",
    )
    assert contact.client_id == client.pk and contact.owner_id == admin_user.pk
    assert (client.name, client.kind, client.source.name) == (
        "Pekárna Dvořák s.r.o.",
        "company",
        "Web",
    )
    assert (deal.pipeline_id, deal.stage.name) == (pipeline.pk, "Nová")
    assert (deal.client_id, deal.contact_id, deal.owner_id) == (
        client.pk,
        contact.pk,
        admin_user.pk,
    )
    assert deal.title == "Pekárna Dvořák s.r.o. · Kontakt"
    assert deal.description == "Chceme nabídku na 3 pece."
    submission = WebFormSubmission.objects.get()
    assert (submission.lead_id, submission.deal_id, submission.outcome) == (
        None,
        deal.pk,
        "created",
    )
    consent = Consent.objects.get()
    assert (consent.record_type, consent.record_id) == ("contact", contact.pk)
    created = HistoryEvent.objects.filter(kind="created").values_list("record_type", flat=True)
    assert sorted(created) == ["client", "contact", "deal"]


def test_off_a_person_without_company_makes_no_client_and_known_people_are_matched(
    admin_user, form
):
    leads_off(admin_user)
    assert (
        submit(form, {"last_name": "Malý", "email": "maly@example.cz", "consent": "1"}).status_code
        == 201
    )
    assert not ClientRecord.objects.exists()
    deal = Deal.objects.get()
    assert deal.client_id is None and deal.title == "Malý · Kontakt"
    # The same person again (the form links): no second contact, a note on the first and a
    # new deal (a new inquiry).
    again = {
        "last_name": "Malý",
        "email": "MALY@example.cz",
        "description": "Znovu",
        "consent": "1",
    }
    assert submit(form, again).status_code == 201
    assert Contact.objects.count() == 1
    contact = Contact.objects.get()
    assert Deal.objects.filter(contact=contact).count() == 2
    assert ActivityLink.objects.filter(record_type="contact", record_id=contact.pk).exists()
    assert Deal.objects.filter(contact=contact, description="Znovu").exists()
    assert [s.outcome for s in WebFormSubmission.objects.order_by("pk")] == ["created", "linked"]


def test_off_validation_is_the_contacts_and_nothing_is_half_written(admin_user, pipeline):
    form = webform_save(
        actor=admin_user,
        data={"name": "Jen firma", "fields": ["company_name", "phone"], "pipeline_id": pipeline.pk},
    )
    leads_off(admin_user)
    r = submit(form, {"phone": "+420 777 000 111"})  # neither a person nor a company
    assert r.status_code == 422, r.content
    assert r.json()["errors"][0]["field"] == "last_name"
    assert not (Contact.objects.exists() or Deal.objects.exists() or ClientRecord.objects.exists())
    # A company alone: a client and a deal, no contact.
    assert submit(form, {"company_name": "Strojírny a.s."}).status_code == 201
    assert not Contact.objects.exists()
    deal = Deal.objects.get()
    assert deal.client.name == "Strojírny a.s." and deal.contact_id is None


def test_a_form_pipeline_must_exist(admin_user):
    with pytest.raises(DomainError) as refused:
        webform_save(
            actor=admin_user,
            data={"name": "X", "fields": ["email"], "pipeline_id": 987654},
        )
    assert refused.value.errors[0].field == "pipeline_id"


def test_on_the_form_still_makes_a_lead(admin_user, form):
    assert (
        submit(
            form, {"last_name": "Veselý", "email": "vesely@example.cz", "consent": "1"}
        ).status_code
        == 201
    )
    assert Lead.objects.get().last_name == "Veselý"
    assert not (Contact.objects.exists() or Deal.objects.exists())


# Imports -----------------------------------------------------------------------------------


def csv_bytes(rows) -> bytes:
    import csv

    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode()


def import_file(actor, data: bytes, **mapping):
    job = imports.import_upload(
        actor=actor, filename="veletrh.csv", stream=io.BytesIO(data), size=len(data)
    )
    full = dict(job.mapping) | mapping
    job = imports.import_set_mapping(actor=actor, job_id=job.pk, mapping=full, on_duplicate="skip")
    imports.import_start(actor=actor, job_id=job.pk)
    return engine.run_job(job.pk)


ROWS = [
    ["first_name", "last_name", "email", "company_name", "expected_value", "currency"],
    ["Petr", "Novák", "petr@kovo.cz", "Kovo Novák s.r.o.", "12500", "CZK"],
    ["Eva", "Svobodová", "eva@example.cz", "", "", ""],
    ["Iva", "Zlá", "ne-e-mail", "", "", ""],  # not an e-mail: a row error
    ["Petr", "Novák", "PETR@kovo.cz", "Kovo Novák s.r.o.", "", ""],  # the first row again
]


def test_off_an_import_makes_contacts_clients_and_deals_in_the_chosen_pipeline(
    admin_user, pipeline
):
    leads_off(admin_user)
    job = import_file(admin_user, csv_bytes(ROWS), pipeline_id=pipeline.pk)
    assert job.status == ImportJob.Status.DONE, job.error
    assert not Lead.objects.exists()
    assert (job.rows_created, job.rows_failed, job.rows_skipped, job.rows_duplicate) == (2, 1, 1, 1)
    petr = Contact.objects.get(email="petr@kovo.cz")
    assert petr.client.name == "Kovo Novák s.r.o."
    deal = Deal.objects.get(contact=petr)
    assert (deal.pipeline_id, deal.stage.name, str(deal.value), deal.currency) == (
        pipeline.pk,
        "Nová",
        "12500.00",
        "CZK",
    )
    eva = Deal.objects.get(contact__email="eva@example.cz")
    assert eva.client_id is None and eva.pipeline_id == pipeline.pk
    assert ClientRecord.objects.count() == 1 and Deal.objects.count() == 2
    assert job.row_errors.filter(line=4).exists()
    # Undo removes what the import made, and only that.
    job = imports.import_undo(actor=admin_user, job_id=job.pk)
    assert not Deal.objects.alive().exists() and not Contact.objects.alive().exists()
    assert not ClientRecord.objects.alive().exists()


def test_off_an_import_without_a_pipeline_uses_the_default_and_a_bad_one_is_refused(
    admin_user, pipeline
):
    from leadbridge.deals.services import default_pipeline

    leads_off(admin_user)
    job = import_file(admin_user, csv_bytes(ROWS[:2]))
    assert Deal.objects.get().pipeline_id == default_pipeline().pk != pipeline.pk
    upload = imports.import_upload(
        actor=admin_user, filename="x.csv", stream=io.BytesIO(csv_bytes(ROWS[:2])), size=10
    )
    with pytest.raises(DomainError) as refused:
        imports.import_set_mapping(
            actor=admin_user,
            job_id=upload.pk,
            mapping=dict(upload.mapping) | {"pipeline_id": 99999},
        )
    assert refused.value.errors[0].field == "mapping.pipeline_id"
    assert job.rows_created == 1


def test_off_an_import_respects_the_importers_scope(admin_user, users, pipeline):
    """Marketing imports leads but may not create contacts or deals: with leads off its
    rows are refused one by one, nothing is made."""
    leads_off(admin_user)
    rows = [["last_name", "email"], ["Horák", "horak@example.cz"], ["Bílá", "bila@example.cz"]]
    job = import_file(users["marketing"], csv_bytes(rows), pipeline_id=pipeline.pk)
    assert not Deal.objects.exists() and not Contact.objects.exists()
    assert (job.rows_created, job.rows_failed) == (0, 2)
    assert job.row_errors.count() == 2


# Back on -----------------------------------------------------------------------------------


def test_switching_back_shows_every_earlier_lead_unchanged(admin_user, admin_api, make_lead, form):
    earlier = [
        make_lead(first_name="Alena", last_name="Krátká", email="alena@example.cz", tags=["vip"]),
        make_lead(last_name="Dlouhý", company_name="Dlouhý a syn", expected_value="990.50"),
    ]
    converted_from = make_lead(last_name="Převedený", email="prevedeny@example.cz")
    r = admin_api.post(f"/api/leads/{converted_from.pk}/convert", {"client": {"mode": "new"}})
    assert r.status_code in (200, 201), r.content
    earlier.append(converted_from)
    before = {lead.pk: lead_state(lead) for lead in earlier}
    listed_before = admin_api.get("/api/leads").json()
    events_before = HistoryEvent.objects.filter(record_type="lead").count()

    leads_off(admin_user)
    submit(form, {"last_name": "Mezitím", "email": "mezitim@example.cz", "consent": "1"})
    import_file(admin_user, csv_bytes(ROWS[:3]))
    admin_api.patch(f"/api/leads/{earlier[0].pk}", {"last_name": "Změna"})  # refused: 404
    set_setting(actor=admin_user, key="leads.enabled", value=True)

    after = {lead.pk: lead_state(lead) for lead in earlier}
    assert after == before
    assert HistoryEvent.objects.filter(record_type="lead").count() == events_before
    assert Lead.objects.count() == len(earlier)  # nothing made while off
    assert admin_api.get("/api/leads").json() == listed_before
    page = Client()
    page.force_login(admin_user)
    listing = page.get("/leads/")
    assert listing.status_code == 200
    for name in ("Krátká", "Dlouhý"):
        assert name.encode() in listing.content
    assert page.get(f"/leads/{earlier[1].pk}/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_off_two_overlapping_submissions_of_one_person_make_one_contact(admin_user, monkeypatch):
    """Two posts of the same person at once (two tabs, not a double submit): the duplicate
    check's key locks make the second wait and find the first's contact (PostgreSQL)."""
    import threading

    from django.db import connection

    from leadbridge.webforms import views

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time")
    pipeline = pipeline_create(actor=admin_user, name="Souběh", stages=["Nová"])
    form = webform_save(
        actor=admin_user,
        data={
            "name": "Souběh",
            "min_fill_seconds": 0,
            "fields": ["last_name", "email", "company_name"],
            "pipeline_id": pipeline.pk,
            "on_duplicate": "link",
        },
    )
    leads_off(admin_user)
    real = views.webform_submit

    def slow_submit(**kwargs):
        answer = real(**kwargs)
        time.sleep(0.5)  # written, not committed: the other post arrives now
        return answer

    monkeypatch.setattr(views, "webform_submit", slow_submit)
    codes: list[int] = []

    def post(n: int):
        body = {"last_name": "Souběžná", "email": "soubezna@example.cz", "company_name": "Duo a.s."}
        r = Client().post(
            f"/f/{form.key}",
            json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": f"tab-{n}"},
        )
        codes.append(r.status_code)
        connection.close()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
        time.sleep(0.1)
    for t in threads:
        t.join()
    assert codes == [201, 201]
    assert Contact.objects.filter(email="soubezna@example.cz").count() == 1
    assert ClientRecord.objects.filter(name="Duo a.s.").count() == 1
    assert Deal.objects.filter(pipeline=pipeline).count() == 2  # two inquiries
    assert sorted(WebFormSubmission.objects.values_list("outcome", flat=True)) == [
        "created",
        "linked",
    ]
    assert not Lead.objects.exists()


def test_the_mapping_page_offers_the_pipeline_only_while_leads_are_off(admin_user, pipeline):
    data = csv_bytes(ROWS[:2])
    job = imports.import_upload(
        actor=admin_user, filename="veletrh.csv", stream=io.BytesIO(data), size=len(data)
    )
    page = Client()
    page.force_login(admin_user)
    assert b'id="id_pipeline"' not in page.get(f"/imports/{job.pk}/map/").content
    leads_off(admin_user)
    shown = page.get(f"/imports/{job.pk}/map/")
    assert b'id="id_pipeline"' in shown.content and "Poptávky z webu".encode() in shown.content
    post = {"col_0": "first_name", "col_1": "last_name", "col_2": "email"}
    post |= {"col_3": "company_name", "on_duplicate": "skip", "pipeline_id": str(pipeline.pk)}
    r = page.post(f"/imports/{job.pk}/map/", post)
    assert r.status_code == 302, r.content
    job.refresh_from_db()
    assert job.mapping["pipeline_id"] == pipeline.pk


def test_the_web_form_api_takes_and_shows_the_pipeline(admin_api, pipeline):
    r = admin_api.post(
        "/api/webforms", {"name": "Poptávka", "fields": ["email"], "pipeline_id": pipeline.pk}
    )
    assert r.status_code == 201, r.content
    assert r.json()["pipeline_id"] == pipeline.pk
    r = admin_api.patch(f"/api/webforms/{r.json()['id']}", {"pipeline_id": 424242})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "pipeline_id"
