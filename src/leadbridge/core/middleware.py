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
