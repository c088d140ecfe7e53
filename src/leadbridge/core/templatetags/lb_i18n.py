"""Template filters that show stored codes (record types, states) in the reader's language."""

from __future__ import annotations

from django import template

from leadbridge.core import labels
from leadbridge.core.forms import LABELS

register = template.Library()


@register.filter
def record_type_label(value: str) -> str:
    """'lead' -> the translated name of the record type; unknown codes as they are."""
    return labels.record_type(value)


@register.filter
def record_types_label(value: str) -> str:
    """'lead' -> the translated plural name ('leads')."""
    return labels.record_types(value)


@register.filter
def field_label(name: str) -> str:
    """A record field's contract name ('first_name') -> its form label ('First name')."""

    return str(LABELS.get(name, name))


@register.filter
def action_label(code: str) -> str:
    """A timeline action code ('created') in the reader's language."""
    return labels.action(code)


@register.filter
def money(value, currency: str = "") -> str:
    """An amount with its currency, formatted by the active language (core.labels.money)."""
    return labels.money(value, currency)


@register.filter
def yes_no(value) -> str:
    """True/False as a translated yes/no (Django's `yesno` takes one "yes,no,maybe" string)."""
    return labels.yes_no(value)


@register.filter
def role_label(role) -> str:
    """A built-in role's name in the reader's language; roles an administrator added as named."""
    return labels.role(role)
