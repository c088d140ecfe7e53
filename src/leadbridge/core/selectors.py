"""Read queries for the main records, with record access applied (the only way reads go).

`record_list` implements the list contract shared by every type: `q`, the common filters,
the type's own filters, `cf_<key>` custom-field filters, `ordering`, `limit` and `offset`.
A search without an `ordering` is ranked by relevance (core/search.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from leadbridge.core import labels
from leadbridge.core.collation import text_ordering
from leadbridge.customfields.models import CustomFieldDefinition
from leadbridge.customfields.services import clean_custom_value
from leadbridge.people import access

from .errors import FieldIssue, Merged, NotFound, ValidationFailed, field_error
from .registry import model_for
from .search import ranked_page, search_filter, suggestions
from .specs import SPECS

SELECT_RELATED = {
    "lead": ("status", "source", "owner", "team"),
    "client": ("owner", "team"),
    "contact": ("owner", "team", "client"),
    "deal": ("owner", "team", "pipeline", "stage", "client"),
}


DEFAULT_ORDERING = "-created_at"


@dataclass
class ListParams:
    q: str | None = None
    owner_id: int | None = None
    team_id: int | None = None
    tag: str | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    updated_after: dt.datetime | None = None
    updated_before: dt.datetime | None = None
    ordering: str | None = None  # None: by relevance when `q` is given, else newest first
    limit: int = 50
    offset: int = 0


def base_queryset(actor: Any, record_type: str, right: str = "view") -> QuerySet:
    model = model_for(record_type)
    return access.restrict(model.objects.alive(), actor, record_type, right)


def record_get(*, actor: Any, record_type: str, pk: int) -> Any:
    model = model_for(record_type)
    obj = model.objects.alive().select_related(*SELECT_RELATED[record_type]).filter(pk=pk).first()
    if obj is None:
        detail = _("No %(record_type)s with id %(pk)s.") % {
            "record_type": labels.record_type(record_type),
            "pk": pk,
        }
        survivor_id = _merged_into(actor, record_type, pk)
        if survivor_id is not None:
            raise Merged(detail, record_type=record_type, pk=pk, survivor_id=survivor_id)
        raise NotFound(detail)
    access.check(actor, record_type, "view", obj)
    return obj


def _merged_into(actor: Any, record_type: str, pk: int) -> int | None:
    """The record a merged-away one went into, if the actor could see the merged one (else
    the merge would reveal that the id existed)."""
    row = (
        model_for(record_type)
        .objects.filter(pk=pk, merged_into__isnull=False)
        .values("merged_into", "owner_id", "team_id")
        .first()
    )
    if row is None or not access.in_scope(
        actor, record_type, "view", owner_id=row["owner_id"], team_id=row["team_id"]
    ):
        return None
    return row["merged_into"]


def visible_ids(actor: Any, record_type: str, ids: Any) -> set[int]:
    """The ids among `ids` of live records the actor may view: what a reference field (a
    deal's client_id, a contact's lead_id) may point at. An invisible record counts as a
    missing one, so a reference never reveals that a record exists."""
    wanted = {int(i) for i in ids}
    if not wanted:
        return set()
    return set(base_queryset(actor, record_type).filter(pk__in=wanted).values_list("pk", flat=True))


def _custom_filter(qs: QuerySet, record_type: str, key: str, raw: str) -> QuerySet:

    definition = CustomFieldDefinition.objects.filter(record_type=record_type, key=key).first()
    if definition is None:
        raise ValidationFailed(
            _("Unknown custom field."), errors=[FieldIssue(f"cf_{key}", _("Unknown custom field."))]
        )
    try:
        value = clean_custom_value(definition, raw)
    except ValueError as exc:
        raise ValidationFailed(str(exc), errors=[FieldIssue(f"cf_{key}", str(exc))]) from None
    if value is None:
        return qs.filter(**{f"custom_fields__{key}__isnull": True})
    if definition.type == "text":
        return qs.filter(**{f"custom_fields__{key}__iexact": value})
    return qs.filter(**{f"custom_fields__{key}": value})


def record_list(
    *,
    actor: Any,
    record_type: str,
    params: ListParams,
    type_filters: dict | None = None,
    custom_filters: dict[str, str] | None = None,
    collate: bool = False,
) -> tuple[QuerySet, int]:
    """(page of records, total count) for a list request.

    A `q` without an `ordering` orders by relevance (each record carries its `rank`); an
    explicit `ordering` wins.

    `collate`: sort text columns in the reader's alphabet (core/collation.py). The web pages
    ask for it; the API keeps the database's plain order, which its clients can rely on and
    which the indexes serve (an ICU sort of 25,000 rows costs tens of milliseconds).
    """
    spec = SPECS[record_type]
    qs = filtered_queryset(
        actor=actor,
        record_type=record_type,
        params=params,
        type_filters=type_filters,
        custom_filters=custom_filters,
    )
    ordering = params.ordering or DEFAULT_ORDERING
    field = ordering[1:] if ordering.startswith("-") else ordering
    if field not in spec.orderings:
        raise ValidationFailed(
            _("Unknown ordering."),
            errors=[
                FieldIssue(
                    "ordering",
                    _("Sort by one of: %(choices)s.") % {"choices": ", ".join(spec.orderings)},
                )
            ],
        )
    desc = ordering.startswith("-")
    tiebreak = "-id" if desc else "id"
    if not params.ordering:
        by_rank = ranked_page(
            qs,
            params.q,
            offset=params.offset,
            limit=params.limit,
            related=SELECT_RELATED[record_type],
        )
        if by_rank is not None:
            return by_rank
    count = qs.count()
    spec_field = spec.get(field)
    if collate and spec_field is not None and spec_field.kind == "text":
        # Names, companies, cities: in the reader's language's alphabetical order.
        order: Any = text_ordering(field, descending=desc)
    else:
        order = ordering
    # Amounts of different currencies are never compared as one number: a sort by value
    # groups by currency (A to Z) and sorts within each (the lists say so in their header).
    by_currency = ("currency",) if spec_field is not None and spec_field.kind == "decimal" else ()
    by = [f"-{name}" if desc else name for name in spec.ordering_fields.get(field, ())]
    page = qs.select_related(*SELECT_RELATED[record_type]).order_by(
        *by_currency, *(by or [order]), tiebreak
    )
    page = page[params.offset : params.offset + params.limit]
    return page, count


def record_suggestions(*, actor: Any, record_type: str, q: str | None) -> list[str]:
    """The visible names closest to a query that found nothing ("Did you mean")."""
    return suggestions(base_queryset(actor, record_type), record_type, q)


def filtered_queryset(
    *,
    actor: Any,
    record_type: str,
    params: ListParams,
    type_filters: dict | None = None,
    custom_filters: dict[str, str] | None = None,
) -> QuerySet:
    """The visible records a list's filters select, unordered (lists, exports, the finder)."""
    qs = search_filter(base_queryset(actor, record_type), params.q)
    for name in ("owner_id", "team_id"):
        value = getattr(params, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    if params.tag:
        qs = qs.filter(tags_index__contains=f"|{params.tag.strip().lower()}|")
    for name, lookup in (
        ("created_after", "created_at__gte"),
        ("created_before", "created_at__lt"),
        ("updated_after", "updated_at__gte"),
        ("updated_before", "updated_at__lt"),
    ):
        value = getattr(params, name)
        if value is not None:
            qs = qs.filter(**{lookup: value})
    type_filters = dict(type_filters or {})
    if record_type == "lead" and not type_filters.pop("include_converted", False):
        qs = qs.filter(is_converted=False)
    type_filters.pop("include_converted", None)
    spec = SPECS[record_type]
    for name in spec.amount_filters:
        if type_filters.get(name) is not None and not type_filters.get("currency"):
            raise field_error(
                name,
                _("Choose the currency too: amounts are compared within one currency only."),
                code="required",
            )
    for name, value in type_filters.items():
        if value is not None:
            qs = qs.filter(**{spec.filter_lookups.get(name, name): value})
    for key, raw in (custom_filters or {}).items():
        qs = _custom_filter(qs, record_type, key, raw)
    return qs
