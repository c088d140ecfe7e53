"""Helpers the pages share: list parameters from a query string, domain errors onto forms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.dateparse import parse_date, parse_datetime

from .errors import DomainError, FieldIssue
from .selectors import ListParams
from .specs import SPECS

PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _moment(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        moment = dt.datetime.combine(day, dt.time.min) if day else None
    return moment


def _amount(value: str) -> Decimal | None:
    try:
        amount = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _day(value: str) -> dt.date | None:
    try:
        return parse_date(value)
    except ValueError:  # well formed, no such day (2026-02-30)
        return None


# A value the page's own inputs cannot send (a typed address) is ignored, as a wrong number.
PARSERS: dict[str, Callable[[str], Any]] = {
    "decimal": _amount,
    "date": _day,
    "currency": lambda raw: raw.strip().upper()[:3] or None,
}


def list_params(query, record_type: str) -> tuple[ListParams, dict, dict]:
    """ListParams, the type's own filters and cf_ filters read from a GET query."""
    page = max(_int(query.get("page")) or 1, 1)
    params = ListParams(
        q=(query.get("q") or "").strip()[:200] or None,
        owner_id=_int(query.get("owner_id")),
        team_id=_int(query.get("team_id")),
        tag=(query.get("tag") or "").strip()[:50] or None,
        created_after=_moment(query.get("created_after")),
        created_before=_moment(query.get("created_before")),
        updated_after=_moment(query.get("updated_after")),
        updated_before=_moment(query.get("updated_before")),
        ordering=query.get("ordering") or "-created_at",
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    type_filters: dict[str, Any] = {}
    for name, kind in SPECS[record_type].filters.items():
        raw = query.get(name)
        if kind == "int":
            type_filters[name] = _int(raw)
        elif kind == "bool":
            type_filters[name] = raw in ("1", "true", "on")
        elif kind in PARSERS:
            type_filters[name] = PARSERS[kind](raw) if raw else None
        else:
            type_filters[name] = raw or None
    custom = {k[3:]: v for k, v in query.items() if k.startswith("cf_") and len(k) > 3 and v}
    return params, type_filters, custom


def query_without(query, *names: str, **replace: Any) -> str:
    """The current query string without some keys and with others replaced (sort, page)."""
    items = [(k, v) for k, v in query.items() if k not in names and k not in replace]
    items += [(k, v) for k, v in replace.items() if v not in (None, "")]
    return urlencode(items)


def add_domain_errors(form: forms.Form, exc: DomainError) -> None:
    """Put each field issue at its field; others at the top of the form."""
    if not exc.errors:
        form.add_error(None, exc.detail)
        return
    for issue in exc.errors:
        name = _form_field(form, issue)
        form.add_error(name, issue.message)


def _form_field(form: forms.Form, issue: FieldIssue) -> str | None:
    name = issue.field
    if name in form.fields:
        return name
    if name.startswith("custom_fields."):
        key = "cf_" + name.split(".", 1)[1]
        if key in form.fields:
            return key
    base = name.split(".")[0]
    return base if base in form.fields else None


def safe_next(request, default: str) -> str:
    """The `next` parameter when it points inside this site, else `default`."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
