"""Products, quotes and pro-forma invoices over the API.

Amounts are decimal strings in answers ("1250.00"); requests may send strings or JSON
numbers (a string keeps every digit). A bad line is answered 422 at its field
(`lines.2.quantity`), a stale `version` 409 `stale_version`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema

from leadbridge.api.idempotency import run_idempotent
from leadbridge.api.records import ERRORS
from leadbridge.api.schemas import Id, RecordRef, Strict
from leadbridge.core.errors import field_error

from . import company, selectors, services
from .pdf import render_pdf
from .sending import document_send
from .serialize import document_dict, product_dict

products_router = Router(tags=["Products"])
router = Router(tags=["Documents"])
settings_router = Router(tags=["Settings"])

DocRecordType = Literal["lead", "client", "deal"]
DocKind = Literal["quote", "proforma"]
DocStatus = Literal["draft", "sent", "accepted", "rejected", "paid", "cancelled"]
Language = Literal["", "en", "cs", "sk", "pl", "lt", "vi"]
Number = Decimal | str


# --- products ----------------------------------------------------------------------------------


class ProductIn(Strict):
    name: str = Field(..., max_length=255)
    code: str = Field("", max_length=64)
    unit: str = Field("", max_length=20)
    unit_price: Number = Field(..., description='Up to 4 decimal places, e.g. "1250.00"')
    currency: str = Field("", max_length=3)
    vat_rate: Number = Field(..., description='Percent, e.g. "21"')
    active: bool = True


class ProductPatch(Strict):
    name: str | None = Field(None, max_length=255)
    code: str | None = Field(None, max_length=64)
    unit: str | None = Field(None, max_length=20)
    unit_price: Number | None = None
    currency: str | None = Field(None, max_length=3)
    vat_rate: Number | None = None
    active: bool | None = None
    version: int


class ProductOut(Schema):
    id: int
    version: int
    name: str
    code: str
    unit: str
    unit_price: str
    currency: str
    vat_rate: str
    active: bool


class ProductList(Schema):
    items: list[ProductOut]
    count: int


class ProductFilters(Schema):
    q: str | None = Field(None, max_length=200)
    active: bool | None = None
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class VersionIn(Strict):
    version: int


def _dump(payload: Any) -> dict:
    return {
        k: (str(v) if isinstance(v, Decimal) else v)
        for k, v in payload.model_dump(exclude_unset=True).items()
    }


@products_router.get("", response={200: ProductList, **ERRORS}, operation_id="products_list")
def list_products(request: HttpRequest, filters: Query[ProductFilters]):
    qs = selectors.product_list(actor=request.auth, q=filters.q, active=filters.active)
    page = qs[filters.offset : filters.offset + filters.limit]
    return 200, {"items": [product_dict(p) for p in page], "count": qs.count()}


@products_router.post(
    "", response={201: ProductOut, **ERRORS}, operation_id="products_create",
    summary="Add a product to the price list (administrators)",
)  # fmt: skip
def create_product(
    request: HttpRequest,
    payload: ProductIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    data = _dump(payload) | {"name": payload.name}

    def write():
        return 201, product_dict(services.product_create(actor=request.auth, data=data).obj)

    return run_idempotent(
        request, actor=request.auth, key=idempotency_key, endpoint="POST /products", write=write
    )


@products_router.get(
    "/{int:product_id}", response={200: ProductOut, **ERRORS}, operation_id="products_get"
)
def get_product(request: HttpRequest, product_id: int):
    return 200, product_dict(selectors.product_get(actor=request.auth, pk=product_id))


@products_router.patch(
    "/{int:product_id}", response={200: ProductOut, **ERRORS}, operation_id="products_update"
)
def update_product(request: HttpRequest, product_id: int, payload: ProductPatch):
    data = _dump(payload)
    version = data.pop("version")
    saved = services.product_update(actor=request.auth, pk=product_id, data=data, version=version)
    return 200, product_dict(saved.obj)


@products_router.delete(
    "/{int:product_id}", response={204: None, **ERRORS}, operation_id="products_delete"
)
def delete_product(request: HttpRequest, product_id: int, version: Query[VersionIn]):
    services.product_delete(actor=request.auth, pk=product_id, version=version.version)
    return 204, None


# --- documents ---------------------------------------------------------------------------------


class LineIn(Strict):
    product_id: Id | None = None
    description: str | None = Field(None, max_length=500)
    quantity: Number = Field("1", description="Up to 3 decimal places")
    unit: str | None = Field(None, max_length=20)
    unit_price: Number | None = Field(None, description="From the product when left out")
    discount_percent: Number = "0"
    vat_rate: Number | None = Field(None, description="Percent; from the product when left out")


class CustomerIn(Strict):
    name: str | None = Field(None, max_length=255)
    registration_number: str | None = Field(None, max_length=64)
    vat_id: str | None = Field(None, max_length=64)
    street: str | None = Field(None, max_length=255)
    city: str | None = Field(None, max_length=255)
    postcode: str | None = Field(None, max_length=32)
    country: str | None = Field(None, max_length=2)
    email: str | None = Field(None, max_length=254)
    contact_name: str | None = Field(None, max_length=255)


class DocumentIn(Strict):
    kind: DocKind
    record_type: DocRecordType
    record_id: Id
    issue_date: dt.date | None = None
    valid_until: dt.date | None = Field(None, description="Quotes; default issue date + setting")
    due_date: dt.date | None = Field(None, description="Pro-forma; default issue date + setting")
    currency: str | None = Field(None, max_length=3, description="Default: the record's")
    language: Language | None = None
    customer: CustomerIn | None = Field(None, description="Overrides the record's, key by key")
    notes: str | None = Field(None, max_length=5000)
    lines: list[LineIn] = Field(default_factory=list, max_length=200)
    reverse_charge: bool | None = Field(
        None,
        description="true: check the customer's VAT id in VIES (422 if not valid); left out: "
        "checked when it is of another EU member state; false: VAT charged",
    )


class DocumentPatch(Strict):
    issue_date: dt.date | None = None
    valid_until: dt.date | None = None
    due_date: dt.date | None = None
    currency: str | None = Field(None, max_length=3)
    language: Language | None = None
    customer: CustomerIn | None = None
    notes: str | None = Field(None, max_length=5000)
    lines: list[LineIn] | None = Field(None, max_length=200)
    reverse_charge: bool | None = None
    status: DocStatus | None = None
    version: int


class LineOut(Schema):
    id: int
    product_id: int | None
    description: str
    quantity: str
    unit: str
    unit_price: str
    discount_percent: str
    vat_rate: str
    base: str


class RateTotalOut(Schema):
    rate: str
    base: str
    vat: str
    gross: str


class TotalsOut(Schema):
    rates: list[RateTotalOut]
    base: str
    vat: str
    gross: str
    reverse_charge: bool


class DocumentOut(Schema):
    id: int
    version: int
    kind: str
    number: str
    status: str
    record_type: str
    record_id: int
    records: list[RecordRef]
    language: str
    issue_date: dt.date
    valid_until: dt.date | None
    due_date: dt.date | None
    currency: str
    supplier: dict[str, str]
    customer: dict[str, str]
    reverse_charge: bool
    vat_check: dict[str, Any] | None
    variable_symbol: str
    notes: str
    lines: list[LineOut]
    totals: TotalsOut
    source_document_id: int | None
    owner_id: int | None
    sent_at: str | None
    created_at: str
    updated_at: str


class DocumentList(Schema):
    items: list[DocumentOut]
    count: int


class DocumentFilters(Schema):
    record_type: DocRecordType | None = None
    record_id: Id | None = None
    kind: DocKind | None = None
    status: DocStatus | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class SendIn(Strict):
    version: int
    to: str | None = Field(None, max_length=254, description="Default: the customer's e-mail")
    message: str | None = Field(None, max_length=10_000)


def _document_data(payload: Any) -> dict:
    """The body for the services: null means "not given", except for the two dates a PATCH
    may clear."""
    data = {
        k: v
        for k, v in payload.model_dump(exclude_unset=True).items()
        if v is not None or k in ("valid_until", "due_date")
    }
    if data.get("lines") is not None:
        data["lines"] = [
            {k: (str(v) if isinstance(v, Decimal) else v) for k, v in line.items()}
            for line in data["lines"]
        ]
    if data.get("customer") is not None:
        data["customer"] = {k: v for k, v in data["customer"].items() if v is not None}
    return data


def _fresh(request: HttpRequest, pk: int) -> dict:
    return document_dict(selectors.document_get(actor=request.auth, pk=pk))


@router.get(
    "", response={200: DocumentList, **ERRORS}, operation_id="documents_list",
    summary="List quotes and pro-forma invoices (of one record with record_type and record_id)",
)  # fmt: skip
def list_documents(request: HttpRequest, filters: Query[DocumentFilters]):
    if (filters.record_type is None) != (filters.record_id is None):
        raise field_error("record_id", _("Give record_type and record_id together."))
    qs = selectors.document_list(
        actor=request.auth,
        record_type=filters.record_type,
        record_id=filters.record_id,
        kind=filters.kind,
        status=filters.status,
    ).prefetch_related("lines", "links")
    page = qs[filters.offset : filters.offset + filters.limit]
    return 200, {"items": [document_dict(d) for d in page], "count": qs.count()}


@router.post(
    "", response={201: DocumentOut, **ERRORS}, operation_id="documents_create",
    summary="Issue a quote or a pro-forma invoice on a lead, client or deal",
)  # fmt: skip
def create_document(
    request: HttpRequest,
    payload: DocumentIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    data = _document_data(payload)
    data.update(kind=payload.kind, record_type=payload.record_type, record_id=payload.record_id)

    def write():
        saved = services.document_create(actor=request.auth, data=data)
        return 201, _fresh(request, saved.obj.pk)

    return run_idempotent(
        request, actor=request.auth, key=idempotency_key, endpoint="POST /documents", write=write
    )


@router.get(
    "/{int:document_id}", response={200: DocumentOut, **ERRORS}, operation_id="documents_get"
)
def get_document(request: HttpRequest, document_id: int):
    return 200, _fresh(request, document_id)


@router.patch(
    "/{int:document_id}", response={200: DocumentOut, **ERRORS}, operation_id="documents_update",
    summary="Change a document (lines replace all lines; amounts on a draft only); status moves",
)  # fmt: skip
def update_document(request: HttpRequest, document_id: int, payload: DocumentPatch):
    data = _document_data(payload)
    version = data.pop("version")
    services.document_update(actor=request.auth, pk=document_id, data=data, version=version)
    return 200, _fresh(request, document_id)


@router.delete(
    "/{int:document_id}", response={204: None, **ERRORS}, operation_id="documents_delete",
    summary="Delete a document (its number is never issued again)",
)  # fmt: skip
def delete_document(request: HttpRequest, document_id: int, version: Query[VersionIn]):
    services.document_delete(actor=request.auth, pk=document_id, version=version.version)
    return 204, None


@router.get(
    "/{int:document_id}/pdf",
    response={200: None, **ERRORS},
    operation_id="documents_pdf",
    summary="The document as a PDF (application/pdf), in its language or `lang`",
)
def document_pdf(request: HttpRequest, document_id: int, lang: Language | None = None):

    document = selectors.document_get(actor=request.auth, pk=document_id)
    body = render_pdf(document, lang=lang or None)
    response = HttpResponse(body, content_type="application/pdf")
    filename = "".join(ch for ch in document.number if ch.isalnum() or ch in "-_") or "document"
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response


@router.post(
    "/{int:document_id}/send",
    response={200: DocumentOut, **ERRORS},
    operation_id="documents_send",
    summary="E-mail the PDF to the customer; recorded as an activity; the status becomes sent",
)
def send_document(request: HttpRequest, document_id: int, payload: SendIn):

    document_send(
        actor=request.auth,
        pk=document_id,
        version=payload.version,
        to=payload.to,
        message=payload.message,
    )
    return 200, _fresh(request, document_id)


@router.post(
    "/{int:document_id}/proforma",
    response={201: DocumentOut, **ERRORS},
    operation_id="documents_proforma",
    summary="A pro-forma invoice from a sent or accepted quote (lines copied; the quote accepted)",
)
def make_proforma(
    request: HttpRequest,
    document_id: int,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    def write():
        proforma = services.document_create_proforma(actor=request.auth, pk=document_id).obj
        return 201, _fresh(request, proforma.pk)

    return run_idempotent(
        request,
        actor=request.auth,
        key=idempotency_key,
        endpoint=f"POST /documents/{document_id}/proforma",
        write=write,
    )


# --- settings: company details and numbering -------------------------------------------------


class CompanyIO(Strict):
    name: str | None = Field(None, max_length=255)
    registration_number: str | None = Field(None, max_length=64)
    vat_id: str | None = Field(None, max_length=64)
    street: str | None = Field(None, max_length=255)
    city: str | None = Field(None, max_length=255)
    postcode: str | None = Field(None, max_length=32)
    country: str | None = Field(None, max_length=2)
    iban: str | None = Field(None, max_length=42)
    bic: str | None = Field(None, max_length=11)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=64)
    website: str | None = Field(None, max_length=500)
    logo: str | None = Field(None, description="A data: URL (PNG, JPEG or SVG, at most 150 KB)")


class DocumentSettingsIO(Strict):
    quote_pattern: str | None = Field(None, description="e.g. NAB-{year}-{seq:04d}")
    proforma_pattern: str | None = Field(None, description="e.g. ZF-{year}-{seq:04d}")
    quote_valid_days: int | None = None
    proforma_due_days: int | None = None
    accept_sets_deal_value: bool | None = None


@settings_router.get(
    "/company", response={200: CompanyIO, **ERRORS}, operation_id="company_get",
    summary="The supplier's details printed on quotes and invoices",
)  # fmt: skip
def get_company(request: HttpRequest):
    return 200, company.company_get()


@settings_router.patch(
    "/company", response={200: CompanyIO, **ERRORS}, operation_id="company_update",
    summary="Change the supplier's details (administrators; new documents only)",
)  # fmt: skip
def update_company(request: HttpRequest, payload: CompanyIO):
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    return 200, company.company_set(actor=request.auth, data=data)


@settings_router.get(
    "/documents",
    response={200: DocumentSettingsIO, **ERRORS},
    operation_id="documents_settings_get",
)
def get_document_settings(request: HttpRequest):
    return 200, company.documents_settings_get()


@settings_router.patch(
    "/documents",
    response={200: DocumentSettingsIO, **ERRORS},
    operation_id="documents_settings_update",
)
def update_document_settings(request: HttpRequest, payload: DocumentSettingsIO):
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    return 200, company.documents_settings_set(actor=request.auth, data=data)
