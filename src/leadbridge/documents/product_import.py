"""The price list through the import (`imports.record_types`, record type `product`): a row
with the `code` of an existing product updates it, any other row makes a new product.

Spreadsheet habits are read as a person means them: "1 250,50" (a decimal comma and spaces
between thousands), "21 %", "ano" / "ne", a number cell of a workbook.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadbridge.core.errors import Collector
from leadbridge.history.services import history_changes, history_event
from leadbridge.people import access

from .models import Product
from .services import _clean_product

FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("název", "názov", "nazwa", "pavadinimas", "tên", "product", "produkt", "položka",
             "item", "tên sản phẩm"),
    "code": ("kód", "kod", "kodas", "mã", "sku", "katalogové číslo"),
    "unit": ("jednotka", "jednostka", "vienetas", "mj", "m.j.", "j.m.", "đơn vị",
             "unit of measure"),
    "unit_price": ("price", "cena", "jednotková cena", "cena za jednotku", "cena za mj",
                   "cena jednostkowa", "cena netto", "kaina", "vieneto kaina", "giá", "đơn giá"),
    "currency": ("měna", "mena", "waluta", "valiuta", "tiền tệ"),
    "vat_rate": ("vat", "dph", "sazba dph", "sadzba dph", "stawka vat", "pvm", "pvm tarifas",
                 "thuế", "thuế gtgt", "vat %", "dph %"),
    "active": ("aktivní", "aktívny", "aktywny", "aktyvus", "hoạt động"),
}  # fmt: skip
TRUE = {"1", "true", "yes", "y", "ano", "áno", "tak", "taip", "có", "x", "✓"}
FALSE = {"0", "false", "no", "n", "ne", "nie", "không"}


def _number(value: Any) -> Any:
    """A cell as a decimal string: a workbook's number as written, "1 250,50" → "1250.50"."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as this float: 1250.5
    text = re.sub(r"[\s\u00a0\u202f%]", "", str(value))
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".")  # 1.250,50
    elif "," in text:
        text = text.replace(",", ".")
    return text


def _bool(value: Any) -> Any:
    if value in (None, ""):
        return True
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    return value  # reported by the product's own check


def _row_data(values: dict) -> dict:
    data = {k: v for k, v in values.items() if k in FIELDS}
    for key in ("unit_price", "vat_rate"):
        if key in data:
            data[key] = _number(data[key])
    for key in ("name", "code", "unit", "currency"):
        if key in data:
            data[key] = "" if data[key] is None else str(data[key]).strip()
    if data.get("currency") == "":
        data["currency"] = None
    if "active" in data:
        data["active"] = _bool(data["active"])
    return data


def import_products(*, actor: Any, rows: list[tuple[int, dict]]) -> dict:
    """Check every row, then write the good ones in one transaction."""
    access.require_admin(actor)
    errors: list[dict] = []
    good: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for line, values in rows:
        out = Collector()
        data = _row_data(values)
        cleaned = _clean_product(data, out, creating=True)
        code = cleaned.get("code") or ""
        if code and code in seen:
            out.add("code", _("The code is on line %(line)s too.") % {"line": seen[code]})
        if out.errors:
            errors += [{"line": line, "field": e.field, "message": e.message} for e in out.errors]
            continue
        if code:
            seen[code] = line
        good.append((line, {k: v for k, v in cleaned.items() if k in data or k == "name"}))
    created = updated = 0
    with transaction.atomic():
        existing = {
            p.code: p
            for p in Product.objects.select_for_update().filter(
                code__in=[d["code"] for _line, d in good if d.get("code")]
            )
        }
        for _line, data in good:
            product = existing.get(data.get("code") or "")
            if product is None:
                product = Product.objects.create(**data)
                history_event(
                    actor=actor, record_type="product", record_id=product.pk, kind="created",
                    data={"import": True},
                )  # fmt: skip
                created += 1
                continue
            changes = [
                (k, getattr(product, k), v) for k, v in data.items() if getattr(product, k) != v
            ]
            if changes:
                for key, value in data.items():
                    setattr(product, key, value)
                product.version += 1
                product.save()
                history_changes(
                    actor=actor,
                    record_type="product",
                    record_id=product.pk,
                    changes=changes,
                    data={"version": product.version, "import": True},
                )
                updated += 1
    return {"created": created, "updated": updated, "errors": errors}


def register() -> None:
    from leadbridge.imports.record_types import RecordImporter, register_importer

    register_importer(
        RecordImporter(
            record_type="product",
            label=gettext_lazy("Products"),
            fields=FIELDS,
            required=("name", "unit_price"),
            import_rows=import_products,
            check=access.require_admin,
        )
    )
