"""Lead pages through Django's test client: saved filters, query counts, access."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_saved_filter_round_trip(admin_web, admin_user, make_lead):
    from leadbridge.core.models import SavedFilter
    from leadbridge.leads.models import LeadStatus

    status = LeadStatus.objects.filter(kind="open").first()
    response = admin_web.post(
        reverse("leads:filter_save"),
        {"name": "Mine", "status_id": status.pk, "q": "kopr", "page": "3"},
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=admin_user, name="Mine")
    assert saved.query == f"status_id={status.pk}&q=kopr"
    page = admin_web.get(reverse("leads:list"))
    assert f'href="?status_id={status.pk}&amp;q=kopr"' in page.content.decode()
    assert admin_web.post(reverse("leads:filter_save"), {"name": ""}).status_code == 302
    assert SavedFilter.objects.count() == 1
    admin_web.post(reverse("leads:filter_delete", args=[saved.pk]))
    assert not SavedFilter.objects.exists()


def test_someone_elses_saved_filter_cannot_be_deleted(client, admin_user, users):
    from leadbridge.core.filters import saved_filter_save
    from leadbridge.core.models import SavedFilter

    saved = saved_filter_save(actor=admin_user, record_type="lead", name="x", query={"q": "a"})
    client.force_login(users["marketing"])
    client.post(reverse("leads:filter_delete", args=[saved.pk]))
    assert SavedFilter.objects.filter(pk=saved.pk).exists()


@pytest.mark.parametrize(
    "url_name",
    [
        "leads:list",
        "leads:board",
        "clients:list",
        "contacts:list",
        "deals:list",
        "deals:board",
        "activities:tasks",
        "core:dashboard",
    ],
)
def test_query_count_does_not_grow_with_rows(
    admin_web, admin_user, make_lead, django_assert_max_num_queries, url_name
):
    from leadbridge.activities.services import activity_create
    from leadbridge.clients.services import client_create, contact_create
    from leadbridge.deals.services import deal_create

    def add(n):
        for i in range(n):
            lead = make_lead(last_name=f"N{i}", owner_id=admin_user.pk, company_name="Firma")
            activity_create(
                actor=admin_user,
                record_type="lead",
                record_id=lead.pk,
                data={"type": "task", "subject": "Call"},
            )
            client = client_create(actor=admin_user, data={"name": f"C{i}"}).obj
            contact = contact_create(
                actor=admin_user, data={"last_name": f"K{i}", "client_id": client.pk}
            ).obj
            deal_create(
                actor=admin_user,
                data={"title": f"D{i}", "client_id": client.pk, "contact_id": contact.pk},
            )

    add(3)
    with django_assert_max_num_queries(40) as few:
        assert admin_web.get(reverse(url_name)).status_code == 200
    add(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin_web.get(reverse(url_name)).status_code == 200


def test_lead_card_query_count_does_not_grow(
    admin_web, admin_user, make_lead, django_assert_max_num_queries
):
    from leadbridge.activities.services import activity_create

    lead = make_lead(last_name="Karta", owner_id=admin_user.pk)
    urls = [
        reverse("leads:detail", args=[lead.pk]),
        reverse("activities:related", args=["lead", lead.pk]),
        reverse("history:timeline", args=["lead", lead.pk]),
    ]
    counts = []
    for n in (2, 20):
        for _ in range(n):
            activity_create(
                actor=admin_user,
                record_type="lead",
                record_id=lead.pk,
                data={"type": "task", "subject": "Call"},
            )
        with django_assert_max_num_queries(60) as ctx:
            for url in urls:
                assert admin_web.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[1] <= counts[0]
