"""/healthz (the process answers), /readyz (database and queue reachable), /metrics."""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from . import metrics

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """503 until the database answers and the task queue's table can be read."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not ready"; the reason goes to the log
        logger.warning("readyz: database unreachable: %s", exc)
        checks["database"] = "unreachable"
    try:
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(status="READY").exists()
        checks["queue"] = "ok"
    except Exception as exc:
        logger.warning("readyz: task queue unreachable: %s", exc)
        checks["queue"] = "unreachable"
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
