"""A main record as the outside world reads it: the API's answers, the webhook bodies, the
pages that show the same fields. One representation, so that a webhook's `data` is exactly
what `GET /api/<type>/<id>` answers at that moment.

Every layer may use it (it imports nothing above core). Values a type adds beyond its spec's
fields (a lead's conversion links) come from the app that owns them through
`register_extras`, and a type without a spec (a document) brings its whole representation
through `register_type`; both are filled in the app's `AppConfig.ready()`: core knows no lead
or document model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from .specs import SPECS

# objs -> {pk: {name: value}}: the added values of a page of records, in a few queries.
Extras = Callable[[Sequence[Any]], dict[Any, dict[str, Any]]]
_extras: dict[str, Extras] = {}
_types: dict[str, Callable[[Any], dict]] = {}


def register_extras(record_type: str, load: Extras) -> None:
    _extras[record_type] = load


def register_type(record_type: str, show: Callable[[Any], dict]) -> None:
    """The representation of a type that has no record spec (documents)."""
    _types[record_type] = show


def json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def represent(record_type: str, obj: Any, extras: dict[Any, dict] | None = None) -> dict:
    """The record as a JSON-ready dict. `extras`: what `register_extras` loaded for a page
    that holds `obj` (`represent_page`); loaded for `obj` alone when not given."""
    if record_type in _types:
        return _types[record_type](obj)
    spec = SPECS[record_type]
    data: dict[str, Any] = {"id": obj.pk, "version": obj.version}
    for f in spec.fields:
        data[f.name] = json_value(getattr(obj, f.attr))
    data["custom_fields"] = obj.custom_fields or {}
    data["display_name"] = obj.display_name
    data["created_at"] = json_value(obj.created_at)
    data["updated_at"] = json_value(obj.updated_at)
    load = _extras.get(record_type)
    if load is not None:
        if extras is None:
            extras = load([obj])
        data.update(extras.get(obj.pk, {}))
    return data


def represent_page(record_type: str, objs: Sequence[Any]) -> list[dict]:
    """Several records of one type, their extras loaded together."""
    load = _extras.get(record_type)
    extras = load(objs) if load is not None else None
    return [represent(record_type, obj, extras) for obj in objs]
