"""Settings, dashboard and search pages through Django's test client."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_settings_is_for_administrators_only(client, users):
    client.force_login(users["manager_north"])
    assert client.get(reverse("settings:index")).status_code == 403
    assert (
        client.post(reverse("settings:index"), {"action": "team", "name": "X"}).status_code == 403
    )


def test_settings_changes_go_through_services(admin_web):
    from leadbridge.core.runtime_settings import get_setting
    from leadbridge.leads.models import LeadSource, LeadStatus
    from leadbridge.people.models import Team

    url = reverse("settings:index")
    assert admin_web.get(url).status_code == 200
    admin_web.post(
        url,
        {
            "action": "status",
            "name": "Nurturing",
            "color": "#123456",
            "kind": "open",
            "on_board": "on",
            "order": "7",
        },
    )
    assert LeadStatus.objects.filter(name="Nurturing", color="#123456").exists()
    admin_web.post(url, {"action": "source", "name": "Podcast"})
    assert LeadSource.objects.filter(name="Podcast").exists()
    admin_web.post(url, {"action": "team", "name": "Brno"})
    assert Team.objects.filter(name="Brno").exists()
    admin_web.post(url, {"action": "conversion", "on_status": "default_plan"})
    assert get_setting("conversion.on_status") == "default_plan"
    assert get_setting("conversion.reconvert") is False
    response = admin_web.post(url, {"action": "source", "name": ""}, follow=True)
    assert "required" in response.content.decode()


def test_statuses_reorder_by_drag(admin_web):
    from leadbridge.leads.models import LeadStatus

    ids = list(LeadStatus.objects.order_by("order").values_list("pk", flat=True))
    wanted = list(reversed(ids))
    response = admin_web.post(
        reverse("settings:index"),
        {"action": "status_order", "ids": ",".join(map(str, wanted))},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204
    assert list(LeadStatus.objects.order_by("order").values_list("pk", flat=True)) == wanted


def test_dashboard_and_search(admin_web, make_lead):
    make_lead(first_name="Šárka", last_name="Kopřivová")
    assert admin_web.get(reverse("core:dashboard")).status_code == 200
    page = admin_web.get(reverse("core:search"), {"q": "kopriva"}).content.decode()
    assert "Šárka Kopřivová" in page


def test_search_shows_only_visible_records(client, users, teams, make_lead):
    north, south = teams
    make_lead(last_name="Severová", team_id=north.pk)
    make_lead(last_name="Jižanová", team_id=south.pk)
    client.force_login(users["sales_north"])
    page = client.get(reverse("core:search"), {"q": "ova"}).content.decode()
    assert "Severová" in page and "Jižanová" not in page


def test_pages_need_a_login(client):
    for name in ("leads:list", "core:dashboard", "activities:tasks", "clients:list"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get("/api/leads").status_code == 401
