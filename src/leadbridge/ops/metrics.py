"""Prometheus metrics: request counts and latency per process, queue figures from the database.

Under gunicorn every worker process counts its own requests; `leadbridge serve` points
PROMETHEUS_MULTIPROC_DIR at a directory they share, and a scrape sums them, whichever
worker answers it. The queue figures are read from the task table at scrape time.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from . import rq

REQUESTS = Counter("leadbridge_http_requests_total", "HTTP requests answered", ["method", "status"])
LATENCY = Histogram(
    "leadbridge_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


LOGINS = Counter(
    "leadbridge_logins_total",
    "Login attempts by outcome (ok, failed, throttled, code_failed)",
    ["outcome"],
)
API_THROTTLED = Counter("leadbridge_api_throttled_total", "API requests refused with 429")


def observe(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


class QueueCollector:
    """Figures of the database task queue; imports and webhooks are told apart by task path."""

    def collect(self):

        if rq.is_rq():  # TASKS_URL: the same figures from RQ's queue and registries
            f = rq.figures()
            ready, running, failed = f["ready"], f["running"], f["failed"]
            imports_running, webhook_failures = f["imports_running"], f["webhook_failures"]
        else:
            ready, running, failed, imports_running, webhook_failures = self._database()
        for name, doc, value in (
            ("leadbridge_task_queue_depth", "Tasks waiting in the queue", ready),
            ("leadbridge_tasks_running", "Tasks being run by a worker", running),
            ("leadbridge_tasks_failed", "Tasks that failed (kept in the queue table)", failed),
            ("leadbridge_imports_running", "Import tasks being run", imports_running),
            ("leadbridge_webhook_failures", "Webhook deliveries that failed", webhook_failures),
        ):
            gauge = GaugeMetricFamily(name, doc)
            gauge.add_metric([], value)
            yield gauge

    @staticmethod
    def _database() -> tuple[int, int, int, int, int]:
        from django_tasks_db.models import DBTaskResult  # model: settings_test imports this file

        rows = DBTaskResult.objects.values_list("status", "task_path")
        ready = running = failed = imports_running = webhook_failures = 0
        for status, path in rows.filter(status__in=["READY", "RUNNING", "FAILED"]).iterator():
            if status == "READY":
                ready += 1
            elif status == "RUNNING":
                running += 1
                imports_running += ".imports." in path
            else:
                failed += 1
                webhook_failures += ".webhooks." in path
        return ready, running, failed, imports_running, webhook_failures


def render() -> tuple[bytes, str]:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, LATENCY, LOGINS, API_THROTTLED):
            registry.register(collector)
    registry.register(QueueCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST
