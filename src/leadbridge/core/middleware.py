"""Every page needs a login, except the paths that authenticate on their own."""

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .errors import Forbidden, Merged, NotFound
from .selectors import record_get

# The API authenticates every request itself (token or session + CSRF) and answers 401 in
# JSON; static files and the health check carry no data; /metrics checks its own token; /f/ is
# the public web form endpoint (its own spam protection and allowed origins stand in for a login).
OPEN_PREFIXES = (
    "/api/", "/static/", "/healthz", "/readyz", "/metrics", "/login/", "/admin/", "/f/",
)  # fmt: skip


class LoginRequired(LoginRequiredMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(OPEN_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class UserLocale:
    """The signed-in user's own language and time zone, for this request.

    Runs after the session's user is known. LocaleMiddleware has already chosen a language from
    the cookie or Accept-Language (that is what API token clients get); a profile language wins
    over both. The time zone makes `|date` and forms show times as the user's clock reads them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = getattr(user, "language", "")
            if language and language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = language
            zone = getattr(user, "time_zone", "")
            if zone:
                try:
                    timezone.activate(zoneinfo.ZoneInfo(zone))
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    timezone.deactivate()
            else:
                timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


# The card of each record type: which pages are a record's own, and where a merged one leads.
DETAIL_URLS = {
    "lead": "leads:detail",
    "client": "clients:detail",
    "contact": "contacts:detail",
    "deal": "deals:detail",
}
MAX_MERGE_HOPS = 20  # a survivor merged again later: follow the chain, but never forever


class DomainErrorPages:
    """Domain errors a page lets through become the styled error pages, for every view at once.

    `NotFound` (missing, deleted or out of the user's scope: the selectors answer all three
    alike) is the 404 page, `Forbidden` the 403 page. A merged-away record's page (a GET)
    redirects to the survivor with a notice. The API renders its own JSON errors.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None
        if (
            isinstance(exception, Merged)
            and request.method in ("GET", "HEAD")
            and _page_of(request.resolver_match, exception)
        ):
            response = _to_survivor(request, exception)
            if response is not None:
                return response
        if isinstance(exception, NotFound):
            raise Http404(exception.detail) from exception
        if isinstance(exception, Forbidden):
            raise PermissionDenied(exception.detail) from exception
        return None


def _to_survivor(request, exception):
    record_type, pk = exception.record_type, exception.survivor_id
    for _hop in range(MAX_MERGE_HOPS):
        try:
            survivor = record_get(actor=request.user, record_type=record_type, pk=pk)
        except Merged as again:
            pk = again.survivor_id
            continue
        except NotFound:
            return None
        messages.info(
            request, _("This record was merged into %(name)s.") % {"name": survivor.display_name}
        )
        # The same page of the survivor: its card, form or a tab.
        match = request.resolver_match
        try:
            return redirect(reverse(match.view_name, kwargs={**match.kwargs, "pk": pk}))
        except NoReverseMatch:
            return redirect(DETAIL_URLS[record_type], pk)
    return None


def _page_of(match, exception) -> bool:
    """Whether the page asked for is the merged record's own, not one that only reads it
    (that one answers 404 as for any missing record)."""
    if match is None or match.kwargs.get("pk") != exception.pk:
        return False
    if "record_type" in match.kwargs:  # the history and related tabs
        return match.kwargs["record_type"] == exception.record_type
    return match.namespace == DETAIL_URLS[exception.record_type].split(":")[0]
