"""Request and response schemas, generated from the record specs so the contract has one source.

The field names here are the API contract (foundation issue): keep them exactly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model, field_validator

from leadbridge.core.cleaning import MAX_ID, MAX_LIST, MAX_TAGS, text_problem
from leadbridge.core.search import RANK_DESCRIPTION
from leadbridge.core.specs import SPECS, FieldSpec


def storable_text(value: Any) -> Any:
    if problem := text_problem(value):
        raise ValueError(problem)
    return value


class TextGuard(BaseModel):
    """Refuses strings no database can store (422 naming the field), wherever they are."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return storable_text(value)


def _to_utc(value: dt.datetime) -> dt.datetime:
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValueError(_("The date is out of the supported range.")) from None


# A datetime turned to UTC on input (a naive one is read in the server's time zone), so that
# an offset PostgreSQL does not take (beyond ±16 h) still works, and a value that leaves the
# years 1-9999 once in UTC is refused with 422 instead of failing in the database driver.
UtcDateTime = Annotated[dt.datetime, AfterValidator(_to_utc)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

PY_TYPES: dict[str, Any] = {
    "text": str,
    "longtext": str,
    "url": str,
    "email": str,
    "phone": str,
    "country": str,
    "currency": str,
    "emails": list[str],
    "phones": list[str],
    "tags": list[str],
    "decimal": Decimal,
    "date": dt.date,
    "ref": int,
}

DESCRIPTIONS = {
    "country": "ISO 3166 alpha-2 code, e.g. CZ",
    "currency": "ISO 4217 code, e.g. CZK",
    "phone": "Stored as typed; normalized to E.164 for search and matching. A number that "
    "cannot be parsed is kept with a warning.",
    "email": "Validated; an invalid address is refused.",
}


class Strict(TextGuard):
    model_config = ConfigDict(extra="forbid")


class Issue(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    detail: str
    code: str
    errors: list[Issue] = []


class RecordRef(BaseModel):
    record_type: str
    id: int


def _py_type(spec: FieldSpec) -> Any:
    if spec.kind == "choice":
        return Literal[spec.choices]  # type: ignore[valid-type]
    return PY_TYPES[spec.kind]


def _field(spec: FieldSpec, default: Any) -> Any:
    extra = {}
    if spec.kind in ("emails", "phones", "tags"):
        # Documented as maxItems; the record services enforce the same limit on every way in.
        extra["max_length"] = MAX_TAGS if spec.kind == "tags" else MAX_LIST
    elif spec.max_length:
        extra["max_length"] = spec.max_length
    description = DESCRIPTIONS.get(spec.kind)
    return Field(default, description=description, **extra)


def input_schema(record_type: str, *, patch: bool) -> type[BaseModel]:
    spec = SPECS[record_type]
    fields: dict[str, Any] = {f.name: (_py_type(f) | None, _field(f, None)) for f in spec.fields}
    fields["custom_fields"] = (
        dict[str, Any] | None,
        Field(None, description="Values keyed by the custom field definition's key."),
    )
    if patch:
        fields["version"] = (
            int | None,
            Field(None, description="The version you read; a stale one answers 409."),
        )
    name = f"{record_type.capitalize()}{'Patch' if patch else 'In'}"
    return create_model(name, __base__=Strict, **fields)


READ_ONLY: dict[str, dict[str, Any]] = {
    "lead": {"is_converted": (bool, ...), "converted_records": (list[RecordRef], ...)},
}


def output_schema(record_type: str) -> type[BaseModel]:
    spec = SPECS[record_type]
    fields: dict[str, Any] = {"id": (int, ...), "version": (int, ...)}
    for f in spec.fields:
        fields[f.name] = (
            _py_type(f) | None
            if f.kind in ("decimal", "date", "ref")
            else _py_type(f)
            if f.kind != "choice"
            else str,
            ...,
        )
    fields["custom_fields"] = (dict[str, Any], ...)
    fields["display_name"] = (str, ...)
    fields["created_at"] = (dt.datetime, ...)
    fields["updated_at"] = (dt.datetime, ...)
    fields.update(READ_ONLY.get(record_type, {}))
    return create_model(f"{record_type.capitalize()}Out", **fields)


class DuplicateMatch(BaseModel):
    """A record that probably is the same as another (the shape of every duplicate check)."""

    record_type: str
    id: int
    display_name: str
    score: float
    reasons: list[str]
    fields: list[str] = Field(
        default_factory=list, description="The fields whose values matched (`email`, `phone`…)."
    )


def saved_schema(record_type: str, out: type[BaseModel]) -> type[BaseModel]:
    return create_model(
        f"{record_type.capitalize()}Saved",
        __base__=out,
        warnings=(list[Issue], []),
        duplicates=(list[DuplicateMatch], []),
        outcome=(
            Literal["created", "skipped", "updated", "linked"],
            Field("created", description="What the write did (see on_duplicate)"),
        ),
    )


SUGGESTIONS_DESCRIPTION = (
    "When `q` found nothing: the closest names of the records you may see (trigram "
    'similarity, case and accents ignored), best first, to offer as "Did you mean …?"; '
    "otherwise empty."
)


def list_schema(record_type: str, out: type[BaseModel]) -> type[BaseModel]:
    name = record_type.capitalize()
    item = create_model(
        f"{name}ListItem",
        __base__=out,
        rank=(int | None, Field(None, description=RANK_DESCRIPTION)),
    )
    return create_model(
        f"{name}List",
        items=(list[item], ...),  # type: ignore[valid-type]
        count=(int, ...),
        suggestions=(list[str], Field(default_factory=list, description=SUGGESTIONS_DESCRIPTION)),
    )
