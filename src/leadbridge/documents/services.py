"""Writing products and documents: one path for each change, in one transaction, with the
history, the webhooks and the totals kept in step.

Numbers: `_take_number` locks the kind's series row for the year (SELECT … FOR UPDATE) and
takes the next number inside the creating transaction, so two documents issued at the same
moment wait for each other and never share a number; a rolled-back issue rolls the counter
back with it (no gap), a deleted document leaves its number used (never reissued).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from leadbridge.core.cleaning import MAX_ID
from leadbridge.core.errors import (
    Collector,
    Conflict,
    DomainError,
    FieldIssue,
    NotFound,
    field_error,
)
from leadbridge.core.events import publish
from leadbridge.core.record_services import Change, Saved, check_version
from leadbridge.core.runtime_settings import get_setting
from leadbridge.deals.models import Deal
from leadbridge.deals.services import deal_update
from leadbridge.history.models import HistoryEvent
from leadbridge.history.services import history_changes, history_event
from leadbridge.leads.models import ConversionLink
from leadbridge.people import access

from . import cleaning as c
from .company import company_get, format_number
from .models import (
    TRANSITIONS,
    Document,
    DocumentLine,
    DocumentLink,
    Kind,
    NumberSeries,
    Product,
    Status,
)
from .reverse_charge import check_vat_id, is_cross_border
from .selectors import document_get, record_for
from .totals import compute_totals, line_base

HUNDRED = Decimal(100)
# Changed on a draft only: what the customer has been sent must not change under them.
AMOUNT_FIELDS = frozenset({"lines", "currency", "reverse_charge"})
EDITABLE = frozenset(
    {"issue_date", "valid_until", "due_date", "currency", "language", "customer", "notes",
     "lines", "reverse_charge", "status"}
)  # fmt: skip


def _save_new_version(
    actor: Any,
    obj: Any,
    record_type: str,
    changes: list[tuple[str, Any, Any]],
    kind: str = HistoryEvent.Kind.UPDATED,
) -> None:
    """Save a changed product or document as its next version, with the history entry."""
    obj.version += 1
    obj.save()
    history_changes(
        actor=actor,
        record_type=record_type,
        record_id=obj.pk,
        changes=changes,
        kind=kind,
        data={"version": obj.version},
    )


def _now():
    return timezone.now()


def _stale(obj: Any, version: Any) -> None:
    if version is None:
        raise field_error("version", _("Send the version you read."), code="version_required")
    check_version(obj, version)


# --- products -------------------------------------------------------------------------------

PRODUCT_FIELDS = ("name", "code", "unit", "unit_price", "currency", "vat_rate", "active")


def _clean_product(data: dict, out: Collector, *, creating: bool) -> dict:
    values: dict[str, Any] = {}
    for key in data:
        if key not in PRODUCT_FIELDS:
            out.add(key, _("Unknown field."))
    if "name" in data or creating:
        values["name"] = c.clean_text(data.get("name"), "name", out, limit=255, required=True)
    for key, limit in (("code", 64), ("unit", 20)):
        if key in data:
            values[key] = c.clean_text(data[key], key, out, limit=limit)
    if "unit_price" in data or creating:
        values["unit_price"] = c.clean_decimal(
            data.get("unit_price"), "unit_price", out, places=4, digits=18, minimum=Decimal(0)
        )
    if "vat_rate" in data or creating:
        values["vat_rate"] = _clean_rate(data.get("vat_rate"), "vat_rate", out)
    if "currency" in data:
        values["currency"] = (
            ""
            if data["currency"] in ("", None)
            else c.clean_currency(data["currency"], "currency", out)
        )
    if "active" in data:
        if not isinstance(data["active"], bool):
            out.add("active", _("Must be true or false."))
        values["active"] = data["active"]
    return values


def _clean_rate(value: Any, path: str, out: Collector) -> Decimal | None:
    return c.clean_decimal(
        value, path, out, places=2, digits=5, minimum=Decimal(0), maximum=Decimal(100)
    )


def _code_taken(code: str, pk: int | None) -> bool:
    return bool(code) and Product.objects.filter(code=code).exclude(pk=pk).exists()


def _product_pk(pk: Any) -> int:
    """An id the column can hold (0, matching nothing, for anything else)."""
    return int(pk) if str(pk).isdigit() and 0 < int(pk) <= MAX_ID else 0


def product_create(*, actor: Any, data: dict) -> Saved:
    access.require_admin(actor)
    out = Collector()
    values = _clean_product(data, out, creating=True)
    if values.get("code") and _code_taken(values["code"], None):
        out.add("code", _("Another product has this code."))
    out.raise_if_any()
    with transaction.atomic():
        product = Product.objects.create(**values)
        history_event(actor=actor, record_type="product", record_id=product.pk, kind="created")
    return Saved(product)


def product_update(*, actor: Any, pk: Any, data: dict, version: Any) -> Saved:
    access.require_admin(actor)
    out = Collector()
    values = _clean_product(data, out, creating=False)
    if values.get("code") and _code_taken(values["code"], _product_pk(pk)):
        out.add("code", _("Another product has this code."))
    out.raise_if_any()
    with transaction.atomic():
        product = Product.objects.select_for_update().filter(pk=_product_pk(pk)).first()
        if product is None:
            raise NotFound(_("No product with id %(pk)s.") % {"pk": pk})
        _stale(product, version)
        changes = [
            (k, getattr(product, k), v) for k, v in values.items() if getattr(product, k) != v
        ]
        for key, value in values.items():
            setattr(product, key, value)
        if changes:
            _save_new_version(actor, product, "product", changes)
    return Saved(product, changes=changes)


def product_delete(*, actor: Any, pk: Any, version: Any) -> Saved:
    """Products are deleted for good: document lines keep their own copy of every value."""
    access.require_admin(actor)
    with transaction.atomic():
        product = Product.objects.select_for_update().filter(pk=_product_pk(pk)).first()
        if product is None:
            raise NotFound(_("No product with id %(pk)s.") % {"pk": pk})
        _stale(product, version)
        history_event(actor=actor, record_type="product", record_id=product.pk, kind="deleted",
                      data={"name": product.name, "code": product.code})  # fmt: skip
        product.delete()
    return Saved(product)


# --- the record a document is issued on ------------------------------------------------------


def _person(first: str, last: str) -> str:
    return " ".join(p for p in (first, last) if p)


def _address(obj: Any) -> dict[str, str]:
    return {
        "street": ", ".join(p for p in (obj.street, obj.street2) if p),
        "city": obj.city,
        "postcode": obj.postcode,
        "country": obj.country,
    }


def customer_from_record(record_type: str, record: Any) -> dict[str, str]:
    """The customer block as the record holds it now: a lead's company (or the person), a
    client, or a deal's client (and its contact person)."""
    blank = dict.fromkeys(c.CUSTOMER_FIELDS, "")
    if record_type == "lead":
        person = _person(record.first_name, record.last_name)
        return (
            blank
            | _address(record)
            | {
                "name": record.company_name or person,
                "registration_number": record.registration_number,
                "vat_id": record.vat_id,
                "email": record.email,
                "contact_name": person if record.company_name else "",
            }
        )
    if record_type == "deal":
        found = blank
        if record.client_id and record.client and record.client.deleted_at is None:
            found = customer_from_record("client", record.client)
        if record.contact_id and record.contact and record.contact.deleted_at is None:
            person = _person(record.contact.first_name, record.contact.last_name)
            found = found | {
                "contact_name": person,
                "email": found["email"] or record.contact.email,
            }
            if not found["name"]:
                found = found | _address(record.contact) | {"name": person, "contact_name": ""}
        return found
    return (
        blank
        | _address(record)
        | {
            "name": record.display_name,
            "registration_number": record.registration_number,
            "vat_id": record.vat_id,
            "email": record.email,
        }
    )


# --- lines ------------------------------------------------------------------------------------

LINE_FIELDS = (
    "product_id", "description", "quantity", "unit", "unit_price", "discount_percent",
    "vat_rate",
)  # fmt: skip


def _clean_lines(raw: Any, out: Collector) -> list[dict] | None:
    """Lines as given, each field checked at `lines.<i>.<field>`; a product fills in what a
    line leaves out (description, unit, unit price, VAT rate)."""
    if not isinstance(raw, list):
        out.add("lines", _("Must be a list."))
        return None
    if len(raw) > c.MAX_LINES:
        out.add("lines", _("At most %(limit)s lines.") % {"limit": c.MAX_LINES})
        return None
    wanted = {
        item.get("product_id") for item in raw if isinstance(item, dict) and item.get("product_id")
    }
    ids = [p for p in wanted if isinstance(p, int) and not isinstance(p, bool)]
    products = {p.pk: p for p in Product.objects.filter(pk__in=ids)}
    lines = []
    for i, item in enumerate(raw):
        at = f"lines.{i}"
        if not isinstance(item, dict):
            out.add(at, _("Must be an object."))
            continue
        for key in item:
            if key not in LINE_FIELDS:
                out.add(f"{at}.{key}", _("Unknown field."))
        product = None
        if item.get("product_id") is not None:
            product = products.get(item["product_id"]) if item["product_id"] in ids else None
            if product is None:
                out.add(f"{at}.product_id", _("No such product."))
        fill = {
            "description": product.name if product else None,
            "unit": product.unit if product else "",
            "unit_price": product.unit_price if product else None,
            "vat_rate": product.vat_rate if product else None,
        }

        def given(key: str, item: dict = item, fill: dict = fill) -> Any:
            return item[key] if key in item and item[key] is not None else fill.get(key)

        line = {
            "product_id": product.pk if product else None,
            "description": c.clean_text(
                given("description"), f"{at}.description", out, limit=500, required=True
            ),
            "unit": c.clean_text(given("unit"), f"{at}.unit", out, limit=20),
            "quantity": c.clean_decimal(
                item.get("quantity", "1"), f"{at}.quantity", out, places=3, digits=14
            ),
            "unit_price": c.clean_decimal(
                given("unit_price"), f"{at}.unit_price", out, places=4, digits=18
            ),
            "discount_percent": c.clean_decimal(
                item.get("discount_percent") or "0",
                f"{at}.discount_percent",
                out,
                places=2,
                digits=5,
                minimum=Decimal(0),
                maximum=HUNDRED,
            ),
            "vat_rate": _clean_rate(given("vat_rate"), f"{at}.vat_rate", out),
        }
        if line["quantity"] is not None and line["unit_price"] is not None:
            base = line_base(line["quantity"], line["unit_price"], line["discount_percent"] or 0)
            if abs(base) >= Decimal(10) ** 14:
                out.add(f"{at}.quantity", _("The line's amount is too large."))
            line["base"] = base
        lines.append(line)
    return lines


def _write_lines(document: Document, lines: list[dict]) -> None:
    document.lines.all().delete()
    DocumentLine.objects.bulk_create(
        [DocumentLine(document=document, position=i, **line) for i, line in enumerate(lines)]
    )
    totals = compute_totals(lines, reverse_charge=document.reverse_charge)
    if abs(totals.gross) >= Decimal(10) ** 14:
        raise field_error("lines", _("The document's total is too large."))
    document.total_base, document.total_vat, document.total_gross = (
        totals.base,
        totals.vat,
        totals.gross,
    )


def _line_dicts(document: Document) -> list[dict]:
    return [
        {
            "product_id": line.product_id,
            "description": line.description,
            "quantity": line.quantity,
            "unit": line.unit,
            "unit_price": line.unit_price,
            "discount_percent": line.discount_percent,
            "vat_rate": line.vat_rate,
            "base": line.base,
        }
        for line in document.lines.all()
    ]


# --- numbering --------------------------------------------------------------------------------


def _pattern(kind: str) -> str:
    return get_setting(f"documents.{kind}_pattern")


def _take_number(kind: str, year: int) -> str:
    """The next number of the kind's series for the year, the series row locked until the
    caller's transaction ends (INSERT … ON CONFLICT DO NOTHING makes the row the first time
    without a race; SELECT … FOR UPDATE then serialises the issuers)."""
    assert transaction.get_connection().in_atomic_block
    NumberSeries.objects.bulk_create([NumberSeries(kind=kind, year=year)], ignore_conflicts=True)
    series = NumberSeries.objects.select_for_update().get(kind=kind, year=year)
    pattern = _pattern(kind)
    while True:  # a number someone typed into an earlier pattern: skip it, never reuse it
        series.last_number += 1
        number = format_number(pattern, year=year, seq=series.last_number)
        if not Document.objects.filter(number=number).exists():
            break
    series.save(update_fields=["last_number", "updated_at"])
    return number


def variable_symbol(number: str) -> str:
    """The number's digits, the last ten (a Czech variable symbol has at most ten)."""
    return re.sub(r"\D", "", number)[-10:]


# --- documents --------------------------------------------------------------------------------


def _clean_document(data: dict, out: Collector, *, kind: str) -> dict:
    values: dict[str, Any] = {}
    if "issue_date" in data:
        values["issue_date"] = c.clean_date(data["issue_date"], "issue_date", out)
    if "valid_until" in data:
        if kind != Kind.QUOTE and data["valid_until"] not in (None, ""):
            out.add("valid_until", _("Only a quote has a valid-until date."))
        values["valid_until"] = c.clean_date(data["valid_until"], "valid_until", out)
    if "due_date" in data:
        if kind != Kind.PROFORMA and data["due_date"] not in (None, ""):
            out.add("due_date", _("Only a pro-forma invoice has a due date."))
        values["due_date"] = c.clean_date(data["due_date"], "due_date", out)
    if "currency" in data:
        values["currency"] = c.clean_currency(data["currency"], "currency", out)
    if "language" in data:
        values["language"] = c.clean_language(data["language"], "language", out)
    if "notes" in data:
        values["notes"] = c.clean_text(data["notes"], "notes", out, limit=c.MAX_NOTES)
    if "customer" in data:
        values["customer"] = c.clean_customer(data["customer"], out)
    if "lines" in data:
        values["lines"] = _clean_lines(data["lines"], out)
    if "reverse_charge" in data:
        if not isinstance(data["reverse_charge"], bool):
            out.add("reverse_charge", _("Must be true or false."))
        values["reverse_charge"] = data["reverse_charge"]
    return values


def _vat_check(supplier: dict, customer: dict, wanted: bool | None) -> tuple[bool, dict]:
    """Whether reverse charge applies and the VIES answer it rests on.

    Asked for (`wanted` true): the customer's VAT id must be of another member state and
    valid in VIES, else 422 at `reverse_charge` (503 when VIES cannot answer). Not said
    (`None`): checked when the customer's VAT id is of another member state, and applied if
    valid; VIES being down then leaves the VAT in (the user can ask again). False: no check.
    Called outside any transaction: no row stays locked while VIES answers.
    """
    if wanted is False:
        return False, {}
    if not is_cross_border(supplier, customer):
        if wanted:
            raise field_error(
                "reverse_charge",
                _(
                    "Reverse charge needs the customer's VAT id of another EU member state than "
                    "the supplier's."
                ),  # fmt: skip
            )
        return False, {}

    try:
        check = check_vat_id(customer["vat_id"], customer.get("country", ""))
    except DomainError:
        if wanted:
            raise
        return False, {}
    if wanted and not check["valid"]:
        raise field_error(
            "reverse_charge", _("VIES does not confirm the customer's VAT id %(vat_id)s.")
            % {"vat_id": check["vat_id"]},
        )  # fmt: skip
    return check["valid"], check


def document_create(*, actor: Any, data: dict, source: Document | None = None) -> Saved:
    """Issue a quote or a pro-forma on a lead, client or deal: the next number, the supplier's
    details from the company settings, the customer's from the record (`customer` in data
    overrides them key by key), the lines and their totals; `document.created`.

    `source`: the quote a pro-forma is made from; its reverse charge and VIES answer carry
    over unchanged (no second VIES call inside the caller's transaction)."""
    if not isinstance(data, dict):
        raise field_error("body", _("Must be an object."))
    out = Collector()
    kind: str = data.get("kind")  # type: ignore[assignment]  # checked just below
    if kind not in Kind.values:
        raise field_error(
            "kind", _("Must be one of: %(choices)s.") % {"choices": "quote, proforma"}
        )
    for key in data:
        if key not in EDITABLE | {"kind", "record_type", "record_id"} or key == "status":
            out.add(key, _("Unknown field."))
    record_type: str = data.get("record_type")  # type: ignore[assignment]  # record_for checks
    record = record_for(actor, record_type, data.get("record_id"), "documents")
    values = _clean_document(data, out, kind=kind)
    out.raise_if_any()
    today = timezone.localdate()
    issue_date = values.get("issue_date") or today
    days = get_setting(f"documents.{'quote_valid' if kind == Kind.QUOTE else 'proforma_due'}_days")
    supplier = company_get()
    customer = customer_from_record(record_type, record) | values.get("customer", {})
    if source is not None:
        reverse, vat_check = source.reverse_charge, source.vat_check
    else:
        reverse, vat_check = _vat_check(supplier, customer, values.get("reverse_charge"))
    currency = (
        values.get("currency")
        or getattr(record, "currency", "")
        or _default_currency(values.get("lines") or [])
    )
    if not currency:
        raise field_error("currency", _("A three-letter currency code (CZK, EUR, PLN …)."))
    with transaction.atomic():
        number = _take_number(kind, issue_date.year)
        document = Document(
            kind=kind,
            number=number,
            record_type=record_type,
            record_id=record.pk,
            language=values.get("language") or "",
            issue_date=issue_date,
            currency=currency,
            supplier=supplier,
            customer=customer,
            reverse_charge=reverse,
            vat_check=vat_check,
            variable_symbol=variable_symbol(number) if kind == Kind.PROFORMA else "",
            notes=values.get("notes") or "",
            owner=None if getattr(actor, "is_system", False) else actor,
            created_by=actor,
            status_changed_at=_now(),
        )
        default_date = _plus_days(issue_date, days)
        if kind == Kind.QUOTE:
            document.valid_until = values.get("valid_until") or default_date
        else:
            document.due_date = values.get("due_date") or default_date
        document.source_document = source
        document.save()
        _write_lines(document, values.get("lines") or [])
        document.save(update_fields=["total_base", "total_vat", "total_gross"])
        DocumentLink.objects.create(document=document, record_type=record_type, record_id=record.pk)
        _link_converted_targets(document, record_type, record)
        history_event(
            actor=actor,
            record_type="document",
            record_id=document.pk,
            kind=HistoryEvent.Kind.CREATED,
            data={
                "number": number,
                "kind": kind,
                "record_type": record_type,
                "record_id": record.pk,
            },  # fmt: skip
        )
        publish("document.created", "document", document, actor=actor)
    return Saved(document)


def _plus_days(day: dt.date, days: int) -> dt.date:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:  # an issue date at the end of year 9999
        return dt.date.max


def _default_currency(lines: list[dict]) -> str:
    ids = [line["product_id"] for line in lines if line.get("product_id")]
    for product in Product.objects.filter(pk__in=ids).exclude(currency=""):
        return product.currency
    return ""


def _link_converted_targets(document: Document, record_type: str, record: Any) -> None:
    """A document issued on a converted lead also shows on the client and deal made of it
    (a conversion linked the documents the lead had then; this keeps later ones alike)."""
    if record_type != "lead" or not getattr(record, "is_converted", False):
        return

    targets = ConversionLink.objects.filter(lead_id=record.pk, target_type__in=("client", "deal"))
    DocumentLink.objects.bulk_create(
        [
            DocumentLink(document=document, record_type=t.target_type, record_id=t.target_id)
            for t in targets
        ],  # fmt: skip
        ignore_conflicts=True,
    )


def _locked(actor: Any, pk: Any) -> Document:
    found = document_get(actor=actor, pk=pk, right="documents")  # 404 / 403 before the lock
    document = (
        Document.objects.select_for_update().filter(pk=found.pk, deleted_at__isnull=True).first()
    )
    if document is None:  # deleted in between
        raise NotFound(_("No document with id %(pk)s.") % {"pk": found.pk})
    return document


def document_update(*, actor: Any, pk: Any, data: dict, version: Any) -> Saved:
    """Change a document's fields; `lines` replace all lines. Amounts (lines, currency,
    reverse charge) change on a draft only (409 `not_draft`); `status` goes through
    `document_change_status` in the same transaction."""
    if not isinstance(data, dict):
        raise field_error("body", _("Must be an object."))
    out = Collector()
    for key in data:
        if key not in EDITABLE:
            out.add(key, _("Unknown field."))
    current = document_get(actor=actor, pk=pk, right="documents")
    status = data.get("status")
    values = _clean_document(
        {k: v for k, v in data.items() if k != "status"}, out, kind=current.kind
    )
    out.raise_if_any()
    reverse, vat_check = current.reverse_charge, current.vat_check
    customer = current.customer | values.get("customer", {})
    if "reverse_charge" in values or (
        "customer" in values and customer.get("vat_id") != current.customer.get("vat_id")
    ):
        wanted = values.get("reverse_charge", current.reverse_charge or None)
        reverse, vat_check = _vat_check(current.supplier, customer, wanted)
    with transaction.atomic():
        document = _locked(actor, pk)
        _stale(document, version)
        touches_amounts = (AMOUNT_FIELDS & set(values)) or reverse != document.reverse_charge
        if touches_amounts and document.status != Status.DRAFT:
            raise Conflict(
                _("Only a draft's lines, currency and VAT can change."),
                code="not_draft",
                errors=[
                    FieldIssue(f, _("Read-only once sent."))
                    for f in sorted(AMOUNT_FIELDS & set(values))
                ],
            )
        changes: list[tuple[str, Any, Any]] = []
        for key in ("issue_date", "valid_until", "due_date", "currency", "language", "notes"):
            if key in values and values[key] != getattr(document, key):
                changes.append((key, getattr(document, key), values[key]))
                setattr(document, key, values[key])
        if customer != document.customer:
            changes.append(("customer", document.customer, customer))
            document.customer = customer
        if reverse != document.reverse_charge:
            changes.append(("reverse_charge", document.reverse_charge, reverse))
            document.reverse_charge, document.vat_check = reverse, vat_check
        if "lines" in values or reverse != current.reverse_charge:
            old = _line_dicts(document)
            new = values["lines"] if "lines" in values else old
            _write_lines(document, new)
            if "lines" in values and _comparable(old) != _comparable(new):
                changes.append(("lines", len(old), len(new)))
        if changes:
            _save_new_version(actor, document, "document", changes)
        if status is not None and status != document.status:
            changes += _change_status(actor, document, status)
    return Saved(document, changes=changes)


def _comparable(lines: list[dict]) -> list[tuple]:
    return [tuple(str(line.get(k)) for k in LINE_FIELDS) for line in lines]


def document_change_status(*, actor: Any, pk: Any, status: Any, version: Any) -> Saved:
    """Move a document to `status` (the kind's allowed moves); `changes` holds the move, empty
    when the document has that status already."""
    with transaction.atomic():
        document = _locked(actor, pk)
        _stale(document, version)
        return Saved(document, changes=_change_status(actor, document, status))


def _change_status(actor: Any, document: Document, status: Any) -> list[Change]:
    """Change the locked `document`'s status in place; the change made (none: no write)."""
    allowed = TRANSITIONS[document.kind].get(document.status, ())
    if status not in TRANSITIONS[document.kind]:
        raise field_error(
            "status",
            _("Must be one of: %(choices)s.") % {"choices": ", ".join(TRANSITIONS[document.kind])},
        )
    if status == document.status:
        return []
    if status not in allowed:
        raise Conflict(
            _("The status cannot change from %(old)s to %(new)s.")
            % {"old": Status(document.status).label, "new": Status(status).label},  # fmt: skip
            code="bad_transition",
            errors=[
                FieldIssue(
                    "status", _("Allowed: %(choices)s.") % {"choices": ", ".join(allowed) or "—"}
                )
            ],
        )
    changes: list[Change] = [("status", document.status, status)]
    document.status = status
    document.status_changed_at = _now()
    if status == Status.SENT and document.sent_at is None:
        document.sent_at = _now()
    _save_new_version(actor, document, "document", changes, HistoryEvent.Kind.STATUS_CHANGED)
    if status == Status.SENT:
        publish("document.sent", "document", document, actor=actor)
    elif status == Status.PAID:
        publish("document.paid", "document", document, actor=actor)
    elif status == Status.ACCEPTED and get_setting("documents.accept_sets_deal_value"):
        _set_deal_value(actor, document)
    return changes


def _set_deal_value(actor: Any, document: Document) -> None:
    """The accepted quote's total (without VAT, as deal values are) becomes the value of the
    deal it is linked to, through the deal's own service (history, webhooks, rights); a deal
    the actor may not update is left as it is."""

    deal_ids = [link.record_id for link in document.links.all() if link.record_type == "deal"]

    for deal in Deal.objects.alive().filter(pk__in=deal_ids):
        if deal.value == document.total_base and deal.currency == document.currency:
            continue
        # Someone may accept the quote (the right `documents`) on a deal they may not edit
        # (a colleague's): the acceptance stands, that deal keeps its value.
        if not access.in_scope(
            actor, "deal", "update", owner_id=deal.owner_id, team_id=deal.team_id
        ):
            continue
        deal_update(
            actor=actor,
            pk=deal.pk,
            data={"value": str(document.total_base), "currency": document.currency},
            version=deal.version,
        )


def document_mark_sent(*, actor: Any, document: Document) -> Saved:
    """For `sending.document_send`, inside its transaction once the mail is on its way:
    `document` is the row it locked and checked (not locked again here). A draft becomes sent
    (`document.sent`); a document sent before stays as it is but its `sent_at` moves and its
    version grows (a second sending is still an event)."""
    assert transaction.get_connection().in_atomic_block
    if document.status == Status.DRAFT:
        return Saved(document, changes=_change_status(actor, document, Status.SENT))
    sent_before = document.sent_at
    document.sent_at = _now()
    document.version += 1
    document.save(update_fields=["sent_at", "version", "updated_at"])
    history_event(
        actor=actor,
        record_type="document",
        record_id=document.pk,
        kind=HistoryEvent.Kind.UPDATED,
        field="sent_at",
        new=document.sent_at,
        data={"version": document.version},
    )
    publish("document.sent", "document", document, actor=actor)
    return Saved(document, changes=[("sent_at", sent_before, document.sent_at)])


def document_delete(*, actor: Any, pk: Any, version: Any) -> Saved:
    """A soft delete; the number stays taken (the series only counts up)."""
    with transaction.atomic():
        document = _locked(actor, pk)
        _stale(document, version)
        document.deleted_at = _now()
        document.version += 1
        document.save(update_fields=["deleted_at", "version", "updated_at"])
        history_event(
            actor=actor,
            record_type="document",
            record_id=document.pk,
            kind=HistoryEvent.Kind.DELETED,
            data={"number": document.number},
        )
    return Saved(document)


def document_create_proforma(*, actor: Any, pk: Any) -> Saved:
    """A pro-forma invoice from a quote (sent or accepted): its record, customer, currency,
    language, reverse charge and lines copied; the quote is its `source_document`. A sent
    quote is accepted by it (the customer pays what it accepts)."""
    quote = document_get(actor=actor, pk=pk, right="documents")
    if quote.kind != Kind.QUOTE:
        raise Conflict(_("A pro-forma invoice is made from a quote."), code="not_a_quote")
    if quote.status not in (Status.SENT, Status.ACCEPTED):
        raise Conflict(
            _("Only a sent or accepted quote becomes a pro-forma invoice."),
            code="bad_transition",
            errors=[
                FieldIssue("status", _("Allowed: %(choices)s.") % {"choices": "sent, accepted"})
            ],
        )
    lines = [
        {k: (str(v) if isinstance(v, Decimal) else v) for k, v in line.items() if k != "base"}
        for line in _line_dicts(quote)
    ]
    for line in lines:  # a product deleted since: the line stays, as free text
        if line["product_id"] and not Product.objects.filter(pk=line["product_id"]).exists():
            line["product_id"] = None
    with transaction.atomic():
        if quote.status == Status.SENT:
            document_change_status(actor=actor, pk=quote.pk, status=Status.ACCEPTED,
                                   version=Document.objects.get(pk=quote.pk).version)  # fmt: skip
        return document_create(
            actor=actor,
            data={
                "kind": Kind.PROFORMA,
                "record_type": quote.record_type,
                "record_id": quote.record_id,
                "currency": quote.currency,
                "language": quote.language,
                "customer": quote.customer,
                "notes": quote.notes,
                "lines": lines,
            },
            source=quote,
        )
