"""Per-user language and time zone, the switcher, Accept-Language for the API, locale formats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from leadbridge.core import labels
from leadbridge.core.messages import compile_all

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, scope="module")
def compiled():
    compile_all()


def test_profile_language_wins_over_accept_language(client, admin_user):
    admin_user.language = "cs"
    admin_user.save()
    client.force_login(admin_user)
    response = client.get(reverse("leads:list"), HTTP_ACCEPT_LANGUAGE="pl")
    assert response.status_code == 200
    assert '<html lang="cs">' in response.content.decode()
    assert response["Content-Language"] == "cs"


def test_without_a_profile_language_the_browser_decides(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("leads:list"), HTTP_ACCEPT_LANGUAGE="vi,en;q=0.5")
    assert '<html lang="vi">' in response.content.decode()


def test_switcher_saves_the_language_and_returns_to_the_page(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("core:preferences"), {"language": "lt", "next": reverse("leads:board")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("leads:board")
    admin_user.refresh_from_db()
    assert admin_user.language == "lt"
    assert response.cookies["django_language"].value == "lt"
    page = client.get(reverse("leads:board"))
    assert '<html lang="lt">' in page.content.decode()


def test_switcher_refuses_an_unknown_language_at_the_field(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("core:preferences"), {"language": "xx", "time_zone": "Mars/X"})
    assert response.status_code == 422
    html = response.content.decode()
    assert html.count('class="errorlist"') == 2
    admin_user.refresh_from_db()
    assert admin_user.language == "" and admin_user.time_zone == ""


def test_switcher_never_redirects_off_site(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("core:preferences"), {"language": "cs", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("core:preferences")


def test_users_time_zone_shows_times_on_its_clock(client, admin_user, make_lead):
    from leadbridge.leads.models import Lead

    lead = make_lead(last_name="Zone")
    Lead.objects.filter(pk=lead.pk).update(created_at=dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC))
    admin_user.time_zone = "Asia/Ho_Chi_Minh"  # UTC+7
    admin_user.language = "en"
    admin_user.save()
    client.force_login(admin_user)
    html = client.get(reverse("history:timeline", args=["lead", lead.pk])).content.decode()
    admin_user.time_zone = "Europe/Vilnius"  # UTC+2 in winter
    admin_user.save()
    other = client.get(reverse("history:timeline", args=["lead", lead.pk])).content.decode()
    assert html != other  # the same event, two clocks


def test_preferences_service_checks_its_values(admin_user):
    from leadbridge.core.errors import ValidationFailed
    from leadbridge.people.services import user_preferences_update

    user_preferences_update(
        actor=admin_user, user=admin_user, language="vi", time_zone="Asia/Ho_Chi_Minh"
    )
    admin_user.refresh_from_db()
    assert (admin_user.language, admin_user.time_zone) == ("vi", "Asia/Ho_Chi_Minh")
    with pytest.raises(ValidationFailed) as info:
        user_preferences_update(actor=admin_user, user=admin_user, time_zone="Nowhere")
    assert [e.field for e in info.value.errors] == ["time_zone"]


def test_api_answers_in_the_accept_language_with_untranslated_codes(admin_api):
    response = admin_api.client.post(
        "/api/leads", "{}", content_type="application/json", HTTP_ACCEPT_LANGUAGE="cs"
    )
    assert response.status_code == 422
    assert response["Content-Language"] == "cs"
    body = response.json()
    assert body["code"] == "invalid" and body["errors"][0]["field"] == "last_name"


def test_money_is_formatted_by_locale():
    with translation.override("cs"):
        assert labels.money(Decimal("1234.5"), "CZK").replace("\xa0", " ") == "1 234,50 Kč"
    with translation.override("en"):
        assert labels.money(Decimal("1234.5"), "EUR") == "€1,234.50"
    with translation.override("pl"):
        assert labels.money("1234.5", "PLN").replace("\xa0", " ") == "1 234,50 zł"
    with translation.override("vi"):
        assert "₫" in labels.money(Decimal("1500000"), "VND")
    assert labels.money(None, "CZK") == "" and labels.money("", "") == ""
    with translation.override("cs"):
        assert labels.money(Decimal("5"), "").replace("\xa0", " ") == "5,00"


def test_dates_follow_the_language(client, admin_user, make_lead):
    make_lead(last_name="Datum")
    admin_user.language = "cs"
    admin_user.save()
    client.force_login(admin_user)
    html = client.get(reverse("leads:list")).content.decode()
    today = dt.date.today()
    assert (
        f"{today.day}. {today.month}. {today.year}" in html or f"{today.day}.{today.month}." in html
    )
