"""The timeline partial shown on every record card."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from leadbridge.core.registry import is_record_type
from leadbridge.core.selectors import record_get

from .selectors import history_for
from .timeline import timeline_entries


def timeline(request: HttpRequest, record_type: str, pk: int) -> HttpResponse:
    if not is_record_type(record_type):
        raise Http404
    record_get(actor=request.user, record_type=record_type, pk=pk)
    entries = timeline_entries(request.user, list(reversed(history_for(record_type, pk))))
    return render(
        request,
        "history/_timeline.html",
        {"entries": entries, "record_type": record_type, "pk": pk},
    )
