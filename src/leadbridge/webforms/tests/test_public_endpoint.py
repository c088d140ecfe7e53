"""The public web form endpoint (F23): posts make leads, spam and abuse make none."""

import json
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from leadbridge.activities.models import Activity, ActivityLink
from leadbridge.leads.models import Lead, LeadSource
from leadbridge.webforms import spam
from leadbridge.webforms.models import WebForm, WebFormSubmission
from leadbridge.webforms.services import webform_save

pytestmark = pytest.mark.django_db
ORIGIN = "https://www.example.cz"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def form(admin_user):
    source, _ = LeadSource.objects.get_or_create(name="Web form")
    return webform_save(
        actor=admin_user,
        data={
            "name": "Kontakt",
            "language": "sk",
            "fields": ["first_name", "last_name", "email", "phone", "company_name", "description"],
            "required_fields": ["email"],
            "allowed_origins": [ORIGIN],
            "source_id": source.pk,
            "on_duplicate": "link",
        },
    )


def aged_token(form: WebForm, seconds: int = 30) -> str:
    return spam._signer(form.key).sign(str(int(time.time()) - seconds))


def post_json(form, body, **headers):
    body = {"_lb_t": aged_token(form), **body}
    return Client().post(
        f"/f/{form.key}", json.dumps(body), content_type="application/json", headers=headers
    )


def test_form_post_makes_a_lead_and_shows_thanks(form):
    r = Client().post(
        f"/f/{form.key}",
        {
            "first_name": "Ján",
            "last_name": "Kováč",
            "email": "jan@firma.sk",
            "_lb_t": aged_token(form),
        },
        headers={"Origin": ORIGIN},
    )
    assert r.status_code == 200 and b"lb-thanks" in r.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.email, lead.source.name) == ("Ján", "jan@firma.sk", "Web form")
    assert lead.created_by.username == f"system:webform:{form.key}"


def test_json_post_makes_a_lead_with_cors(form):
    r = post_json(form, {"last_name": "Nováková", "email": "eva@x.cz"}, Origin=ORIGIN)
    assert r.status_code == 201, r.content
    assert r.json() == {"ok": True, "message": r.json()["message"]}
    assert r["Access-Control-Allow-Origin"] == ORIGIN
    assert Lead.objects.filter(last_name="Nováková").exists()


def test_redirect_after_form_post(admin_user, form):
    webform_save(actor=admin_user, form=form, data={"redirect_url": "https://www.example.cz/ok"})
    r = Client().post(f"/f/{form.key}", {"email": "a@b.cz", "_lb_t": aged_token(form)})
    assert r.status_code == 302 and r["Location"] == "https://www.example.cz/ok"


def test_preflight_and_wrong_origin(form):
    c = Client()
    r = c.options(f"/f/{form.key}", headers={"Origin": ORIGIN})
    assert r.status_code == 204 and r["Access-Control-Allow-Origin"] == ORIGIN
    assert "Idempotency-Key" in r["Access-Control-Allow-Headers"]
    r = c.options(f"/f/{form.key}", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in r
    r = post_json(form, {"email": "a@b.cz"}, Origin="https://evil.example")
    assert r.status_code == 403 and r.json()["code"] == "origin_not_allowed"
    assert set(r.json()) == {"detail", "code", "errors"}
    assert not Lead.objects.exists()


def test_honeypot_makes_no_lead(form):
    r = post_json(form, {"email": "bot@spam.io", "_lb_hp": "http://spam"})
    assert r.status_code == 400 and r.json()["code"] == "spam_suspected"
    assert not Lead.objects.exists()


def test_too_fast_and_missing_or_forged_token_make_no_lead(form):
    c = Client()
    fresh = spam.issue_token(form.key)
    body = {"email": "fast@x.cz", "_lb_t": fresh}
    r = c.post(f"/f/{form.key}", json.dumps(body), content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "too_fast"
    for token in ("", "123:forged", spam._signer("other").sign(str(int(time.time()) - 60))):
        body = {"email": "x@x.cz", "_lb_t": token}
        r = c.post(f"/f/{form.key}", json.dumps(body), content_type="application/json")
        assert r.status_code == 400 and r.json()["code"] == "token_invalid"
    assert not Lead.objects.exists()


def test_too_fast_html_post_shows_the_form_again(form):
    r = Client().post(f"/f/{form.key}", {"email": "x@x.cz", "_lb_t": spam.issue_token(form.key)})
    assert r.status_code == 400 and b"lb-error" in r.content and b'value="x@x.cz"' in r.content


def test_rate_limit_answers_429(form, settings):
    settings.WEBFORM_RATE_PER_IP = 3
    codes = [post_json(form, {"email": f"p{i}@x.cz"}).status_code for i in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    r = post_json(form, {"email": "late@x.cz"})
    assert r.json()["code"] == "rate_limited" and int(r["Retry-After"]) > 0
    assert Lead.objects.count() == 3


def test_per_form_limit(form, settings):
    settings.WEBFORM_RATE_PER_FORM = 2
    codes = [
        post_json(form, {"email": f"p{i}@x.cz"}, **{"X-Forwarded-For": f"10.0.0.{i}"}).status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]


def test_rate_limits_live_in_the_database(form):
    from leadbridge.webforms.models import RateCounter

    post_json(form, {"email": "a@x.cz"})
    post_json(form, {"email": "b@x.cz"})
    # Counted in a table every server process shares, not in process memory.
    assert RateCounter.objects.get(key=f"form:{form.key}").hits == 2


def test_rate_limits_in_the_cache_store(form, settings):
    settings.WEBFORM_RATE_STORE = "cache"
    settings.WEBFORM_RATE_PER_IP = 2
    codes = [post_json(form, {"email": f"c{i}@x.cz"}).status_code for i in range(3)]
    assert codes == [201, 201, 429]


def test_size_limit(form, settings):
    settings.WEBFORM_MAX_BYTES = 1000
    r = post_json(form, {"email": "a@x.cz", "description": "x" * 2000})
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    assert not Lead.objects.exists()


def test_double_submit_makes_one_lead(form):
    body = {"email": "twice@x.cz", "last_name": "Twice", "_lb_t": aged_token(form)}
    c = Client()
    for _ in range(3):
        r = c.post(
            f"/f/{form.key}",
            json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": "abc-123"},
        )
        assert r.status_code == 201
    html = {"email": "form@x.cz", "_lb_t": aged_token(form), "_lb_sid": "f" * 32}
    for _ in range(2):
        assert c.post(f"/f/{form.key}", html).status_code == 200
    assert Lead.objects.count() == 2
    assert WebFormSubmission.objects.count() == 2


def test_returning_prospect_is_linked_and_not_revealed(form, make_lead):
    existing = make_lead(last_name="Kováč", email="jan@firma.sk")
    first = post_json(form, {"last_name": "Nový", "email": "new@x.cz"}).json()
    again = post_json(form, {"last_name": "Kováč", "email": "jan@firma.sk", "description": "Hi"})
    assert again.status_code == 201 and again.json() == first  # same answer either way
    assert Lead.objects.filter(email="jan@firma.sk").count() == 1
    notes = ActivityLink.objects.filter(record_type="lead", record_id=existing.pk)
    assert Activity.objects.filter(pk__in=notes.values("activity_id"), type="note").count() == 1
    assert WebFormSubmission.objects.filter(outcome="linked", lead_id=existing.pk).exists()


def test_skip_policy(admin_user, form, make_lead):
    webform_save(actor=admin_user, form=form, data={"on_duplicate": "skip"})
    make_lead(last_name="Kováč", email="jan@firma.sk")
    assert post_json(form, {"last_name": "Kováč", "email": "jan@firma.sk"}).status_code == 201
    assert Lead.objects.count() == 1


def test_required_field_and_consent_errors_at_the_field(admin_user, form):
    webform_save(actor=admin_user, form=form, data={"consent_text": "Súhlasím so spracovaním."})
    r = post_json(form, {"last_name": "NoMail"})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"email", "consent"}
    r = Client().post(f"/f/{form.key}", {"last_name": "NoMail", "_lb_t": aged_token(form)})
    # In the form's language (Slovak), not the visitor's browser's.
    assert r.status_code == 422 and "Toto pole je povinné.".encode() in r.content
    assert post_json(form, {"email": "ok@x.cz", "consent": True}).status_code == 201


def test_invalid_value_is_a_field_error(form):
    r = post_json(form, {"email": "not-an-email"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "email"


def test_hosted_page_and_token_need_no_login(form):
    c = Client()
    r = c.get(f"/f/{form.key}")
    assert r.status_code == 200 and b'name="_lb_hp"' in r.content and b'name="_lb_t"' in r.content
    assert "frame-ancestors 'self' https://www.example.cz" in r["Content-Security-Policy"]
    r = c.get(f"/f/{form.key}/token", headers={"Origin": ORIGIN})
    assert r.status_code == 200 and r.json()["token"] and r["Access-Control-Allow-Origin"] == ORIGIN
    assert c.get("/f/nope").status_code == 404


def test_inactive_form_is_not_found(admin_user, form):
    webform_save(actor=admin_user, form=form, data={"active": False})
    r = post_json(form, {"email": "a@x.cz"})
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_team_round_robin_owner_and_status_tasks(admin_user, form, teams):
    from leadbridge.automation.services import task_template_save
    from leadbridge.conftest import make_user
    from leadbridge.leads.models import LeadStatus

    north, _ = teams
    a, b = make_user("marketing", [north]), make_user("marketing", [north])
    status = LeadStatus.objects.filter(kind="open").order_by("order", "id")[1]
    webform_save(actor=admin_user, form=form, data={"team_id": north.pk, "status_id": status.pk})
    task_template_save(actor=admin_user, data={"subject": "Call back", "status_ids": [status.pk]})
    for i in range(3):
        assert post_json(form, {"email": f"rr{i}@x.cz"}).status_code == 201
    owners = list(Lead.objects.order_by("id").values_list("owner_id", flat=True))
    assert owners == [a.pk, b.pk, a.pk]
    tasks = Activity.objects.filter(type="task", subject="Call back")
    assert sorted(tasks.values_list("owner_id", flat=True)) == sorted(owners)


def test_assignment_rule_by_country(admin_user, form, teams):
    from leadbridge.automation.models import AssignmentRule
    from leadbridge.conftest import make_user

    webform_save(actor=admin_user, form=form, data={"fields": ["email", "country"]})
    sk = make_user("marketing", [teams[0]])
    AssignmentRule.objects.create(name="Slovakia", country="SK", user=sk, channel="webform")
    post_json(form, {"email": "a@x.sk", "country": "SK"})
    post_json(form, {"email": "b@x.cz", "country": "CZ"})
    assert dict(Lead.objects.values_list("email", "owner_id")) == {"a@x.sk": sk.pk, "b@x.cz": None}


def test_consent_is_kept_in_the_privacy_store_with_the_text_and_the_form(admin_user, form):
    from leadbridge.privacy.models import Consent

    text = "Súhlasím so spracovaním osobných údajov."
    webform_save(actor=admin_user, form=form, data={"consent_text": text})
    before = timezone.now()
    assert post_json(form, {"email": "eva@x.sk", "consent": True}).status_code == 201
    lead = Lead.objects.get(email="eva@x.sk")
    consent = Consent.objects.get()
    assert (consent.record_type, consent.record_id) == ("lead", lead.pk)
    assert consent.text == text and consent.source == f"webform:{form.key}"
    assert before <= consent.given_at <= timezone.now()
    # A returning prospect (the form links duplicates): the consent goes to the lead reached.
    r = Client().post(
        f"/f/{form.key}",
        {"email": "eva@x.sk", "consent": "1", "_lb_t": aged_token(form)},
        headers={"Origin": ORIGIN},
    )
    assert r.status_code == 200 and Lead.objects.count() == 1
    assert Consent.objects.filter(record_id=lead.pk).count() == 2


def test_no_consent_box_no_consent_stored_and_unticked_box_no_lead(admin_user, form):
    from leadbridge.privacy.models import Consent

    assert post_json(form, {"email": "a@x.sk", "consent": True}).status_code == 201
    assert not Consent.objects.exists()  # the form shows no consent text
    webform_save(actor=admin_user, form=form, data={"consent_text": "I agree."})
    r = Client().post(
        f"/f/{form.key}", {"email": "b@x.sk", "_lb_t": aged_token(form)}, headers={"Origin": ORIGIN}
    )
    assert r.status_code == 422  # in the form's language (Slovak)
    assert "Ak chcete pokračovať, udeľte, prosím, súhlas." in r.content.decode()
    r = post_json(form, {"email": "b@x.sk", "consent": False})
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["consent"]
    assert not Lead.objects.filter(email="b@x.sk").exists() and not Consent.objects.exists()


def test_messages_speak_the_forms_language_whatever_the_browser_asks(admin_user, form):
    webform_save(actor=admin_user, form=form, data={"language": "cs"})
    r = post_json(form, {"last_name": "Bez mailu"}, **{"Accept-Language": "en"})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "email", "message": "Toto pole je povinné."}]
    page = Client().get(f"/f/{form.key}", headers={"Accept-Language": "en"}).content.decode()
    assert '<html lang="cs">' in page and ">Odeslat<" in page
    assert "<title>Kontakt</title>" in page and 'rel="icon"' in page


def test_custom_fields_on_a_form_are_validated_and_stored(admin_user, form):
    from leadbridge.customfields.services import custom_field_create

    custom_field_create(
        actor=admin_user, record_type="lead", label="Počet zaměstnanců", type="number"
    )
    custom_field_create(
        actor=admin_user,
        record_type="lead",
        label="Obor",
        type="choice",
        choices=["Stavebnictví", "IT"],
    )
    fields = ["email", "cf_pocet_zamestnancu", "cf_obor"]
    webform_save(actor=admin_user, form=form, data={"fields": fields})
    page = Client().get(f"/f/{form.key}").content.decode()
    assert 'name="cf_pocet_zamestnancu"' in page and "Počet zaměstnanců" in page
    assert "<option>Stavebnictví</option>" in page
    r = post_json(form, {"email": "cf@x.cz", "cf_pocet_zamestnancu": "many", "cf_obor": "IT"})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["cf_pocet_zamestnancu"]
    assert not Lead.objects.exists()
    r = post_json(form, {"email": "cf@x.cz", "cf_pocet_zamestnancu": "12,5", "cf_obor": "IT"})
    assert r.status_code == 201, r.content
    assert Lead.objects.get().custom_fields == {"pocet_zamestnancu": 12.5, "obor": "IT"}


def test_a_form_cannot_show_an_unknown_custom_field(admin_user, form):
    from leadbridge.core.errors import DomainError

    with pytest.raises(DomainError) as caught:
        webform_save(actor=admin_user, form=form, data={"fields": ["email", "cf_nope"]})
    assert caught.value.errors[0].field == "fields"


def test_the_owner_of_a_new_lead_is_notified_in_the_app_and_by_email(admin_user, form, teams):
    from leadbridge.conftest import make_user
    from leadbridge.mail.models import Notification, OutgoingEmail

    owner = make_user("sales", [teams[0]], email="jana@firma.cz", language="cs")
    webform_save(actor=admin_user, form=form, data={"owner_id": owner.pk})
    assert (
        post_json(
            form, {"first_name": "Ján", "last_name": "Kováč", "email": "jan@k.sk"}
        ).status_code
        == 201
    )
    lead = Lead.objects.get()
    assert lead.owner_id == owner.pk
    notice = Notification.objects.get(user=owner)
    assert notice.text == "Nový lead z webového formuláře „Kontakt“: Ján Kováč"
    assert (notice.record_type, notice.record_id) == ("lead", lead.pk)
    mail = OutgoingEmail.objects.get(to="jana@firma.cz")
    assert mail.record_id == lead.pk
    # A repeated submission that only reaches the same lead notifies nobody again.
    assert post_json(form, {"email": "jan@k.sk"}).status_code == 201
    assert Notification.objects.filter(user=owner).count() == 1
