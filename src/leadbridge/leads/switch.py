"""The lead pages while the "Use leads" setting is off (core.runtime_settings).

They answer a 404 page that says why, with a link to the deals, rather than a redirect: a
lead's address (a bookmark, a notification, a link in an e-mail) names a record that is
now hidden, and sending the user to another page would look as if the link were broken
or the lead gone. A 404 also keeps htmx and scripted callers from taking a redirect's
page for the answer they asked for. Nothing is deleted: the pages are back when the
setting is on again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from leadbridge.core.runtime_settings import leads_enabled


def leads_on(request: HttpRequest) -> bool:
    """The setting, read once per request (the menu and the page both ask)."""
    cached = getattr(request, "_leads_enabled", None)
    if cached is None:
        cached = leads_enabled()
        request._leads_enabled = cached  # type: ignore[attr-defined]
    return cached


def leads_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not leads_on(request):
            return render(request, "leads/disabled.html", status=404)
        return view(request, *args, **kwargs)

    return wrapped
