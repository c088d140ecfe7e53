"""Dashboard and global search."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .selectors import ListParams, base_queryset, record_list

SEARCH_TYPES = (
    ("lead", "leads:detail"),
    ("client", "clients:detail"),
    ("contact", "contacts:detail"),
    ("deal", "deals:detail"),
)


def search(request: HttpRequest) -> HttpResponse:
    """One box, every record type the user may see (converted leads included)."""
    q = (request.GET.get("q") or "").strip()[:200]
    groups = []
    if q:
        for record_type, url_name in SEARCH_TYPES:
            filters = {"include_converted": True} if record_type == "lead" else {}
            page, count = record_list(
                actor=request.user,
                record_type=record_type,
                params=ListParams(q=q, limit=20, ordering="-updated_at"),
                type_filters=filters,
                collate=True,
            )
            groups.append((record_type, url_name, list(page), count))
    return render(request, "core/search.html", {"q": q, "groups": groups})


def _bars(rows: list[tuple[str, int]]) -> list[tuple[str, int, int]]:
    top = max((n for _label, n in rows), default=0) or 1
    return [(label, n, round(100 * n / top)) for label, n in rows]


def dashboard(request: HttpRequest) -> HttpResponse:
    leads = base_queryset(request.user, "lead")
    by_status = (
        leads.values("status__name", "status__color")
        .annotate(n=Count("id"))
        .order_by("status__order")
    )
    by_source = leads.values("source__name").annotate(n=Count("id")).order_by("-n")[:12]
    # Lost leads per reason (asked on the board's Lost zone); "—" counts those without one.
    by_lost_reason = (
        leads.filter(status__kind="lost")
        .values("lost_reason__name")
        .annotate(n=Count("id"))
        .order_by("-n", "lost_reason__name")
    )
    since = (timezone.now() - dt.timedelta(days=365)).replace(day=1)
    months = (
        leads.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(created=Count("id"), converted=Count("id", filter=Q(is_converted=True)))
        .order_by("month")
    )
    conversion = [
        (
            m["month"],
            m["created"],
            m["converted"],
            round(100 * m["converted"] / m["created"]) if m["created"] else 0,
        )
        for m in months
    ]
    deals = base_queryset(request.user, "deal")
    by_stage = (
        deals.values("pipeline__name", "stage__name", "stage__order")
        .annotate(n=Count("id"), total=Sum("value"))
        .order_by("pipeline__name", "stage__order")
    )
    return render(
        request,
        "core/dashboard.html",
        {
            "by_status": [
                (row["status__name"], row["n"], pct, row["status__color"])
                for row, (_l, _n, pct) in zip(
                    by_status, _bars([(r["status__name"], r["n"]) for r in by_status]), strict=True
                )
            ],
            "by_source": _bars([(r["source__name"] or "—", r["n"]) for r in by_source]),
            "by_lost_reason": _bars(
                [(r["lost_reason__name"] or "—", r["n"]) for r in by_lost_reason]
            ),
            "conversion": conversion,
            "by_stage": list(by_stage),
            "lead_total": leads.filter(is_converted=False).count(),
            "deal_total": deals.count(),
        },
    )
