"""Saved filters of list views, per user."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.utils.translation import gettext as _

from .errors import NotFound, field_error
from .models import SavedFilter
from .specs import RECORD_TYPES

IGNORED = {"page", "csrfmiddlewaretoken", "name"}


def saved_filter_save(*, actor: Any, record_type: str, name: str, query: dict) -> SavedFilter:
    """Save (or replace) the user's filter `name` for a list."""
    name = (name or "").strip()
    if record_type not in RECORD_TYPES:
        raise field_error("record_type", _("Unknown record type."))
    if not name:
        raise field_error("name", _("Give the filter a name."))
    if len(name) > 100:
        raise field_error("name", _("At most 100 characters."))
    encoded = urlencode([(k, v) for k, v in query.items() if k not in IGNORED and v])
    if len(encoded) > 2000:
        raise field_error("query", _("The filter is too long to save."))
    with transaction.atomic():
        saved, _created = SavedFilter.objects.update_or_create(
            user=actor, record_type=record_type, name=name, defaults={"query": encoded}
        )
    return saved


def saved_filter_delete(*, actor: Any, filter_id: int) -> None:
    deleted, _by_model = SavedFilter.objects.filter(user=actor, pk=filter_id).delete()
    if not deleted:
        raise NotFound(_("No such saved filter."))


def saved_filters(*, actor: Any, record_type: str) -> list[SavedFilter]:
    return list(SavedFilter.objects.filter(user=actor, record_type=record_type))
