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
from django.db.models import Count, F, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leadbridge.core.errors import DomainError
from leadbridge.core.labels import money
from leadbridge.core.selectors import filtered_queryset, record_get
from leadbridge.core.web import _int, list_params, query_without
from leadbridge.people.models import Team
from leadbridge.people.selectors import assignable_users

from . import services
from .models import Lead, LeadSource, LeadStatus, LostReason
from .presentation import next_activity_html

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
    "next_activity_at",
    "next_activity_subject",
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


def card_html(lead: Any, now: Any = None) -> SafeString:
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
        '<a href="{1}">{2}</a><div class="meta">{3}</div><div class="next">{4}</div></article>',
        lead.pk,
        reverse("leads:detail", args=[lead.pk]),
        person or lead.display_name,
        mark_safe("".join(meta)),  # noqa: S308 - each part escaped by format_html above
        next_activity_html(lead, now),
    )


def column_totals(qs: QuerySet, status_ids: list[int]) -> dict[int, tuple[int, list[str]]]:
    """Per status: the number of leads and the sum of their values per currency (never one
    number for different currencies). One grouped query, which the partial index
    `lead_live_status_value` answers alone."""
    out: dict[int, tuple[int, list[str]]] = {pk: (0, []) for pk in status_ids}
    rows = (
        qs.filter(status_id__in=status_ids)
        .order_by()
        .values("status_id", "currency")
        .annotate(n=Count("*"), total=Sum("expected_value"))
        .order_by("status_id", "currency")
    )
    for row in rows:
        n, sums = out[row["status_id"]]
        if row["total"] is not None:
            sums = [*sums, money(row["total"], row["currency"])]
        out[row["status_id"]] = (n + row["n"], sums)
    return out


def column_head_html(status: LeadStatus, total: int, sums: list[str]) -> SafeString:
    """A column's header: name, count and value totals (also sent after a drag)."""
    return format_html(
        '<span id="column-{0}">{1}</span>'
        '<span class="count muted" title="{2}" data-testid="count-{0}">{3}</span>'
        '<span class="totals" data-testid="totals-{0}">{4}</span>',
        status.pk,
        status.name,
        _("Leads in this column"),
        total,
        mark_safe(  # noqa: S308 - each total escaped by format_html
            "".join(format_html('<span class="sum">{}</span>', s) for s in sums)
        ),
    )


def board_queryset(request: HttpRequest) -> QuerySet:
    """Visible leads filtered as the list filters them (`core.selectors.filtered_queryset`:
    search, owner, team, source, tag, dates, custom fields), but for the status: the
    columns are the statuses. A filter the list refuses (an unknown custom field, a value
    of the wrong type) raises `DomainError`, as on the list."""
    params, type_filters, custom = list_params(request.GET, "lead")
    type_filters.pop("status_id", None)
    qs = filtered_queryset(
        actor=request.user,
        record_type="lead",
        params=params,
        type_filters=type_filters,
        custom_filters=custom,
    )
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
    error = None
    try:
        qs = board_queryset(request)
    except DomainError as exc:  # a refused filter: said above empty columns, as on the list
        qs, error = Lead.objects.none(), exc.errors[0].message if exc.errors else exc.detail
    column_id = _int(request.GET.get("column"))
    if column_id is not None and request.htmx:
        return _column_page(request, qs, statuses, column_id)
    ids = [s.pk for s in statuses]
    totals = column_totals(qs, ids)
    cards = {pk: column_cards(qs, pk, 0, PER_COLUMN) for pk in ids}
    now = timezone.now()
    columns = []
    for status in statuses:
        total, sums = totals[status.pk]
        more = _more_link(request, status, PER_COLUMN) if total > PER_COLUMN else ""
        columns.append(
            {
                "status": status,
                "color": _color(status),
                "head": column_head_html(status, total, sums),
                "cards": mark_safe(  # noqa: S308 - card_html escapes
                    "".join(card_html(c, now) for c in cards[status.pk])
                ),
                "more": more,
            }
        )
    context: dict[str, Any] = {
        "columns": columns,
        "error": error,
        "filters": request.GET,
        "users": list(assignable_users()),
        "teams": list(Team.objects.all()),
        "sources": list(LeadSource.objects.all()),
        "list_query": query_without(request.GET, "column", "offset"),
        "lost_status": services.lost_status(),
        "lost_reasons": list(LostReason.objects.filter(active=True)),
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
    now = timezone.now()
    html = "".join(card_html(lead, now) for lead in page[:PER_COLUMN])
    if len(page) > PER_COLUMN:
        html += _more_link(request, status, offset + PER_COLUMN)
    return HttpResponse(html)


def _order(raw: str) -> list[int]:
    return [int(part) for part in (raw or "").split(",") if part.strip().isdigit()][:1000]


@require_POST
def board_move(request: HttpRequest) -> HttpResponse:
    """A card dropped: change the status (when the column differs) through the one service,
    so automations and conversion on status run, and keep the column's order. Answers the
    card and the headers of the columns it left and entered (counts and totals)."""
    try:
        lead_id, status_id = int(request.POST["id"]), int(request.POST["column"])
    except (KeyError, ValueError):
        return _text(_("Bad request."), 400)
    order = _order(request.POST.get("order", ""))
    return _move(request, lead_id, status_id, order=order)


@require_POST
def board_lost(request: HttpRequest) -> HttpResponse:
    """A card dropped on the Lost zone, with the reason the user chose: the first status of
    kind lost and the reason, through the one status-change service."""
    lead_id = _int(request.POST.get("id"))
    # A column of a lost status (when one is on the board), else the first lost status; the
    # service refuses a reason with a status of another kind.
    column = _int(request.POST.get("column"))
    status = LeadStatus.objects.filter(pk=column).first() if column else services.lost_status()
    if lead_id is None:
        return _text(_("Bad request."), 400)
    if status is None:
        return _text(_("There is no status of kind lost; an administrator can add one."), 409)
    if not request.POST.get("lost_reason_id"):
        return _text(_("Choose why the lead was lost."), 400)
    return _move(request, lead_id, status.pk, lost_reason_id=request.POST.get("lost_reason_id"))


def _move(
    request: HttpRequest,
    lead_id: int,
    status_id: int,
    *,
    order: list[int] | None = None,
    lost_reason_id: Any = None,
) -> HttpResponse:
    try:
        with transaction.atomic():
            before = record_get(actor=request.user, record_type="lead", pk=lead_id).status_id
            services.lead_change_status(
                actor=request.user,
                pk=lead_id,
                status_id=status_id,
                lost_reason_id=lost_reason_id,
            )
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
    statuses = {
        s.pk: s for s in LeadStatus.objects.filter(on_board=True, pk__in={before, status_id})
    }
    try:
        shown = board_queryset(request)
    except DomainError:  # the page showed this refused filter's message already
        shown = Lead.objects.none()
    totals = column_totals(shown, list(statuses))
    heads = {str(pk): column_head_html(status, *totals[pk]) for pk, status in statuses.items()}
    try:
        lead = shown.get(pk=lead_id)
    except Lead.DoesNotExist:  # converted or filtered out by the move: no card to show
        card = ""
    else:
        card = card_html(lead) if lead.status_id in statuses else ""
    return JsonResponse({"card": card, "column": status_id, "heads": heads})


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
