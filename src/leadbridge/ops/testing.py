"""Test helpers that switch the task queue and the cache between the database and Redis.

The Redis tests use the machine's Redis on 127.0.0.1:6379 (`.ci/run` starts it), in a database
number of their own per test run, flushed around each test: 12 while DATABASE_URL is SQLite,
13 while it is PostgreSQL (the README's test command runs one after the other), or
LEADBRIDGE_TEST_REDIS_DB. Without a Redis the Redis tests are skipped, except in CI, where
they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import django_rq
import pytest
import redis
from django.core.cache import cache, caches
from django.test import override_settings
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from leadbridge.automation.tests.helpers import run_worker
from leadbridge.ops.rq import Job

REDIS_HOST = os.environ.get("LEADBRIDGE_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("LEADBRIDGE_TEST_REDIS_PORT", "6379"))


def redis_db() -> int:
    chosen = os.environ.get("LEADBRIDGE_TEST_REDIS_DB")
    if chosen:
        return int(chosen)
    return 13 if os.environ.get("DATABASE_URL", "").startswith("postgres") else 12


def redis_url(db: int | None = None) -> str:
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db() if db is None else db}"


def redis_client() -> Any:
    return redis.Redis.from_url(redis_url())


def require_redis() -> Any:
    """A client of the test run's Redis database, flushed; skips (fails in CI) without one."""
    client = redis_client()
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not answering on {redis_url()}: {exc}")
        pytest.skip(f"no Redis on {redis_url()}")
    client.flushdb()
    return client


def rq_settings() -> dict[str, Any]:
    url = redis_url()
    return {
        "TASKS_URL": url,
        "TASKS": {"default": {"BACKEND": "leadbridge.ops.rq.RQBackend", "QUEUES": ["default"]}},
        "RQ_QUEUES": {"default": {"URL": url, "DEFAULT_TIMEOUT": 600}},
    }


def redis_cache_settings() -> dict[str, Any]:
    return {
        "CACHE_URL": redis_url(),
        "CACHES": {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url(),
                "KEY_PREFIX": "leadbridge-test",
            }
        },
        "WEBFORM_RATE_STORE": "cache",
    }


@contextmanager
def task_backend(kind: str) -> Iterator[str]:
    """Run the block with the task queue `kind`: "database" or "rq"."""
    if kind == "database":
        yield kind
        return
    client = require_redis()
    with override_settings(**rq_settings()):
        try:
            yield kind
        finally:
            client.flushdb()


@contextmanager
def cache_backend(kind: str) -> Iterator[str]:
    """Run the block with the cache `kind`: "database" or "redis" (emptied before and after)."""
    if kind == "database":
        cache.clear()
        yield kind
        cache.clear()
        return
    client = require_redis()
    with override_settings(**redis_cache_settings()):
        caches["default"].clear()
        try:
            yield kind
        finally:
            client.flushdb()


def run_tasks(kind: str) -> None:
    """Run every queued task that is due, as `leadbridge worker` would, until none is left."""
    if kind == "database":
        run_worker()
        return
    run_rq_burst()


def run_rq_burst(*, move_scheduled: bool = False) -> None:
    """An RQ worker in this process (a SimpleWorker: the test's database connection and
    settings), in burst mode; `move_scheduled` first moves due `run_after` jobs."""
    queue = django_rq.get_queue("default", job_class=Job)
    if move_scheduled:
        registry = ScheduledJobRegistry(queue=queue)
        for job_id in registry.get_jobs_to_schedule(int(datetime.now(UTC).timestamp())):
            queue.enqueue_job(Job.fetch(job_id, connection=queue.connection))
            registry.remove(job_id)
    worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
    worker.work(burst=True, with_scheduler=False, logging_level="ERROR")
