"""What each record type accepts: its writable fields (the API contract names) and kinds.

Services clean input through these specs, so the API, the web forms, imports and web forms
validate the same way. Plain data: no ORM here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

RECORD_TYPES = ("lead", "client", "contact", "deal")

MODEL_LABELS = {
    "lead": "leads.Lead",
    "client": "clients.Client",
    "contact": "clients.Contact",
    "deal": "deals.Deal",
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text, longtext, email, phone, emails, phones, country, currency, decimal,
    #           date, ref, tags, url, choice
    max_length: int | None = None
    ref: str | None = None  # model label of a referenced row ("leads.LeadSource")
    choices: tuple[str, ...] = ()

    @property
    def attr(self) -> str:
        return self.name


def _text(name: str, n: int = 255) -> FieldSpec:
    return FieldSpec(name, "text", max_length=n)


def _ref(name: str, model: str) -> FieldSpec:
    return FieldSpec(name, "ref", ref=model)


CONTACT_CHANNELS: tuple[FieldSpec, ...] = (
    FieldSpec("email", "email", max_length=254),
    FieldSpec("phone", "phone", max_length=64),
    FieldSpec("mobile", "phone", max_length=64),
    FieldSpec("other_emails", "emails"),
    FieldSpec("other_phones", "phones"),
    FieldSpec("website", "url", max_length=500),
)
ADDRESS: tuple[FieldSpec, ...] = (
    _text("street"),
    _text("street2"),
    _text("city"),
    _text("postcode", 32),
    _text("region"),
    FieldSpec("country", "country"),
)
COMPANY_IDS: tuple[FieldSpec, ...] = (
    _text("registration_number", 64),
    _text("vat_id", 64),
)
COMMON: tuple[FieldSpec, ...] = (
    _ref("owner_id", "people.User"),
    _ref("team_id", "people.Team"),
    FieldSpec("description", "longtext", max_length=100_000),
    FieldSpec("tags", "tags"),
)


@dataclass(frozen=True)
class RecordSpec:
    record_type: str
    fields: tuple[FieldSpec, ...]
    search_fields: tuple[str, ...]
    orderings: tuple[str, ...]
    filters: dict[str, str] = field(default_factory=dict)  # query param -> kind
    # A filter whose param is not its column's lookup ("value_min" -> "value__gte").
    filter_lookups: dict[str, str] = field(default_factory=dict)
    # Bounds on an amount: they need the `currency` filter, in which they apply.
    amount_filters: tuple[str, ...] = ()
    filter_help: dict[str, str] = field(default_factory=dict)  # the OpenAPI descriptions
    # An ordering by a related record, by its columns ("owner" -> the owner's name).
    ordering_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, name: str) -> FieldSpec | None:
        return self._by_name.get(name)

    @cached_property
    def _by_name(self) -> dict[str, FieldSpec]:  # cleaning looks fields up per value
        return {spec.name: spec for spec in self.fields}

    @cached_property
    def refs(self) -> tuple[FieldSpec, ...]:
        return tuple(spec for spec in self.fields if spec.kind == "ref")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


LEAD = RecordSpec(
    "lead",
    (
        _text("first_name", 150),
        _text("last_name", 150),
        _text("job_title", 150),
        _text("company_name"),
        *COMPANY_IDS,
        *CONTACT_CHANNELS,
        *ADDRESS,
        _ref("source_id", "leads.LeadSource"),
        _ref("status_id", "leads.LeadStatus"),
        FieldSpec("expected_value", "decimal"),
        FieldSpec("currency", "currency"),
        *COMMON,
    ),
    search_fields=(
        "first_name",
        "last_name",
        "company_name",
        "email",
        "other_emails",
        "phone",
        "mobile",
        "other_phones",
        "registration_number",
        "vat_id",
    ),
    orderings=(
        "created_at",
        "updated_at",
        "last_name",
        "first_name",
        "company_name",
        "expected_value",
        "city",
        "next_activity_at",
        "id",
    ),
    filters={"status_id": "int", "source_id": "int", "include_converted": "bool"},
)

CLIENT = RecordSpec(
    "client",
    (
        FieldSpec("kind", "choice", choices=("company", "person")),
        _text("name"),
        _text("first_name", 150),
        _text("last_name", 150),
        *COMPANY_IDS,
        *CONTACT_CHANNELS,
        *ADDRESS,
        _ref("source_id", "leads.LeadSource"),
        *COMMON,
    ),
    search_fields=(
        "name",
        "first_name",
        "last_name",
        "email",
        "other_emails",
        "phone",
        "mobile",
        "other_phones",
        "registration_number",
        "vat_id",
    ),
    orderings=("created_at", "updated_at", "name", "last_name", "city", "id"),
    filters={"kind": "str", "source_id": "int"},
)

CONTACT = RecordSpec(
    "contact",
    (
        _text("first_name", 150),
        _text("last_name", 150),
        _text("job_title", 150),
        _ref("client_id", "clients.Client"),
        _ref("lead_id", "leads.Lead"),
        *CONTACT_CHANNELS,
        *ADDRESS,
        *COMMON,
    ),
    search_fields=(
        "first_name",
        "last_name",
        "email",
        "other_emails",
        "phone",
        "mobile",
        "other_phones",
    ),
    orderings=("created_at", "updated_at", "last_name", "first_name", "id"),
    filters={"client_id": "int", "lead_id": "int"},
)

DEAL = RecordSpec(
    "deal",
    (
        _text("title"),
        _ref("pipeline_id", "deals.Pipeline"),
        _ref("stage_id", "deals.Stage"),
        FieldSpec("value", "decimal"),
        FieldSpec("currency", "currency"),
        FieldSpec("expected_close_date", "date"),
        _ref("client_id", "clients.Client"),
        _ref("contact_id", "clients.Contact"),
        _ref("source_lead_id", "leads.Lead"),
        *COMMON,
    ),
    search_fields=("title",),
    orderings=(
        "created_at",
        "updated_at",
        "title",
        "value",
        "expected_close_date",
        "pipeline",
        "stage",
        "owner",
        "id",
    ),
    filters={
        "pipeline_id": "int",
        "stage_id": "int",
        "client_id": "int",
        "contact_id": "int",
        "source_lead_id": "int",
        "currency": "currency",
        "value_min": "decimal",
        "value_max": "decimal",
        "close_after": "date",
        "close_before": "date",
    },
    filter_lookups={
        "value_min": "value__gte",
        "value_max": "value__lte",
        "close_after": "expected_close_date__gte",
        "close_before": "expected_close_date__lt",
    },
    # Amounts of different currencies are never compared as one number: a value bound
    # applies within the currency given with it, and without one it is refused.
    amount_filters=("value_min", "value_max"),
    filter_help={
        "currency": "ISO 4217 code: deals in this currency",
        "value_min": "Value at least this much, in `currency` (required with it)",
        "value_max": "Value at most this much, in `currency` (required with it)",
        "close_after": "Expected close date on or after this day",
        "close_before": "Expected close date before this day (the day itself excluded)",
    },
    # A pipeline and its stages sort in their board order; an owner by name.
    ordering_fields={
        "pipeline": ("pipeline__order", "pipeline__id"),
        "stage": ("pipeline__order", "pipeline__id", "stage__order", "stage__id"),
        "owner": ("owner__last_name", "owner__first_name", "owner__username"),
    },
)

SPECS: dict[str, RecordSpec] = {s.record_type: s for s in (LEAD, CLIENT, CONTACT, DEAL)}
