"""Validating custom-field values against their definitions, and the required built-ins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from leadbridge.core.errors import Collector, field_error
from leadbridge.core.specs import SPECS
from leadbridge.people.access import require_admin

from .models import CustomFieldDefinition, RequiredField

MAX_TEXT = 2000


def definitions(record_type: str) -> list[CustomFieldDefinition]:
    return list(CustomFieldDefinition.objects.filter(record_type=record_type))


def required_builtin(record_type: str) -> set[str]:
    return set(
        RequiredField.objects.filter(record_type=record_type).values_list("field", flat=True)
    )


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        number = Decimal(str(value).strip().replace(",", "."))
    if not number.is_finite() or abs(number) > Decimal("1e15"):
        raise ValueError
    return int(number) if number == number.to_integral_value() else float(number)


def clean_custom_value(definition: CustomFieldDefinition, value: Any) -> Any:
    """The stored JSON value, or ValueError with a message for the user."""
    if value is None or value == "":
        return None
    kind = definition.type
    if kind == "text":
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValueError(_("Must be text."))
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            raise ValueError(_("At most %(MAX_TEXT)s characters.") % {"MAX_TEXT": MAX_TEXT})
        return text
    if kind == "number":
        try:
            return _number(value)
        except (ValueError, InvalidOperation):
            raise ValueError(_("Must be a number.")) from None
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError(_("Must be a date (YYYY-MM-DD).")) from None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"true", "1", "yes", "on"}:
            return True
        if text in {"false", "0", "no", "off"}:
            return False
        raise ValueError(_("Must be true or false."))
    if kind == "choice":
        if not isinstance(value, str) or value not in (definition.choices or []):
            raise ValueError(
                _("Must be one of: %(choices)s.")
                % {"choices": ", ".join(map(str, definition.choices))}
            )
        return value
    raise ValueError(_("Unknown field type."))


def clean_custom_fields(
    record_type: str, values: Any, current: dict, *, out: Collector, defs=None
) -> dict:
    """Merge submitted values into the current ones; unknown keys and bad values are errors."""
    defs = {d.key: d for d in (defs if defs is not None else definitions(record_type))}
    result = dict(current or {})
    if values is None:
        return result
    if not isinstance(values, dict):
        out.add("custom_fields", _("Must be an object keyed by the custom field's key."))
        return result
    for key, value in values.items():
        definition = defs.get(key)
        if definition is None:
            out.add(f"custom_fields.{key}", _("Unknown custom field."))
            continue
        try:
            cleaned = clean_custom_value(definition, value)
        except ValueError as exc:
            out.add(f"custom_fields.{key}", str(exc))
            continue
        if cleaned is None:
            result.pop(key, None)
        else:
            result[key] = cleaned
    return result


def check_required_custom(record_type: str, values: dict, *, out: Collector, defs=None) -> None:
    for definition in defs if defs is not None else definitions(record_type):
        if definition.required and values.get(definition.key) in (None, ""):
            out.add(f"custom_fields.{definition.key}", _("This field is required."))


# Administration -----------------------------------------------------------------------------


def custom_field_create(
    *,
    actor,
    record_type: str,
    key: str,
    label: str,
    type: str,
    choices: list | None = None,
    required: bool = False,
    order: int = 0,
) -> CustomFieldDefinition:
    require_admin(actor)
    out = Collector()
    if record_type not in SPECS:
        out.add("record_type", _("Unknown record type."))
    if type not in CustomFieldDefinition.Type.values:
        out.add(
            "type",
            _("Must be one of: %(choices)s.")
            % {"choices": ", ".join(CustomFieldDefinition.Type.values)},
        )
    if type == "choice" and not choices:
        out.add("choices", _("A choice field needs at least one choice."))
    out.raise_if_any()
    if CustomFieldDefinition.objects.filter(record_type=record_type, key=key).exists():
        raise field_error("key", _("A custom field with this key exists already."), code="exists")
    with transaction.atomic():
        return CustomFieldDefinition.objects.create(
            record_type=record_type,
            key=key,
            label=label,
            type=type,
            choices=list(choices or []),
            required=required,
            order=order,
        )


def required_fields_set(*, actor, record_type: str, fields: list[str]) -> list[str]:
    """Make exactly these built-in fields required (beyond the product's own rules)."""
    require_admin(actor)
    spec = SPECS.get(record_type)
    if spec is None:
        raise field_error("record_type", _("Unknown record type."))
    bad = [f for f in fields if f not in spec.names or f in ("tags",)]
    if bad:
        raise field_error("fields", "Unknown fields: " + ", ".join(bad))
    with transaction.atomic():
        RequiredField.objects.filter(record_type=record_type).exclude(field__in=fields).delete()
        for name in fields:
            RequiredField.objects.get_or_create(record_type=record_type, field=name)
    return sorted(fields)
