"""The leads Kanban board (F9): one column per status shown on the board, cards in their
manual order, a drag to another column changes the status through the one service.

The page reads in a constant number of queries whatever the number of leads: the statuses,
one grouped count, and at most two index-served queries per column shown. The rest of a
column loads on demand ("more", htmx).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leadbridge.core.errors import DomainError, NotFound
from leadbridge.core.labels import money
from leadbridge.core.search import search_filter
from leadbridge.core.selectors import base_queryset, record_get
from leadbridge.core.web import _int, list_params, query_without
from leadbridge.people.models import Team, User

from . import services
from .models import LeadSource, LeadStatus

PER_COLUMN = 30  # cards a column shows before "More…"
COLOR = re.compile(r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")
DEFAULT_COLOR = "#6b7280"
# What a card shows (`card_html`): loading only these keeps the board's queries light. A field
# added to the card must be added here (or it costs a query per card).
CARD_FIELDS = (
    "id",
    "status_id",
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone",
    "expected_value",
    "currency",
    "board_position",
    "created_at",
    "owner__id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)
# Placed cards first (their manual order), then the never-placed ones newest first.
CARD_ORDER = (F("board_position").asc(nulls_first=True), F("created_at").desc(), F("id").desc())


def column_cards(qs: QuerySet, status_id: int, offset: int, limit: int) -> list:
    """Cards of one column in CARD_ORDER, read through two index-served queries (new leads
    newest first, then the placed ones in their manual order), so a column costs the same
    at 100 leads and at 100,000."""
    column = qs.filter(status_id=status_id)
    new = column.filter(board_position__isnull=True)
    cards = list(new.order_by("-created_at", "-id")[offset : offset + limit])
    if len(cards) < limit:
        new_total = offset + len(cards) if cards or not offset else new.count()
        skip = max(offset + len(cards) - new_total, 0)
        placed = column.filter(board_position__isnull=False).order_by(
            "board_position", "-created_at", "-id"
        )
        cards += list(placed[skip : skip + limit - len(cards)])
    return cards


def card_html(lead: Any) -> SafeString:
    """One board card. Built in Python rather than a template: the board shows up to
    30 cards a column, and the template engine's per-card cost dominated the page."""
    person = " ".join(p for p in (lead.first_name, lead.last_name) if p)
    meta = []
    if person and lead.company_name:
        meta.append(format_html('<span class="company">{}</span>', lead.company_name))
    if lead.expected_value is not None:
        meta.append(
            format_html('<span class="value">{}</span>', money(lead.expected_value, lead.currency))
        )
    if lead.owner_id:
        meta.append(
            format_html(
                '<span class="owner" title="{}">{}</span>', _("Owner"), lead.owner.display_name
            )
        )
    return format_html(
        '<article class="kcard" data-card="{0}" data-testid="card-{0}">'
        '<a href="{1}">{2}</a><div class="meta">{3}</div></article>',
        lead.pk,
        reverse("leads:detail", args=[lead.pk]),
        person or lead.display_name,
        mark_safe("".join(meta)),  # noqa: S308 - each part escaped by format_html above
    )


def board_queryset(request: HttpRequest) -> QuerySet:
    """Visible leads filtered like the list (search, owner, team, source, tag, dates)."""
    params, type_filters, _custom = list_params(request.GET, "lead")
    qs = search_filter(base_queryset(request.user, "lead"), params.q)
    for name in ("owner_id", "team_id"):
        value = getattr(params, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    if params.tag:
        qs = qs.filter(tags_index__contains=f"|{params.tag.strip().lower()}|")
    if params.created_after is not None:
        qs = qs.filter(created_at__gte=params.created_after)
    if params.created_before is not None:
        qs = qs.filter(created_at__lt=params.created_before)
    if type_filters.get("source_id") is not None:
        qs = qs.filter(source_id=type_filters["source_id"])
    if not type_filters.get("include_converted"):
        qs = qs.filter(is_converted=False)
    return qs.select_related("owner").only(*CARD_FIELDS)


def _color(status: LeadStatus) -> str:
    return status.color if COLOR.match(status.color or "") else DEFAULT_COLOR


def _more_link(request: HttpRequest, status: LeadStatus, offset: int) -> str:
    """A link to the rest of a column: htmx loads the next cards in place; without
    JavaScript it opens the list filtered by the status."""
    fallback = (
        reverse("leads:list")
        + "?"
        + query_without(request.GET, "column", "offset", status_id=status.pk)
    )
    more = (
        reverse("leads:board")
        + "?"
        + query_without(request.GET, "column", "offset", column=status.pk, offset=offset)
    )
    return format_html(
        '<a class="btn more" href="{}" hx-get="{}" hx-swap="outerHTML" '
        'data-testid="more-{}">{}</a>',
        fallback,
        more,
        status.pk,
        _("More…"),
    )


@require_GET
def board(request: HttpRequest) -> HttpResponse:
    statuses = list(LeadStatus.objects.filter(on_board=True).order_by("order", "id"))
    qs = board_queryset(request)
    column_id = _int(request.GET.get("column"))
    if column_id is not None and request.htmx:
        return _column_page(request, qs, statuses, column_id)
    ids = [s.pk for s in statuses]
    counts = dict(
        qs.filter(status_id__in=ids)
        .order_by()
        .values("status_id")
        .annotate(n=Count("*"))  # COUNT(*), not COUNT(id): served by the partial index alone
        .values_list("status_id", "n")
    )
    cards = {pk: column_cards(qs, pk, 0, PER_COLUMN) for pk in ids}
    columns = []
    for status in statuses:
        total = counts.get(status.pk, 0)
        more = _more_link(request, status, PER_COLUMN) if total > PER_COLUMN else ""
        columns.append(
            {
                "status": status,
                "color": _color(status),
                "cards": mark_safe("".join(card_html(c) for c in cards[status.pk])),  # noqa: S308
                "total": total,
                "more": more,
            }
        )
    context: dict[str, Any] = {
        "columns": columns,
        "filters": request.GET,
        "users": list(User.objects.filter(is_active=True, is_system=False)),
        "teams": list(Team.objects.all()),
        "sources": list(LeadSource.objects.all()),
        "list_query": query_without(request.GET, "column", "offset"),
    }
    return render(request, "leads/board.html", context)


def _column_page(
    request: HttpRequest, qs: QuerySet, statuses: list[LeadStatus], column_id: int
) -> HttpResponse:
    """The next cards of one column (htmx "more"), followed by the next "more" link."""
    status = next((s for s in statuses if s.pk == column_id), None)
    if status is None:
        raise Http404
    offset = max(_int(request.GET.get("offset")) or 0, 0)
    page = column_cards(qs, status.pk, offset, PER_COLUMN + 1)
    html = "".join(card_html(lead) for lead in page[:PER_COLUMN])
    if len(page) > PER_COLUMN:
        html += _more_link(request, status, offset + PER_COLUMN)
    return HttpResponse(html)


def _order(raw: str) -> list[int]:
    return [int(part) for part in (raw or "").split(",") if part.strip().isdigit()][:1000]


@require_POST
def board_move(request: HttpRequest) -> HttpResponse:
    """A card dropped: change the status (when the column differs) through the one service,
    so automations and conversion on status run, and keep the column's order."""
    try:
        lead_id, status_id = int(request.POST["id"]), int(request.POST["column"])
    except (KeyError, ValueError):
        return _text(_("Bad request."), 400)
    order = _order(request.POST.get("order", ""))
    try:
        with transaction.atomic():
            services.lead_change_status(actor=request.user, lead_id=lead_id, status_id=status_id)
            if order:
                services.lead_board_reorder(
                    actor=request.user, status_id=status_id, ordered_ids=order
                )
    except DomainError as exc:
        if exc.code == "plan_required":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = (
                reverse("leads:convert", args=[lead_id]) + f"?status_id={status_id}"
            )
            return response
        detail = exc.errors[0].message if exc.errors else exc.detail
        if exc.code == "lead_converted":
            detail = exc.detail
        return _text(detail, exc.status)
    try:
        lead = record_get(actor=request.user, record_type="lead", pk=lead_id)
    except NotFound:
        return HttpResponse(status=204)
    return HttpResponse(card_html(lead))


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
