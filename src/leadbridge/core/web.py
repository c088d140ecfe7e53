"""Helpers the pages share: list parameters from a query string, domain errors onto forms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .errors import DomainError, FieldIssue, field_error
from .selectors import DEFAULT_ORDERING, ListParams, record_suggestions
from .specs import SPECS

PAGE_SIZE = 50
# The sizes a list page offers (`page_size=`); bounded, so a page stays fast at 100k records.
PAGE_SIZES = (25, 50, 100)
MAX_PAGE = 1_000_000  # far past any list; keeps the offset within what databases take
_BIGINT = 2**63  # ids are 64-bit: a longer number names nothing and the database refuses it


def _int(value: str | None) -> int | None:
    """An integer from a query string; anything else (text, out of range) counts as absent."""
    try:
        number = int(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is None or -_BIGINT < number < _BIGINT else None


_CONTROL = dict.fromkeys(range(0x20), " ")  # NUL and the other C0 controls


def query_text(value: str | None, limit: int) -> str | None:
    """A search text from a query string: no control characters (PostgreSQL refuses a NUL
    in a query, and no stored text has one), trimmed, at most `limit` characters."""
    return (value or "").translate(_CONTROL).strip()[:limit] or None


def single_value(data, name: str) -> str:
    """The one value of `name` a form sent; two different ones are refused, never guessed.

    A page that posted a field twice (two controls of one name in one form) would
    otherwise have one of them taken silently, and a change the user did not choose saved.
    """
    values = {v for v in data.getlist(name) if v != ""}
    if len(values) > 1:
        raise field_error(name, _("Choose one value only."), code="ambiguous")
    return values.pop() if values else ""


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
    page = min(max(_int(query.get("page")) or 1, 1), MAX_PAGE)
    size = page_size(query)
    params = ListParams(
        q=query_text(query.get("q"), 200),
        owner_id=_int(query.get("owner_id")),
        team_id=_int(query.get("team_id")),
        tag=query_text(query.get("tag"), 50),
        created_after=_moment(query.get("created_after")),
        created_before=_moment(query.get("created_before")),
        updated_after=_moment(query.get("updated_after")),
        updated_before=_moment(query.get("updated_before")),
        ordering=query.get("ordering") or None,
        limit=size,
        offset=(page - 1) * size,
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
            type_filters[name] = query_text(raw, 255)
    custom = {
        k[3:]: text
        for k, v in query.items()
        if k.startswith("cf_") and len(k) > 3 and (text := query_text(v, 500))
    }
    return params, type_filters, custom


def page_size(query) -> int:
    """The page size the query asks for, when it is one the pages offer."""
    size = _int(query.get("page_size"))
    return size if size in PAGE_SIZES else PAGE_SIZE


def shown_ordering(params: ListParams) -> str:
    """The ordering a list's headers mark: none while a search is ranked by relevance."""
    if params.ordering:
        return params.ordering
    return "" if params.q else DEFAULT_ORDERING


def did_you_mean(
    query, params: ListParams, count: int, *, actor: Any, record_type: str
) -> list[tuple[str, str]]:
    """(name, query string) links for a search that found nothing, the closest names first."""
    if count or not params.q:
        return []
    names = record_suggestions(actor=actor, record_type=record_type, q=params.q)
    return [(name, query_without(query, "page", q=name)) for name in names]


def query_without(query, *names: str, **replace: Any) -> str:
    """The current query string without some keys and with others replaced (sort, page).

    Empty values are left out: a link carries only the filters that filter.
    """
    items = [
        (k, v)
        for k, v in query.items()
        if k not in names and k not in replace and v not in (None, "")
    ]
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
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
