"""Validating custom-field values against their definitions, and the required built-ins."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from leadbridge.core.errors import Collector, NotFound, field_error
from leadbridge.core.normalize import fold
from leadbridge.core.registry import model_for
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

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def key_from_label(label: str, taken: Collection[str] = ()) -> str:
    """A key for a label: accents folded, words joined by `_` ("Počet zaměstnanců" ->
    "pocet_zamestnancu"); prefixed when it would start with a digit, numbered when taken."""
    base = re.sub(r"[^a-z0-9]+", "_", fold(label)).strip("_")[:60] or "field"
    if not base[0].isalpha():
        base = ("f_" + base)[:60]
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def custom_field_create(
    *,
    actor,
    record_type: str,
    label: str,
    type: str,
    key: str = "",
    choices: list | None = None,
    required: bool = False,
    order: int = 0,
) -> CustomFieldDefinition:
    """A new field; without a key, one is made from the label (a user types labels, not keys)."""
    require_admin(actor)
    out = Collector()
    label = (label or "").strip()
    if not label:
        out.add("label", _("This field is required."))
    if not key and label:
        taken = set(
            CustomFieldDefinition.objects.filter(record_type=record_type).values_list(
                "key", flat=True
            )
        )
        key = key_from_label(label, taken)
    elif key and not KEY_PATTERN.match(key):
        out.add(
            "key",
            _("Lower-case letters, digits and _, starting with a letter (at most 64)."),
        )
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


def custom_field_get(pk: int) -> CustomFieldDefinition:
    definition = CustomFieldDefinition.objects.filter(pk=pk).first()
    if definition is None:
        raise NotFound(_("No custom field with this id."))
    return definition


def custom_field_update(
    *,
    actor,
    pk: int,
    label: str | None = None,
    choices: list | None = None,
    required: bool | None = None,
    order: int | None = None,
) -> CustomFieldDefinition:
    """Rename a field or change its choices, requiredness and order; the key and the type stay
    (stored values, imports, web forms and API clients refer to the key)."""
    require_admin(actor)
    definition = custom_field_get(pk)
    out = Collector()
    if label is not None:
        label = label.strip()
        if not label:
            out.add("label", _("This field is required."))
        definition.label = label
    if choices is not None:
        if definition.type == "choice" and not choices:
            out.add("choices", _("A choice field needs at least one choice."))
        definition.choices = list(choices)
    out.raise_if_any()
    if required is not None:
        definition.required = required
    if order is not None:
        definition.order = order
    definition.save()
    return definition


def _holding(definition: CustomFieldDefinition):
    model = model_for(definition.record_type)
    return model.objects.filter(custom_fields__has_key=definition.key)


def custom_field_usage(*, actor, pk: int) -> int:
    """How many records (deleted ones included) hold a value of this field: what deleting it
    would erase, asked before an administrator confirms."""
    require_admin(actor)
    return _holding(custom_field_get(pk)).count()


def custom_field_delete(*, actor, pk: int) -> int:
    """Delete a field and its values on every record; returns how many records held one.

    The values go with the definition: a value without a definition could neither be shown,
    edited nor validated, and a new field of the same key must not inherit stale values.
    """
    require_admin(actor)
    definition = custom_field_get(pk)
    with transaction.atomic():
        held = 0
        records = _holding(definition).select_for_update().only("pk", "custom_fields")
        # In batches, each re-read: the ones already cleared no longer hold the key.
        while batch := list(records.order_by("pk")[:1000]):
            for record in batch:
                record.custom_fields.pop(definition.key, None)
            type(batch[0]).objects.bulk_update(batch, ["custom_fields"])
            held += len(batch)
        definition.delete()
    return held


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
