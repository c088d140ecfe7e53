"""Sorted lists follow the reader's alphabet on PostgreSQL with ICU; SQLite keeps its order."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import translation

from leadbridge.core.collation import available_collations, text_ordering
from leadbridge.core.selectors import ListParams, record_list

pytestmark = pytest.mark.django_db
NAMES = ["Hrubý", "Chalupa", "Cibulka", "Čermák", "Doležal", "Adámek"]


def _sorted(admin_user, language: str, ordering: str = "last_name", collate=True) -> list[str]:
    with translation.override(language):
        page, _count = record_list(
            actor=admin_user,
            record_type="lead",
            params=ListParams(ordering=ordering, limit=50),
            collate=collate,
        )
        return [lead.last_name for lead in page]


def test_czech_order_on_postgresql(admin_user, make_lead):
    for name in NAMES:
        make_lead(last_name=name)
    if connection.vendor != "postgresql" or "lb_cs" not in available_collations():
        # SQLite (or a server without ICU): the database's own order, as before.
        assert _sorted(admin_user, "cs") == sorted(_sorted(admin_user, "cs"), key=lambda n: n)
        assert text_ordering("last_name") == "last_name"
        return
    # Czech: Č after C, and "Ch" is its own letter after H.
    assert _sorted(admin_user, "cs") == [
        "Adámek",
        "Cibulka",
        "Čermák",
        "Doležal",
        "Hrubý",
        "Chalupa",
    ]
    assert _sorted(admin_user, "cs", "-last_name")[0] == "Chalupa"
    # English: Ch is C + h; Č sorts with C.
    assert _sorted(admin_user, "en") == [
        "Adámek",
        "Čermák",
        "Chalupa",
        "Cibulka",
        "Doležal",
        "Hrubý",
    ]
    # The API keeps the database's plain order (served by the indexes).
    plain = _sorted(admin_user, "cs", collate=False)
    assert plain != _sorted(admin_user, "cs") and set(plain) == set(NAMES)


def test_the_leads_page_sorts_in_the_users_alphabet(client, admin_user, make_lead):
    from django.urls import reverse

    for name in NAMES:
        make_lead(last_name=name)
    admin_user.language = "cs"
    admin_user.save()
    client.force_login(admin_user)
    html = client.get(reverse("leads:list"), {"ordering": "last_name"}).content.decode()
    positions = [html.index(name) for name in ("Cibulka", "Čermák", "Hrubý", "Chalupa")]
    if connection.vendor == "postgresql" and "lb_cs" in available_collations():
        assert positions == sorted(positions)
    else:
        assert html.index("Chalupa") < html.index("Hrubý")  # the database's own order


def test_collations_exist_wherever_the_server_has_icu():
    if connection.vendor != "postgresql":
        assert available_collations() == set()
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collprovider = 'i' LIMIT 1")
        has_icu = cursor.fetchone() is not None
    expected = {f"lb_{code}" for code in ("en", "cs", "sk", "pl", "lt", "vi")}
    assert available_collations() == (expected if has_icu else set())
