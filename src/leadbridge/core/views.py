"""Dashboard and global search."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from leadbridge.leads.switch import leads_on

from . import labels
from .selectors import ListParams, base_queryset, record_list, record_suggestions
from .web import query_text, query_without

SEARCH_TYPES = (
    ("lead", "leads:detail"),
    ("client", "clients:detail"),
    ("contact", "contacts:detail"),
    ("deal", "deals:detail"),
)


def search(request: HttpRequest) -> HttpResponse:
    """One box, every record type the user may see (converted leads included), each group
    ranked by relevance; when nothing matches, the closest names of any type are offered."""

    q = query_text(request.GET.get("q"), 200) or ""
    groups = []
    # With "Use leads" off the lead cards are hidden: no lead group to link to them.
    types = [t for t in SEARCH_TYPES if t[0] != "lead" or leads_on(request)]
    if q:
        for record_type, url_name in types:
            filters = {"include_converted": True} if record_type == "lead" else {}
            page, count = record_list(
                actor=request.user,
                record_type=record_type,
                params=ListParams(q=q, limit=20),
                type_filters=filters,
            )
            groups.append((record_type, url_name, list(page), count))
    names: list[str] = []
    if q and not any(count for *_rest, count in groups):
        for record_type, _url_name in types:
            found = record_suggestions(actor=request.user, record_type=record_type, q=q)
            names += [name for name in found if name not in names]
    did_you_mean = [(name, query_without(request.GET, q=name)) for name in names[:3]]
    return render(
        request, "core/search.html", {"q": q, "groups": groups, "did_you_mean": did_you_mean}
    )


def _bars(rows: list[tuple[str, int]]) -> list[tuple[str, int, int]]:
    top = max((n for _label, n in rows), default=0) or 1
    return [(label, n, round(100 * n / top)) for label, n in rows]


def _stage_totals(deals) -> list[dict]:
    """Deals per pipeline stage with one total per currency: amounts of different currencies
    are never added up ("396 000 CZK + 1 517 000 EUR", not "1 913 000")."""
    rows = (
        deals.values("pipeline__name", "stage_id", "stage__name", "stage__order", "currency")
        .annotate(n=Count("id"), total=Sum("value"))
        .order_by("pipeline__name", "stage__order", "stage_id", "currency")
    )
    stages: dict[tuple, dict] = {}
    for row in rows:
        key = (row["pipeline__name"], row["stage_id"])
        stage = stages.setdefault(
            key,
            {"pipeline": row["pipeline__name"], "stage": row["stage__name"], "n": 0, "totals": []},
        )
        stage["n"] += row["n"]
        if row["total"] is not None:
            stage["totals"].append(labels.money(row["total"], row["currency"] or ""))
    return list(stages.values())


def dashboard(request: HttpRequest) -> HttpResponse:

    deals = base_queryset(request.user, "deal")
    context: dict = {
        "by_stage": _stage_totals(deals),
        "deal_total": deals.count(),
        # With "Use leads" off the lead widgets are left out (and their queries not run).
        "show_leads": leads_on(request),
    }
    if context["show_leads"]:
        context.update(_lead_widgets(base_queryset(request.user, "lead")))
    return render(request, "core/dashboard.html", context)


def _lead_widgets(leads: QuerySet) -> dict:
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
    return {
        "by_status": [
            (row["status__name"], row["n"], pct, row["status__color"])
            for row, (_l, _n, pct) in zip(
                by_status, _bars([(r["status__name"], r["n"]) for r in by_status]), strict=True
            )
        ],
        "by_source": _bars([(r["source__name"] or "—", r["n"]) for r in by_source]),
        "by_lost_reason": _bars([(r["lost_reason__name"] or "—", r["n"]) for r in by_lost_reason]),
        "conversion": conversion,
        "lead_total": leads.filter(is_converted=False).count(),
    }


# The error pages (urls.handler404 / handler403): inside the layout, with the navigation.
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # The exception's text is not shown: for an unknown URL it lists the URL patterns.
    return render(request, "404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    # A refusal's own words ("Only administrators may do this.") say what was refused.
    return render(request, "403.html", {"detail": str(exception or "")}, status=403)
