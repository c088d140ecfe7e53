"""Sorted lists follow the reader's alphabet on PostgreSQL with ICU; SQLite keeps its order."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import translation

from leadbridge.core.collation import available_collations, text_ordering
from leadbridge.core.selectors import ListParams, record_list

pytestmark = pytest.mark.django_db
NAMES = ["Hrubý", "Chalupa", "Cibulka", "Čermák", "Doležal", "Adámek"]


def _sorted(admin_user, language: str, ordering: str = "last_name") -> list[str]:
    with translation.override(language):
        page, _count = record_list(
            actor=admin_user, record_type="lead", params=ListParams(ordering=ordering, limit=50)
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


def test_collations_exist_wherever_the_server_has_icu():
    if connection.vendor != "postgresql":
        assert available_collations() == set()
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collprovider = 'i' LIMIT 1")
        has_icu = cursor.fetchone() is not None
    expected = {f"lb_{code}" for code in ("en", "cs", "sk", "pl", "lt", "vi")}
    assert available_collations() == (expected if has_icu else set())
