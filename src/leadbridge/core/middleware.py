"""Every page needs a login, except the paths that authenticate on their own."""

from django.contrib.auth.middleware import LoginRequiredMiddleware

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
        import zoneinfo

        from django.conf import settings
        from django.utils import timezone, translation

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
