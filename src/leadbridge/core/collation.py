"""Sorting text by the reader's language: ICU collations on PostgreSQL, the default elsewhere.

Migration core 0003 creates one collation per language (`lb_cs`, `lb_pl`…) where the server
has ICU; ordering by a text field then uses the active language's one, so Czech lists put
"Ch" after "H" and Lithuanian ones put "Y" beside "I". SQLite and PostgreSQL servers built
without ICU keep their current order.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F, OrderBy
from django.db.models.functions import Collate
from django.utils.translation import get_language

# ICU locale of each language's collation (the migration's list; keep them together).
ICU_LOCALES = {
    "en": "en-US",
    "cs": "cs-CZ",
    "sk": "sk-SK",
    "pl": "pl-PL",
    "lt": "lt-LT",
    "vi": "vi-VN",
}
_available: dict[str, set[str]] = {}


def collation_name(language: str) -> str:
    return f"lb_{language}"


def available_collations() -> set[str]:
    """The lb_* collations of this database (read once per database alias and process)."""
    key = connection.settings_dict.get("NAME") or ""
    if key not in _available:
        if connection.vendor != "postgresql":
            _available[key] = set()
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT collname FROM pg_collation WHERE collname LIKE 'lb\\_%%'")
                _available[key] = {row[0] for row in cursor.fetchall()}
    return _available[key]


def text_ordering(field: str, *, descending: bool = False) -> OrderBy | str:
    """`field` ordered by the active language's collation where there is one."""
    language = (get_language() or "en").split("-")[0]
    name = collation_name(language)
    if name not in available_collations():
        return f"-{field}" if descending else field
    expression = Collate(F(field), name)
    return expression.desc() if descending else expression.asc()
