"""Every visible text of the main pages and e-mails goes through the catalogue.

The pages are rendered in a pseudo-locale (tests/pseudo.py) whose translations wrap the English
text in ⟦…⟧; whatever shows outside the markers is a string nobody wrapped, unless it is user data
(every value the fixtures make starts with DATA) or on the short allow-list.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from leadbridge.core.tests import pseudo

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def pseudo_dir(tmp_path_factory):
    return pseudo.build(tmp_path_factory.mktemp("pseudo-locale"))


@pytest.fixture
def pseudo_locale(settings, pseudo_dir):
    settings.LOCALE_PATHS = [pseudo_dir, *settings.LOCALE_PATHS]
    settings.LANGUAGES = [*settings.LANGUAGES, (pseudo.CODE, "Pseudo")]
    yield pseudo.CODE
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def world(db):
    """Records whose every value is recognisably user data (DATA…), the seeded lists renamed."""
    from leadbridge.activities.services import activity_create
    from leadbridge.clients.services import client_create, contact_create
    from leadbridge.deals.models import Pipeline, Stage
    from leadbridge.deals.services import deal_create
    from leadbridge.leads.models import LeadSource, LeadStatus, LostReason
    from leadbridge.leads.services import lead_create
    from leadbridge.people.models import Team, User

    for model in (LeadStatus, LeadSource, LostReason, Pipeline, Stage):
        for row in model.objects.all():
            row.name = f"DATA-{model.__name__}{row.pk}"
            row.save(update_fields=["name"])
    team = Team.objects.create(name="DATA-Team")
    admin = User.objects.create_superuser(
        "DATA-admin",
        "data-admin@example.com",
        "x-Secret-123",
        first_name="DATA-Ada",
        last_name="DATA-Admin",
        language="qps",
    )
    admin.teams.add(team)
    source = LeadSource.objects.first()
    lead = lead_create(
        actor=admin,
        data={
            "first_name": "DATA-Jan",
            "last_name": "DATA-Novak",
            "company_name": "DATA-Porost",
            "email": "data-jan@example.com",
            "phone": "+420601123456",
            "city": "DATA-Brno",
            "country": "CZ",
            "expected_value": "1200.50",
            "currency": "CZK",
            "source_id": source.pk,
            "owner_id": admin.pk,
            "tags": ["DATA-tag"],
            "description": "DATA-notes",
        },
    ).obj
    # A second lead with the same e-mail: the card shows it as a possible duplicate.
    twin = lead_create(
        actor=admin, data={"last_name": "DATA-Twin", "email": "data-jan@example.com"}
    ).obj
    client = client_create(
        actor=admin, data={"kind": "company", "name": "DATA-Client", "city": "DATA-Praha"}
    ).obj
    contact = contact_create(
        actor=admin,
        data={"first_name": "DATA-Eva", "last_name": "DATA-Mala", "client_id": client.pk},
    ).obj
    deal = deal_create(
        actor=admin, data={"title": "DATA-Deal", "client_id": client.pk, "value": "99"}
    ).obj
    activity_create(
        actor=admin,
        record_type="lead",
        record_id=lead.pk,
        data={"type": "task", "subject": "DATA-Call", "owner_id": admin.pk},
    )
    from leadbridge.webforms.services import webform_save

    webform = webform_save(
        actor=admin,
        data={
            "name": "DATA-form",
            "language": pseudo.CODE,
            "fields": ["first_name", "last_name", "email", "phone"],
            "required_fields": ["email"],
            "consent_text": "DATA-consent",
        },
    )
    return {
        "webform": webform,
        "admin": admin,
        "lead": lead,
        "twin": twin,
        "client": client,
        "contact": contact,
        "deal": deal,
    }


def _pages(world) -> list[str]:
    lead, client, contact, deal = world["lead"], world["client"], world["contact"], world["deal"]
    return [
        reverse("leads:list"),
        reverse("leads:board"),
        reverse("leads:detail", args=[lead.pk]),
        reverse("leads:create"),
        reverse("leads:edit", args=[lead.pk]),
        reverse("leads:convert", args=[lead.pk]),
        reverse("leads:assign", args=[lead.pk]),
        reverse("clients:list"),
        reverse("clients:detail", args=[client.pk]),
        reverse("clients:create"),
        reverse("clients:edit", args=[client.pk]),
        reverse("contacts:list"),
        reverse("contacts:detail", args=[contact.pk]),
        reverse("contacts:create"),
        reverse("deals:list"),
        reverse("deals:detail", args=[deal.pk]),
        reverse("settings:index"),
        reverse("automation:index"),
        reverse("automation:webform", args=[world["webform"].pk]),
        reverse("webforms:endpoint", args=[world["webform"].key]),
        reverse("core:dashboard"),
        reverse("core:preferences"),
        reverse("activities:tasks"),
        reverse("duplicates:finder"),
        reverse("imports:index"),
        reverse("mail:notifications"),
        reverse("deals:board"),
        reverse("deals:create"),
        reverse("duplicates:merges"),
        reverse("duplicates:compare") + f"?record_type=lead&ids={lead.pk}&ids={world['twin'].pk}",
        reverse("two_factor"),
        reverse("password_change"),
        reverse("activities:related", args=["lead", lead.pk]),
        reverse("history:timeline", args=["lead", lead.pk]),
    ]


def test_login_page_in_the_language_of_the_cookie(client, pseudo_locale):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = pseudo.CODE
    html = client.get(reverse("login")).content.decode()
    assert pseudo.OPEN in html
    assert not pseudo.leaks(html)


def test_main_pages_show_no_text_outside_the_catalogue(client, world, pseudo_locale):
    client.force_login(world["admin"])
    found = {}
    for url in _pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        if "<html" in html:  # htmx fragments have none
            assert f'<html lang="{pseudo.CODE}">' in html, url
        assert pseudo.OPEN in html, url
        problems = pseudo.leaks(html)
        if problems:
            found[url] = problems
    assert not found, "\n".join(f"{url}\n  " + "\n  ".join(p) for url, p in found.items())


def test_every_wizard_step_shows_no_text_outside_the_catalogue(client, world, pseudo_locale):
    from leadbridge.leads.tests.test_wizard import step_of, submit

    client.force_login(world["admin"])
    lead = world["lead"]
    page = client.get(reverse("leads:convert", args=[lead.pk]))
    seen = []
    for _ in range(6):
        assert page.status_code in (200, 422)
        step = step_of(page)
        problems = pseudo.leaks(page.content.decode())
        assert not problems, f"step {step}:\n  " + "\n  ".join(problems)
        seen.append(step)
        if step >= 4:
            break
        page = submit(client, lead, page)
    assert seen[-1] >= 4, seen


def test_reminder_and_autoresponder_emails_are_translated(world, pseudo_locale):
    from leadbridge.activities.services import activity_create
    from leadbridge.mail.models import Notification
    from leadbridge.mail.reminders import send_reminder
    from leadbridge.webforms.models import WebForm
    from leadbridge.webforms.services import render_autoresponder, thank_you

    admin = world["admin"]
    reminder = activity_create(
        actor=admin,
        record_type="lead",
        record_id=world["lead"].pk,
        data={"type": "reminder", "owner_id": admin.pk, "due_at": "2020-01-01T10:00:00Z"},
    ).obj
    send_reminder.call(reminder.pk)
    notice = Notification.objects.get(activity=reminder)
    assert pseudo.OPEN in notice.text
    assert not pseudo.text_leaks(notice.text)
    form = WebForm(
        name="DATA-form",
        language=pseudo.CODE,
        autoresponder_subject="DATA-subject {{ first_name }}",
        autoresponder_body="DATA-body {{ last_name }}",
    )
    subject, body = render_autoresponder(form, {"first_name": "DATA-Jan", "last_name": "DATA-X"})
    assert not pseudo.text_leaks(subject) and not pseudo.text_leaks(body)
    message = thank_you(form)
    assert pseudo.OPEN in message and not pseudo.text_leaks(message)


def test_api_messages_follow_accept_language(world, pseudo_locale):
    from leadbridge.conftest import api_for

    api = api_for(world["admin"])
    api.client.defaults["HTTP_ACCEPT_LANGUAGE"] = pseudo.CODE
    response = api.post("/api/leads", {"email": "not an address"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"  # codes and field names are contracts: never translated
    assert body["errors"] and all(e["field"] for e in body["errors"])
    assert pseudo.OPEN in body["detail"]
    for error in body["errors"]:
        assert not pseudo.text_leaks(error["message"]), error


def test_leak_detector_finds_a_plain_string():
    assert pseudo.leaks("<p>⟦Leads⟧ DATA-Jan 12 · Leadbridge</p>") == []
    assert pseudo.leaks("<p>⟦Lead converted: ⟦client⟧.⟧</p>") == []
    assert pseudo.leaks('<button title="Delete it">⟦x⟧</button>')
    assert pseudo.leaks("<p>⟦Owner⟧: Someone</p>")
    assert pseudo.leaks("<script>var x = 'text';</script>") == []
