"""One router builder for the four main record types: list, create, get, update, delete,
history and activities, all through the type's services and the shared selectors."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema
from pydantic import AfterValidator, create_model

from leadbridge.core.errors import field_error
from leadbridge.core.record_services import Saved
from leadbridge.core.representation import represent, represent_page
from leadbridge.core.selectors import ListParams, record_get, record_list, record_suggestions
from leadbridge.core.specs import SPECS
from leadbridge.duplicates.checks import find_matches
from leadbridge.duplicates.intake import create_checked
from leadbridge.duplicates.keys import values_of
from leadbridge.duplicates.policy import DOC as ON_DUPLICATE_DOC
from leadbridge.duplicates.policy import OnDuplicateValue
from leadbridge.history.selectors import history_for

from .idempotency import run_idempotent
from .schemas import (
    ErrorOut,
    Id,
    TextGuard,
    UtcDateTime,
    input_schema,
    list_schema,
    output_schema,
    saved_schema,
    text_problem,
)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class HistoryOrigin(Schema):
    record_type: str
    id: int
    relation: str = Field(
        description="self, converted_from (a lead), merged, or document (a quote or pro-forma "
        "linked to the record; record_type `document`)"
    )


class HistoryOut(Schema):
    id: int
    at: dt.datetime
    kind: str
    field: str
    old_value: Any = None
    new_value: Any = None
    data: dict
    actor_id: int | None
    actor_name: str
    origin: HistoryOrigin


class HistoryList(Schema):
    items: list[HistoryOut]
    count: int


class CommonFilters(Schema, TextGuard):
    q: str | None = Field(None, max_length=200, description="Accent- and case-insensitive search")
    owner_id: Id | None = None
    team_id: Id | None = None
    tag: str | None = Field(None, max_length=50)
    created_after: UtcDateTime | None = None
    created_before: UtcDateTime | None = None
    updated_after: UtcDateTime | None = None
    updated_before: UtcDateTime | None = None
    ordering: str | None = Field(
        None,
        max_length=50,
        description="A field name, '-' first for descending. Without it: by relevance when "
        "`q` is given (each item carries its `rank`), else -created_at. An amount (value, "
        "expected_value) sorts by currency first, then by amount within each currency.",
    )
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


# Amounts as the deal's value column holds them (14 digits, 2 decimal places).
Amount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
CurrencyCode = Annotated[str, Field(pattern="^[A-Za-z]{3}$"), AfterValidator(str.upper)]
FILTER_TYPES: dict[str, Any] = {
    "int": Id | None,
    "str": str | None,
    "bool": bool,
    "decimal": Amount | None,
    "date": dt.date | None,
    "currency": CurrencyCode | None,
}


def filter_schema(record_type: str) -> type[Schema]:
    spec = SPECS[record_type]
    fields = {
        name: (
            FILTER_TYPES[kind],
            Field(False if kind == "bool" else None, description=spec.filter_help.get(name)),
        )
        for name, kind in spec.filters.items()
    }
    return create_model(f"{record_type.capitalize()}Filters", __base__=CommonFilters, **fields)


@dataclass
class RecordServices:
    """A record type's services, each keyword-only: create(actor, data),
    update(actor, pk, data, version), delete(actor, pk, version); each returns a `Saved`."""

    create: Callable[..., Saved]
    update: Callable[..., Saved]
    delete: Callable[..., Saved]


CHECKED = ("lead", "client", "contact")
ON_DUPLICATE_QUERY = Query("allow", description=ON_DUPLICATE_DOC)


def _warnings(saved: Any) -> list[dict]:
    return [w.as_dict() for w in saved.warnings]


def _one_version(in_body: int | None, in_query: int | None) -> int | None:
    """The optimistic lock's version, from the body or the query string (as DELETE takes it);
    two different ones are an error rather than a guess."""
    if in_body is not None and in_query is not None and in_body != in_query:
        raise field_error("version", _("The version in the query string and the body differ."))
    return in_body if in_body is not None else in_query


def build_router(record_type: str, services: RecordServices, plural: str) -> Router:
    router = Router(tags=[plural.capitalize()])
    In = input_schema(record_type, patch=False)
    Patch = input_schema(record_type, patch=True)
    Out = output_schema(record_type)
    SavedOut = saved_schema(record_type, Out)
    ListOut = list_schema(record_type, Out)
    Filters = filter_schema(record_type)
    cf_doc = (
        "Filter on custom fields with `cf_<key>=value` (exact; case-insensitive for text). "
        "Converted leads are hidden unless `include_converted=true`."
    )

    @router.get(
        "",
        response={200: ListOut, **ERRORS},
        summary=f"List {plural}",
        description=cf_doc,
        operation_id=f"{plural}_list",
    )
    def list_records(request: HttpRequest, filters: Query[Filters]):  # type: ignore[valid-type]
        values = filters.model_dump()
        common = {k: values.pop(k) for k in list(values) if k in CommonFilters.model_fields}
        custom = {k[3:]: v for k, v in request.GET.items() if k.startswith("cf_") and len(k) > 3}
        for key, value in custom.items():
            if problem := text_problem(key) or text_problem(value):
                raise field_error(f"cf_{key}", problem)
        page, count = record_list(
            actor=request.auth,
            record_type=record_type,
            params=ListParams(**common),
            type_filters=values,
            custom_filters=custom,
        )
        objs = list(page)
        items = represent_page(record_type, objs)
        for obj, item in zip(objs, items, strict=True):
            if hasattr(obj, "rank"):
                item["rank"] = obj.rank
        names: list[str] = []
        if not count and common["q"]:
            names = record_suggestions(actor=request.auth, record_type=record_type, q=common["q"])
        return 200, {"items": items, "count": count, "suggestions": names}

    @router.post(
        "",
        response={201: SavedOut, 200: SavedOut, **ERRORS},
        summary=f"Create a {record_type}",
        description="Leads, clients and contacts are checked for duplicates first; the "
        "answer lists them in `duplicates`. Query parameter `on_duplicate`: "
        + ON_DUPLICATE_DOC
        + " Deals are not checked. 201 when a record was made, 200 when an existing one was "
        "skipped, updated or linked.",
        operation_id=f"{plural}_create",
    )
    def create_record(
        request: HttpRequest,
        payload: In,  # type: ignore[valid-type]
        on_duplicate: OnDuplicateValue = ON_DUPLICATE_QUERY,
        idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
    ):
        def write():
            data = payload.model_dump(exclude_unset=True)
            if record_type not in CHECKED:
                saved = services.create(actor=request.auth, data=data)
                return 201, represent(record_type, saved.obj) | {
                    "warnings": _warnings(saved),
                    "duplicates": [],
                    "outcome": "created",
                }
            intake = create_checked(
                actor=request.auth,
                record_type=record_type,
                data=data,
                on_duplicate=on_duplicate,
                create=services.create,
                update=services.update,
                source="API",
            )
            obj = record_get(actor=request.auth, record_type=record_type, pk=intake.obj.pk)
            return 201 if intake.outcome == "created" else 200, represent(record_type, obj) | {
                "warnings": [w.as_dict() for w in intake.warnings],
                "duplicates": intake.duplicates,
                "outcome": intake.outcome,
            }

        return run_idempotent(
            request,
            actor=request.auth,
            key=idempotency_key,
            endpoint=f"POST /{plural}",
            write=write,
        )

    @router.get(
        "/{int:record_id}",
        response={200: Out, **ERRORS},
        summary=f"Get a {record_type}",
        operation_id=f"{plural}_get",
    )
    def get_record(request: HttpRequest, record_id: int):
        obj = record_get(actor=request.auth, record_type=record_type, pk=record_id)
        return 200, represent(record_type, obj)

    @router.patch(
        "/{int:record_id}",
        response={200: SavedOut, **ERRORS},
        summary=f"Change a {record_type}",
        operation_id=f"{plural}_update",
    )
    def update_record(
        request: HttpRequest,
        record_id: int,
        payload: Patch,  # type: ignore[valid-type]
        version: int | None = Query(
            None,
            description="The version you read, as in the body (either place; a stale one "
            "answers 409)",
        ),
        idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
    ):
        data = payload.model_dump(exclude_unset=True)
        version = _one_version(data.pop("version", None), version)

        def write():
            saved = services.update(actor=request.auth, pk=record_id, data=data, version=version)
            obj = record_get(actor=request.auth, record_type=record_type, pk=saved.obj.pk)
            duplicates = (
                find_matches(
                    actor=request.auth,
                    record_type=record_type,
                    values=values_of(obj),
                    exclude=(record_type, obj.pk),
                )
                if record_type in CHECKED
                else []
            )
            return 200, represent(record_type, obj) | {
                "warnings": _warnings(saved),
                "duplicates": duplicates,
                "outcome": "updated",
            }

        return run_idempotent(
            request,
            actor=request.auth,
            key=idempotency_key,
            endpoint=f"PATCH /{plural}/{record_id}",
            write=write,
        )

    @router.delete(
        "/{int:record_id}",
        response={204: None, **ERRORS},
        summary=f"Delete a {record_type} (soft)",
        operation_id=f"{plural}_delete",
    )
    def delete_record(request: HttpRequest, record_id: int, version: int | None = None):
        services.delete(actor=request.auth, pk=record_id, version=version)
        return 204, None

    @router.get(
        "/{int:record_id}/history",
        response={200: HistoryList, **ERRORS},
        summary=f"Timeline of a {record_type}",
        operation_id=f"{plural}_history",
        description="Events of the record, of the leads it was converted from, of "
        "the records merged into it and of the documents (quotes, pro-formas) linked to it, "
        "each tagged with its origin.",
    )
    def history(request: HttpRequest, record_id: int):
        record_get(actor=request.auth, record_type=record_type, pk=record_id)
        items = [
            {
                "id": e.pk,
                "at": e.at,
                "kind": e.kind,
                "field": e.field,
                "old_value": e.old_value,
                "new_value": e.new_value,
                "data": e.data,
                "actor_id": e.actor_id,
                "actor_name": e.actor_name,
                "origin": origin,
            }
            for e, origin in history_for(record_type, record_id)
        ]
        return 200, {"items": items, "count": len(items)}

    return router
