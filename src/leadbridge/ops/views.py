"""/healthz (the process answers), /readyz (database and queue reachable), /metrics."""

from __future__ import annotations

import hmac
import logging
import sys

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_tasks_db.models import DBTaskResult

from . import metrics, rq

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """503 until the database answers and the task queue can be read (its table, or Redis
    with TASKS_URL), and the Redis cache answers when there is one (CACHE_URL)."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not ready"; the reason goes to the log
        logger.warning("readyz: database unreachable: %s", exc)
        checks["database"] = "unreachable"
    try:
        if rq.is_rq():
            rq.ping()  # TASKS_URL: the queue is in Redis
        else:
            DBTaskResult.objects.filter(status="READY").exists()
        checks["queue"] = "ok"
    except Exception as exc:
        logger.warning("readyz: task queue unreachable: %s", exc)
        checks["queue"] = "unreachable"
    if getattr(settings, "CACHE_URL", None):
        try:
            cache.get("lb:readyz")
            checks["cache"] = "ok"
        except Exception as exc:
            logger.warning("readyz: cache unreachable: %s", exc)
            checks["cache"] = "unreachable"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503
    )


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, for `Authorization: Bearer $METRICS_TOKEN` only (404 when no
    token is configured, so an unconfigured install does not publish its figures)."""
    expected = settings.METRICS_TOKEN
    if not expected:
        return JsonResponse(
            {"detail": "Metrics are off (set METRICS_TOKEN).", "code": "not_found", "errors": []},
            status=404,
        )
    sent = request.headers.get("Authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {expected}".encode()):
        response = JsonResponse(
            {"detail": "A valid metrics token is required.", "code": "unauthorized", "errors": []},
            status=401,
        )
        response["WWW-Authenticate"] = "Bearer"
        return response
    body, content_type = metrics.render()
    return HttpResponse(body, content_type=content_type)


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` says the database cannot be reached (refused, down, restarting), as
    opposed to a query it refused: PostgreSQL's connection errors carry no SQLSTATE or one
    of class 08 (connection exception) or 57P (shutting down, starting up)."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):  # a DataError (a NUL byte, say) is the app's
        return False
    cause = exc.__cause__
    if cause is None or type(cause).__module__.split(".")[0] not in ("psycopg", "psycopg2"):
        return False
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return state is None or state.startswith(("08", "57P"))


# Paths whose clients read JSON: they get the API's error body, not a page.
JSON_PATHS = ("/api/", "/metrics", "/healthz", "/readyz")


def server_error(request: HttpRequest) -> HttpResponse:
    """urls.handler500: an error no view handled. The database being down is not the app's
    fault and passes: 503 with Retry-After, so that clients and load balancers wait."""
    unavailable = database_unavailable(sys.exc_info()[1])
    status = 503 if unavailable else 500
    if request.path.startswith(JSON_PATHS):
        if unavailable:
            body = {"detail": _("The database cannot be reached now; try again shortly.")}
            body["code"] = "unavailable"
        else:
            body = {"detail": _("Server error; it has been logged."), "code": "server_error"}
        response: HttpResponse = JsonResponse({**body, "errors": []}, status=status)
    else:
        # No request context: the layout reads the signed-in user, from the database.
        template = loader.get_template("503.html" if unavailable else "500.html")
        response = HttpResponse(template.render(), status=status)
    if unavailable:
        response["Retry-After"] = "30"
    return response
