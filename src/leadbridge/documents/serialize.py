"""Documents and products as the API and the webhooks show them (Decimals as strings)."""

from __future__ import annotations

from typing import Any

from .models import Document, Product
from .totals import document_totals


def _s(value: Any) -> Any:
    return None if value is None else str(value)


def _date(value: Any) -> str | None:
    return value.isoformat() if value else None


def product_dict(product: Product) -> dict[str, Any]:
    return {
        "id": product.pk,
        "version": product.version,
        "name": product.name,
        "code": product.code,
        "unit": product.unit,
        "unit_price": str(product.unit_price),
        "currency": product.currency,
        "vat_rate": str(product.vat_rate),
        "active": product.active,
    }


def document_dict(document: Document) -> dict[str, Any]:
    lines = list(document.lines.all())
    return {
        "id": document.pk,
        "version": document.version,
        "kind": document.kind,
        "number": document.number,
        "status": document.status,
        "record_type": document.record_type,
        "record_id": document.record_id,
        "records": [
            {"record_type": link.record_type, "id": link.record_id}
            for link in sorted(document.links.all(), key=lambda k: (k.record_type, k.record_id))
        ],
        "language": document.language,
        "issue_date": _date(document.issue_date),
        "valid_until": _date(document.valid_until),
        "due_date": _date(document.due_date),
        "currency": document.currency,
        "supplier": {k: v for k, v in (document.supplier or {}).items() if k != "logo"},
        "customer": document.customer,
        "reverse_charge": document.reverse_charge,
        "vat_check": document.vat_check or None,
        "variable_symbol": document.variable_symbol,
        "notes": document.notes,
        "lines": [
            {
                "id": line.pk,
                "product_id": line.product_id,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit": line.unit,
                "unit_price": str(line.unit_price),
                "discount_percent": str(line.discount_percent),
                "vat_rate": str(line.vat_rate),
                "base": str(line.base),
            }
            for line in lines
        ],
        "totals": document_totals(document).as_dict(),
        "source_document_id": document.source_document_id,
        "owner_id": document.owner_id,
        "sent_at": _s(document.sent_at and document.sent_at.isoformat()),
        "created_at": document.created_at.isoformat(),
        "updated_at": document.updated_at.isoformat(),
    }
