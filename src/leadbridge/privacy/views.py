"""The readable export (HTML, printable to PDF), the JSON download and the erase button."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from leadbridge.core.errors import DomainError

from . import services
from .places import PLACES

DETAIL_URLS = {"lead": "leads:detail", "contact": "contacts:detail", "client": "clients:detail"}


def _rows(value, prefix: str = "") -> list[tuple[str, str]]:
    """A nested value as (label, text) lines for the readable page."""
    if isinstance(value, dict):
        out: list[tuple[str, str]] = []
        for key, item in value.items():
            out += _rows(item, f"{prefix}{key}." if isinstance(item, dict) else f"{prefix}{key}")
        return out
    if isinstance(value, list):
        return [(prefix.rstrip("."), ", ".join(str(v) for v in value))]
    return [(prefix.rstrip("."), "" if value is None else str(value))]


def _error(request, exc: DomainError):
    return HttpResponse(exc.detail, status=exc.status, content_type="text/plain; charset=utf-8")


def export_page(request, record_type: str, record_id: int):
    try:
        data = services.person_export(
            actor=request.user, record_type=record_type, record_id=record_id
        )
    except DomainError as exc:
        return _error(request, exc)
    if request.GET.get("format") == "json":
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
        )
        name = f"personal-data-{record_type}-{record_id}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    sections = [
        {
            "name": name,
            "description": PLACES[name].description,
            "items": [_rows(item) for item in items] if isinstance(items, list) else [],
        }
        for name, items in data["places"].items()
    ]
    return render(request, "privacy/export.html", {"data": data, "sections": sections})


@require_POST
def erase(request, record_type: str, record_id: int):
    try:
        services.person_erase(actor=request.user, record_type=record_type, record_id=record_id)
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("The person's data was erased everywhere."))
    return redirect(reverse(DETAIL_URLS[record_type], args=[record_id]))
