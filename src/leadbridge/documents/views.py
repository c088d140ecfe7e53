"""Document pages: the card tab ("Quotes & invoices"), the document page (header, line
editor, preview, PDF, send, status actions) and the Settings pages (price list, company
details and numbering).

Every change goes through `documents.services` (the same rules as the API); the pages only
parse the form and put the services' field errors back where they belong. Access is checked
in one place each: the issuing record through `core.selectors.record_get` and the document
through `documents.selectors.document_get` (404 out of scope, 403 without the right).
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

# `settings` names the documents settings in these views.
from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from leadbridge.core.choices import currency_choices
from leadbridge.core.errors import Conflict, DomainError, Forbidden, NotFound, field_error
from leadbridge.core.registry import model_for
from leadbridge.core.selectors import record_get
from leadbridge.imports.record_types import import_simple
from leadbridge.people import access

from . import company, selectors, services
from .forms import (
    CUSTOMER_FIELDS,
    HeaderForm,
    LineRow,
    header_initial,
    lines_data,
    parse_decimal,
    place_errors,
    plain_number,
    rows_from_lines,
    rows_from_post,
)
from .models import TRANSITIONS, Document, Kind, Product, Status
from .pdf import render_pdf
from .reverse_charge import REVERSE_CHARGE_NOTE
from .sending import document_send as send
from .totals import document_totals

RECORD_TYPES = ("lead", "client", "deal")
SHOWN_ON_TAB = 200
STATUS_ACTIONS = {
    Status.DRAFT: gettext_lazy("Back to draft"),
    Status.SENT: gettext_lazy("Mark sent"),
    Status.ACCEPTED: gettext_lazy("Mark accepted"),
    Status.REJECTED: gettext_lazy("Mark rejected"),
    Status.PAID: gettext_lazy("Mark paid"),
    Status.CANCELLED: gettext_lazy("Mark cancelled"),
}


def record_url(record_type: str, record_id: int) -> str:
    return reverse(f"{record_type}s:detail", args=[record_id])


def may_issue(user, record_type: str, record) -> bool:
    """The role's `documents` right on the record's type, within its scope."""
    return access.in_scope(
        user, record_type, "documents", owner_id=record.owner_id, team_id=record.team_id
    )


# The card tab (registered in activities/tabs.py from hooks.register) --------------------------


def tab_context(request: HttpRequest, record_type: str, record) -> dict:
    documents = selectors.documents_for_record(
        actor=request.user, record_type=record_type, record_id=record.pk
    )
    return {
        "documents": list(documents[:SHOWN_ON_TAB]),
        "can_issue": may_issue(request.user, record_type, record),
    }


# The document page ------------------------------------------------------------------------


def _record(request: HttpRequest, record_type: str, record_id: int):
    if record_type not in RECORD_TYPES:
        raise Http404
    return record_get(actor=request.user, record_type=record_type, pk=record_id)


def document_new(request: HttpRequest, record_type: str, record_id: int, kind: str):
    """A new quote or pro-forma on a record: the form starts with the record's details; the
    number is only taken when it is saved (an abandoned form spends none)."""
    if kind not in Kind.values:
        raise Http404
    record = _record(request, record_type, record_id)
    access.check(request.user, record_type, "documents", record)
    general: list[str] = []
    status = 200
    if request.method == "POST":
        header = HeaderForm(request.POST, kind=kind)
        rows = rows_from_post(request.POST)
        lines = lines_data(rows)
        if header.is_valid() and lines is not None:
            data = {
                **header.to_data(),
                # Ticked: the service checks the VAT id in VIES; unticked: its own rule.
                **({"reverse_charge": True} if header.cleaned_data["reverse_charge"] else {}),
                "kind": kind,
                "record_type": record_type,
                "record_id": record.pk,
                "lines": lines,
            }
            try:
                document = services.document_create(actor=request.user, data=data).obj
            except DomainError as exc:
                general = place_errors(exc, header, rows)
            else:
                messages.success(request, _("%(number)s saved.") % {"number": document.number})
                return redirect("documents:detail", document.pk)
        status = 422
    else:
        settings = company.documents_settings_get()
        today = timezone.localdate()
        initial: dict[str, Any] = {
            "issue_date": today,
            "valid_until": today + dt.timedelta(days=settings.get("quote_valid_days") or 0),
            "due_date": today + dt.timedelta(days=settings.get("proforma_due_days") or 0),
            "currency": getattr(record, "currency", "") or _default_currency(),
        }
        for key, value in services.customer_from_record(record_type, record).items():
            initial[f"customer_{key}"] = value
        header = HeaderForm(initial=initial, kind=kind)
        rows = []
    context = {
        "document": None,
        "kind": kind,
        "kind_label": Kind(kind).label,
        "record_type": record_type,
        "record": record,
        "record_url": record_url(record_type, record.pk),
        "header": header,
        "rows": rows,
        "general_errors": general,
        "editable": True,
        "action": request.path,
        **_editor_context(request, header, rows),
    }
    return render(request, "documents/document.html", context, status=status)


def _default_currency() -> str:
    return getattr(django_settings, "LEADBRIDGE_DEFAULT_CURRENCY", "") or "CZK"


def _editor_context(request: HttpRequest, header: HeaderForm, rows: list[LineRow]) -> dict:
    products = selectors.product_list(actor=request.user, active=True)
    return {
        "products": [
            {
                "id": p.pk,
                "label": f"{p.code} · {p.name}" if p.code else p.name,
                "name": p.name,
                "unit": p.unit,
                "price": plain_number(p.unit_price, 2),
                "vat": plain_number(p.vat_rate),
                "currency": p.currency,
            }
            for p in products[:1000]
        ],
        "customer_fields": CUSTOMER_FIELDS,
        "vat_rates": _vat_rates(rows),
    }


def _vat_rates(rows: list[LineRow]) -> list[str]:
    """Rates offered in the line's list (typed values stay allowed: the input is free)."""
    common = ["23", "21", "20", "12", "10", "8", "5", "0"]
    typed = [row.values.get("vat_rate", "") for row in rows]
    return list(dict.fromkeys([*common, *(t for t in typed if t)]))


def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get(actor=request.user, pk=pk)
    can_write = _can_write(request, document)
    editable = can_write and document.status == Status.DRAFT
    general: list[str] = []
    conflict = None
    status = 200
    version = document.version
    if request.method == "POST":
        if not editable:
            raise Forbidden(_("Only a draft can be changed."))
        header = HeaderForm(request.POST, kind=document.kind)
        rows = rows_from_post(request.POST)
        lines = lines_data(rows)
        version = _int(request.POST.get("version")) or 0
        if header.is_valid() and lines is not None:
            try:
                data = {**header.to_data(), "lines": lines}
                if header.cleaned_data["reverse_charge"] != document.reverse_charge:
                    data["reverse_charge"] = header.cleaned_data["reverse_charge"]
                services.document_update(actor=request.user, pk=pk, data=data, version=version)
            except Conflict as exc:
                # Someone saved in between: keep everything the user typed, show the stored
                # document in the preview, and let a second save keep theirs on purpose.
                document = selectors.document_get(actor=request.user, pk=pk)
                conflict = {"version": document.version, "detail": exc.detail}
                version = document.version
                status = 409
            except DomainError as exc:
                general = place_errors(exc, header, rows)
                status = exc.status if exc.status in (403, 404, 409) else 422
            else:
                messages.success(request, _("%(number)s saved.") % {"number": document.number})
                return redirect("documents:detail", pk)
        else:
            status = 422
    else:
        header = HeaderForm(initial=header_initial(document), kind=document.kind)
        rows = rows_from_lines(document.lines.all())
    context = {
        "document": document,
        "kind": document.kind,
        "kind_label": document.get_kind_display(),
        "record_type": document.record_type,
        "record_url": _record_url_if_visible(request, document),
        "header": header,
        "rows": rows,
        "general_errors": general,
        "conflict": conflict,
        "version": version,
        "editable": editable,
        "can_write": can_write,
        "action": request.path,
        "totals": document_totals(document),
        "lines": list(document.lines.all()),
        "status_actions": [
            (target, STATUS_ACTIONS[target])
            for target in TRANSITIONS[document.kind].get(document.status, ())
        ]
        if can_write
        else [],
        "can_proforma": can_write
        and document.kind == Kind.QUOTE
        and document.status == Status.ACCEPTED,
        "derived": list(Document.objects.filter(source_document=document, deleted_at__isnull=True)),
        "send_to": (document.customer or {}).get("email") or _record_email(document),
        "reverse_charge_note": REVERSE_CHARGE_NOTE,
        **_editor_context(request, header, rows),
    }
    return render(request, "documents/document.html", context, status=status)


def _can_write(request: HttpRequest, document: Document) -> bool:
    try:
        selectors.document_get(actor=request.user, pk=document.pk, right="documents")
    except (Forbidden, NotFound):
        return False
    return True


def _record_url_if_visible(request: HttpRequest, document: Document) -> str | None:
    try:
        _record(request, document.record_type, document.record_id)
    except (DomainError, Http404):
        return None
    return record_url(document.record_type, document.record_id)


def _record_email(document: Document) -> str:

    record = model_for(document.record_type).objects.filter(pk=document.record_id).first()
    if document.record_type == "deal" and record is not None:
        contact = record.contact or record.client
        return getattr(contact, "email", "") or ""
    return getattr(record, "email", "") or ""


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def document_pdf(request: HttpRequest, pk: int) -> HttpResponse:

    document = selectors.document_get(actor=request.user, pk=pk)
    pdf = render_pdf(document)
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{document.number}.pdf"'
    return response


@require_POST
def document_send(request: HttpRequest, pk: int) -> HttpResponse:

    try:
        document = send(
            actor=request.user,
            pk=pk,
            version=_int(request.POST.get("version")) or 0,
            to=request.POST.get("to", "").strip() or None,
            message=request.POST.get("message", "").strip() or None,
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(
            request,
            _("%(number)s is on its way to %(to)s.")
            % {"number": document.number, "to": request.POST.get("to", "").strip()},
        )
    return redirect("documents:detail", pk)


@require_POST
def document_status(request: HttpRequest, pk: int) -> HttpResponse:
    target = request.POST.get("status", "")
    try:
        document = services.document_change_status(
            actor=request.user, pk=pk, status=target, version=_int(request.POST.get("version")) or 0
        ).obj
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(
            request,
            _("%(number)s is now %(status)s.")
            % {"number": document.number, "status": document.get_status_display()},
        )
    return redirect("documents:detail", pk)


@require_POST
def document_proforma(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        proforma = services.document_create_proforma(actor=request.user, pk=pk).obj
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        _error(request, exc)
        return redirect("documents:detail", pk)
    messages.success(request, _("Pro-forma %(number)s made.") % {"number": proforma.number})
    return redirect("documents:detail", proforma.pk)


@require_POST
def document_delete(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get(actor=request.user, pk=pk)
    back = _record_url_if_visible(request, document) or reverse("home")
    try:
        services.document_delete(
            actor=request.user, pk=pk, version=_int(request.POST.get("version")) or 0
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        _error(request, exc)
        return redirect("documents:detail", pk)
    messages.success(request, _("%(number)s deleted.") % {"number": document.number})
    return redirect(back)


def _error(request: HttpRequest, exc: DomainError) -> None:
    if exc.status == 409:
        messages.error(
            request,
            _("Someone else changed this document in the meantime; it is shown as it is now."),
        )
        return
    for issue in exc.errors or []:
        messages.error(request, issue.message)
    if not exc.errors:
        messages.error(request, exc.detail)


# Settings: the price list, the company details and numbering -----------------------------


def products_page(request: HttpRequest) -> HttpResponse:
    """The price list: every product as a row of inputs saved on its own, and a new one."""
    access.require_admin(request.user)
    failed_key, failed_values, failed_fields, detail = "", {}, {}, ""
    status = 200
    imported: dict | None = None
    if request.method == "POST" and request.POST.get("action") == "import":
        imported, detail, status = _import_products(request)
    elif request.method == "POST":
        key = request.POST.get("id") or "new"
        values = {name: request.POST.get(name, "").strip() for name in PRODUCT_TEXT}
        values["active"] = request.POST.get("active") == "on"
        try:
            if request.POST.get("action") == "delete":
                services.product_delete(
                    actor=request.user, pk=_int(key), version=_int(request.POST.get("version"))
                )
                messages.success(request, _("Product deleted."))
            else:
                data: dict[str, Any] = {**values, "currency": values["currency"].upper()}
                for name in ("unit_price", "vat_rate"):
                    data[name] = _number(values[name], name)
                if key == "new":
                    services.product_create(actor=request.user, data=data)
                else:
                    services.product_update(
                        actor=request.user,
                        pk=_int(key),
                        data=data,
                        version=_int(request.POST.get("version")),
                    )
                messages.success(request, _("Product %(name)s saved.") % {"name": data["name"]})
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            failed_key, failed_values, status = key, values, exc.status
            failed_fields = {(i.field or "").split(".")[-1]: i.message for i in exc.errors}
            detail = exc.detail if not exc.errors else ""
            if exc.status == 409:
                detail = _(
                    "Someone else changed this product in the meantime; it is shown as it is "
                    "now. Your values are kept in its row: save again to keep them."
                )
        else:
            return redirect("documents_settings:products")

    rows = []
    for product in selectors.product_list(actor=request.user):
        mine = failed_key == str(product.pk)
        rows.append(
            {
                "obj": product,
                "form_id": f"product-{product.pk}",
                "values": failed_values if mine else _product_values(product),
                "errors": failed_fields if mine else {},
            }
        )
    new = {
        "values": failed_values if failed_key == "new" else {"active": True},
        "errors": failed_fields if failed_key == "new" else {},
    }
    return render(
        request,
        "documents/products.html",
        {
            "rows": rows,
            "new": new,
            "detail": detail,
            "currencies": currency_choices(),
            "imported": imported,
        },
        status=status,
    )


def _import_products(request: HttpRequest) -> tuple[dict | None, str, int]:
    """A CSV/XLSX/XLS price list through the import's `product` record type: the good rows
    are saved, each refused one comes back with its line and reason; the answer is shown on
    the page (no redirect), so the list of refused rows can be read and the file fixed."""

    upload = request.FILES.get("file")
    if upload is None:
        return None, str(_("Choose a file to import.")), 422
    try:
        result = import_simple(
            actor=request.user,
            record_type="product",
            filename=upload.name or "import.csv",
            stream=upload.file,
            size=upload.size or 0,
        )
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        issues = "; ".join(str(i.message) for i in exc.errors)
        return None, issues or str(exc.detail), exc.status
    # The column as the page names it ("Unit price"), not the field's name.
    for error in result["errors"]:
        error["label"] = _field_label(error.get("field") or "")
    return result, "", 200


def _field_label(name: str) -> str:
    try:
        return capfirst(Product._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


PRODUCT_TEXT = ("name", "code", "unit", "unit_price", "currency", "vat_rate")


def _product_values(product) -> dict:
    return {
        "name": product.name,
        "code": product.code,
        "unit": product.unit,
        "unit_price": plain_number(product.unit_price, 2),
        "currency": product.currency,
        "vat_rate": plain_number(product.vat_rate),
        "active": product.active,
    }


def _number(text: str, name: str):

    try:
        value = parse_decimal(text)
    except ValueError:
        raise field_error(name, _("Enter a number.")) from None
    return value if value is not None else 0


SETTING_NUMBERS = ("quote_valid_days", "proforma_due_days")


def _save_company(request: HttpRequest, values: dict, doc_values: dict, errors: dict) -> str:
    """Both settings in one transaction: a refused value leaves every setting as it was.
    Each documents setting is saved on its own so its error lands at its own input."""
    general = ""
    with transaction.atomic():
        try:
            company.company_set(actor=request.user, data=values)
        except DomainError as exc:
            for issue in exc.errors:
                errors[(issue.field or "").split(".")[-1]] = issue.message
            general = "" if exc.errors else exc.detail
        for name, value in doc_values.items():
            try:
                company.documents_settings_set(actor=request.user, data={name: value})
            except DomainError as exc:
                errors[name] = exc.errors[0].message if exc.errors else exc.detail
        if errors or general:
            transaction.set_rollback(True)
    return general


def company_page(request: HttpRequest) -> HttpResponse:
    """The supplier's details printed on every document, and the numbering patterns."""
    access.require_admin(request.user)
    errors: dict[str, str] = {}
    general = ""
    current = company.company_get()
    settings = company.documents_settings_get()
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in company.COMPANY_TEXT_FIELDS}
        values["logo"] = current.get("logo", "")
        upload = request.FILES.get("logo")
        if request.POST.get("logo_remove") == "on":
            values["logo"] = ""
        elif upload is not None:
            if upload.size > company.LOGO_MAX_BYTES:
                errors["logo"] = _("The logo must be an image of at most 150 KB.")
            else:
                encoded = base64.b64encode(upload.read()).decode("ascii")
                values["logo"] = f"data:{upload.content_type};base64,{encoded}"
        doc_values: dict[str, Any] = {
            "quote_pattern": request.POST.get("quote_pattern", ""),
            "proforma_pattern": request.POST.get("proforma_pattern", ""),
            "accept_sets_deal_value": request.POST.get("accept_sets_deal_value") == "on",
        }
        for name in SETTING_NUMBERS:
            raw = request.POST.get(name, "").strip()
            doc_values[name] = int(raw) if raw.isdigit() else raw
        if not errors:
            general = _save_company(request, values, doc_values, errors)
        if not errors and not general:
            messages.success(request, _("Company details and numbering saved."))
            return redirect("documents_settings:company")
        current = {**current, **values}
        settings = {**settings, **doc_values}
    return render(
        request,
        "documents/company.html",
        {
            "company": current,
            "settings": settings,
            "errors": errors,
            "general": general,
            "fields": [
                (name, label, current.get(name, ""), errors.get(name))
                for name, label in COMPANY_LABELS
            ],
            "example_quote": _example(settings.get("quote_pattern")),
            "example_proforma": _example(settings.get("proforma_pattern")),
        },
        status=422 if errors or general else 200,
    )


COMPANY_LABELS = [
    ("name", gettext_lazy("Company name")),
    ("registration_number", gettext_lazy("Registration number")),
    ("vat_id", gettext_lazy("VAT id")),
    ("street", gettext_lazy("Street")),
    ("city", gettext_lazy("City")),
    ("postcode", gettext_lazy("Postcode")),
    ("country", gettext_lazy("Country (two letters)")),
    ("iban", gettext_lazy("Bank account (IBAN)")),
    ("bic", gettext_lazy("BIC / SWIFT")),
    ("email", gettext_lazy("E-mail")),
    ("phone", gettext_lazy("Phone")),
    ("website", gettext_lazy("Website")),
]


def _example(pattern: Any) -> str:
    try:
        return company.format_number(str(pattern or ""), year=timezone.localdate().year, seq=1)
    except (ValueError, KeyError, IndexError):
        return ""
