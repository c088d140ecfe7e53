"""Stored field values as a reader says them: labels for fields, names for ids, local formats.

The timeline ("Owner: Jana Nováková → Petr Dvořák") and the edit form's conflict panel show
values the history stored as JSON (ids, ISO dates, decimal strings). `FieldValues` is built
once for a batch of (field, value) pairs and looks every referenced id up in one query per
referenced model, so a long timeline costs a handful of queries, not one per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.utils import formats
from django.utils.dateparse import parse_date, parse_datetime

from leadbridge.customfields.models import CustomFieldDefinition

from . import labels
from .forms import LABELS
from .specs import SPECS, FieldSpec

CUSTOM_PREFIX = "custom_fields."


def field_label(record_type: str, name: str, custom_labels: dict[str, str] | None = None) -> str:
    """'owner_id' -> 'Owner'; 'custom_fields.budget' -> the custom field's own label."""

    if name.startswith(CUSTOM_PREFIX):
        key = name[len(CUSTOM_PREFIX) :]
        return (custom_labels or {}).get(key, key)
    return str(LABELS.get(name, name))


def custom_labels(record_type: str) -> dict[str, str]:

    return dict(
        CustomFieldDefinition.objects.filter(record_type=record_type).values_list("key", "label")
    )


def custom_values(record_type: str, obj: Any) -> list[tuple[str, str]]:
    """A record's custom field values under their labels ("Budget", not "budget_2026")."""
    stored = obj.custom_fields or {}
    if not stored:
        return []
    names = custom_labels(record_type)
    return [
        (names.get(key, key), _plain(value))
        for key, value in stored.items()
        if value not in (None, "", [])
    ]


def _name(obj: Any) -> str:
    # A stage by its own name: its str() adds the pipeline, a query per stage.
    return getattr(obj, "display_name", None) or getattr(obj, "name", None) or str(obj)


class FieldValues:
    """Labels and display values for one record type's fields, ids resolved in bulk."""

    def __init__(self, record_type: str, pairs: Iterable[tuple[str, Any]]):
        self.record_type = record_type
        self.spec = SPECS[record_type]
        self.custom = custom_labels(record_type)
        wanted: dict[str, set[int]] = {}
        for name, value in pairs:
            spec = self.spec.get(name)
            if spec is not None and spec.kind == "ref" and isinstance(value, int):
                wanted.setdefault(str(spec.ref), set()).add(value)
        self.names: dict[tuple[str, int], str] = {}
        for ref, ids in wanted.items():
            for obj in apps.get_model(ref)._default_manager.filter(pk__in=ids):
                self.names[(ref, obj.pk)] = _name(obj)

    def label(self, name: str) -> str:
        return field_label(self.record_type, name, self.custom)

    def show(self, name: str, value: Any) -> str:
        """A value as the reader reads it; empty values as a dash."""
        if value in (None, "", [], {}):
            return "—"
        spec = self.spec.get(name)
        if spec is None:
            return _plain(value)
        return _shown(spec, value, self.names)


def _shown(spec: FieldSpec, value: Any, names: dict[tuple[str, int], str]) -> str:
    kind = spec.kind
    if kind == "ref":
        try:
            return names.get((str(spec.ref), int(value)), f"#{value}")
        except (TypeError, ValueError):
            return str(value)
    if kind == "decimal":
        return labels.money(value)
    if kind == "date":
        return local_date(value)
    if kind == "choice":
        return str(labels.choice_label(value))
    return _plain(value)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return labels.yes_no(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def local_date(value: Any) -> str:
    """An ISO date (or date) in the active language's short date format ("6. 12. 2026")."""
    if value in (None, ""):
        return ""
    day: Any = value
    if isinstance(value, str):
        day = parse_datetime(value) or parse_date(value)
    if isinstance(day, dt.datetime):
        return formats.date_format(day, "SHORT_DATETIME_FORMAT")
    if isinstance(day, dt.date):
        return formats.date_format(day, "SHORT_DATE_FORMAT")
    return str(value)
