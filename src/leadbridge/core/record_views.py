"""List, card, form and delete pages for clients, contacts and deals, from one definition.

Leads have their own richer pages (leads/views.py); these share the same selectors, services
and form builder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from leadbridge.duplicates.intake import create_from_page

from . import labels
from .conflicts import edit_form
from .display import custom_values, local_date
from .errors import DomainError
from .forms import RecordForm
from .names import RecordRef, detail_url
from .registry import record_type_of
from .selectors import record_get, record_list
from .web import add_domain_errors, did_you_mean, list_params, query_without, shown_ordering


@dataclass
class Column:
    label: str
    attr: str | Callable[[Any], Any]  # dotted attribute path on the record, or a function
    sort: str | None = None
    link: bool = False
    note: str = ""  # how the column sorts, said when the list is sorted by it


def money_of(attr: str) -> Callable[[Any], str]:
    """An amount with the record's currency, in the reader's format ("356 000,00 PLN")."""
    return lambda obj: labels.money(getattr(obj, attr), obj.currency)


@dataclass
class RecordPages:
    record_type: str
    namespace: str
    title: str
    singular: str
    columns: list[Column]
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    card_fields: list[tuple[str, str | Callable[[Any], Any]]]
    # The new record form's heading, whole: "New" agrees with the noun in most languages.
    new_title: str = ""
    # The type's own filters on the list page (a template of widgets/filters), if any.
    filters_template: str = ""

    def list(self, request: HttpRequest) -> HttpResponse:
        params, type_filters, custom = list_params(request.GET, self.record_type)
        error = None
        try:
            page, count = record_list(
                actor=request.user,
                record_type=self.record_type,
                params=params,
                type_filters=type_filters,
                custom_filters=custom,
                collate=True,
            )
            objs = list(page)
        except DomainError as exc:
            objs, count, error = [], 0, exc.errors[0].message if exc.errors else exc.detail
        page_no = params.offset // params.limit + 1
        rows = [(obj, [_cell(obj, c) for c in self.columns]) for obj in objs]
        headers = [
            (
                c,
                query_without(
                    request.GET,
                    "page",
                    "ordering",
                    ordering=(f"-{c.sort}" if shown_ordering(params) == c.sort else c.sort),
                )
                if c.sort
                else None,
            )
            for c in self.columns
        ]
        sorted_by = next(
            (c for c in self.columns if c.sort and (params.ordering or "").lstrip("-") == c.sort),
            None,
        )
        context = {
            "pages": self,
            "rows": rows,
            "sort_note": sorted_by.note if sorted_by else "",
            "count": count,
            "error": error,
            "headers": headers,
            "ordering": shown_ordering(params),
            "did_you_mean": did_you_mean(
                request.GET, params, count, actor=request.user, record_type=self.record_type
            )
            if error is None
            else [],
            "page": page_no,
            "filters": request.GET,
            "has_prev": page_no > 1,
            "has_next": params.offset + params.limit < count,
            "prev_query": query_without(request.GET, "page", page=page_no - 1),
            "next_query": query_without(request.GET, "page", page=page_no + 1),
        }
        partial = request.htmx and not request.htmx.boosted
        if self.filters_template and not partial:  # a table swap keeps the page's filters
            context["filter_choices"] = self.filter_choices(request)
        return render(request, "records/_table.html" if partial else "records/list.html", context)

    def detail(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = record_get(actor=request.user, record_type=self.record_type, pk=pk)
        props = [(label, _prop(obj, attr)) for label, attr in self.card_fields]
        return render(
            request,
            "records/detail.html",
            {
                "pages": self,
                "obj": obj,
                "props": [p for p in props if p[1] not in ("", None)],
                "custom": custom_values(self.record_type, obj),
                "extra": self.extra_context(obj, actor=request.user),
            },
        )

    def extra_context(self, obj: Any, *, actor: Any) -> dict:
        """More for the card; whatever it lists of other records goes through the selectors'
        access restriction for `actor`, as the record itself did."""
        return {}

    def filter_choices(self, request: HttpRequest) -> dict:
        """The choices the type's own filters offer (`filters_template` shows them)."""
        return {}

    def create_view(self, request: HttpRequest) -> HttpResponse:
        initial = {k: v for k, v in request.GET.items() if k.endswith("_id") and v.isdigit()}
        initial.setdefault("owner_id", request.user.pk)  # a new record is its typist's
        form = RecordForm(request.POST or None, record_type=self.record_type, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                saved = create_from_page(
                    actor=request.user,
                    record_type=self.record_type,
                    data=form.to_data(),
                    create=self.create,
                    update=self.update,
                )
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                warn(request, form, saved.warnings, saved.duplicates)
                messages.success(request, _("Saved."))
                if "save_and_new" in request.POST:
                    return redirect(f"{self.namespace}:create")
                return redirect(f"{self.namespace}:detail", saved.obj.pk)
        return render(request, "records/form.html", {"pages": self, "form": form, "obj": None})

    def edit_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = record_get(actor=request.user, record_type=self.record_type, pk=pk)
        outcome = edit_form(
            request,
            record_type=self.record_type,
            obj=obj,
            save=lambda *, data, version: self.update(
                actor=request.user, pk=pk, data=data, version=version
            ),
        )
        if outcome.saved is not None:
            warn(request, outcome.form, outcome.saved.warnings)
            messages.success(request, _("Saved."))
            return redirect(f"{self.namespace}:detail", pk)
        return render(
            request,
            "records/form.html",
            {"pages": self, "form": outcome.form, "obj": obj, **outcome.context},
        )

    def delete_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            self.delete(actor=request.user, pk=pk)
        except DomainError as exc:
            messages.error(request, exc.detail)
            return redirect(f"{self.namespace}:detail", pk)
        messages.success(request, _("Deleted."))
        return redirect(f"{self.namespace}:list")

    def views(self) -> dict[str, Callable]:
        return {
            "list": self.list,
            "detail": self.detail,
            "create": self.create_view,
            "edit": self.edit_view,
            "delete": require_POST(self.delete_view),
        }


def _value(obj: Any, attr: str | Callable[[Any], Any]) -> Any:
    if callable(attr):
        return attr(obj)
    value: Any = obj
    owner: Any = None
    for part in attr.split("."):
        owner = value
        value = getattr(value, part, None) if value is not None else None
    display = getattr(owner, f"get_{attr.split('.')[-1]}_display", None)
    if display is not None:
        return display()  # a stored code (client kind) in the reader's language
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if value is not None and hasattr(value, "display_name"):
        return value.display_name
    return value


def _prop(obj: Any, attr: str | Callable[[Any], Any]) -> Any:
    """A card value; a linked record (a deal's client, contact) as its name with a link."""
    value = getattr(obj, attr, None) if isinstance(attr, str) and "." not in attr else None
    if isinstance(value, Model):
        try:
            record_type = record_type_of(value)
        except KeyError:
            return _value(obj, attr)
        return RecordRef(
            record_type, value.pk, value.display_name, detail_url(record_type, value.pk)
        )
    return _value(obj, attr)


def _cell(obj: Any, column: Column) -> Any:
    value = _value(obj, column.attr)
    if isinstance(value, dt.date):
        return local_date(value)  # the short date format of every other list
    return "" if value is None else value


def warn(
    request: HttpRequest, form: RecordForm, warnings: list, duplicates: list | None = None
) -> None:
    """Saved, but tell the typist: a value kept as typed (a phone the number plan does not
    know) at its field's label, and the existing records the new one looks like."""
    for warning in warnings:
        name = warning.field.split(".")[0]
        label = form.fields[name].label if name in form.fields else warning.field
        messages.warning(request, f"{label}: {warning.message}")
    if duplicates:
        names = ", ".join(d["display_name"] for d in duplicates[:3])
        messages.warning(
            request,
            _("It looks like a record you already have: %(names)s (see Possible duplicates).")
            % {"names": names},
        )
