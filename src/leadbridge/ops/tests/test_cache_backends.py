"""Rate limits and throttles count per cluster: in the shared cache, the database's or Redis'
(CACHE_URL), and in Redis atomically, so two app nodes hitting one limit at once both count.

A "node" here is a cache client of its own (its own connection pool), as each app node has.
"""

from __future__ import annotations

import threading

import pytest

from leadbridge.core import counters
from leadbridge.ops.testing import cache_backend, redis_url
from leadbridge.security import throttle
from leadbridge.webforms import spam

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["database", "redis"])
def shared_cache(request):
    with cache_backend(request.param) as kind:
        yield kind


def _nodes(kind: str, count: int = 2) -> list:
    """`count` independent cache clients of the same store, one per app node."""
    if kind == "redis":
        from django.core.cache.backends.redis import RedisCache

        return [RedisCache(redis_url(), {"KEY_PREFIX": "leadbridge-test"}) for _ in range(count)]
    from django.core.cache.backends.db import DatabaseCache

    return [DatabaseCache("leadbridge_cache", {}) for _ in range(count)]


def test_two_nodes_share_one_counter(shared_cache):
    one, two = _nodes(shared_cache)
    seen = [counters.count("lb:test:shared", 60, using=node) for node in (one, two, two, one, two)]
    assert seen == [1, 2, 3, 4, 5]
    assert one.get("lb:test:shared") == two.get("lb:test:shared") == 5


def test_a_lockout_window_opens_once_whichever_node_is_first(shared_cache):
    one, two = _nodes(shared_cache)
    assert counters.first("lb:test:start", 1000, 60, using=one) == 1000
    assert counters.first("lb:test:start", 2000, 60, using=two) == 1000


def test_redis_counts_exactly_under_concurrency_from_two_nodes():
    """Eight threads on two clients, 50 hits each: every hit is counted and every count is
    seen once (no two requests get the same number, as a read-then-write would give)."""
    with cache_backend("redis"):
        nodes = _nodes("redis")
        seen: list[int] = []
        lock = threading.Lock()

        def hammer(node):
            mine = [counters.count("lb:test:race", 60, using=node) for _ in range(50)]
            with lock:
                seen.extend(mine)

        threads = [threading.Thread(target=hammer, args=(nodes[i % 2],)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(seen) == list(range(1, 401))


def test_a_redis_counter_always_expires():
    """Even a counter left without an expiry (Django's own incr can leave one when the key
    expires between its check and its increment) gets one at the next hit."""
    with cache_backend("redis"):
        from django.core.cache import cache

        from leadbridge.ops.testing import redis_client

        key = cache.make_and_validate_key("lb:test:ttl")
        client = redis_client()
        client.set(key, 7)  # no expiry
        assert counters.count("lb:test:ttl", 30) == 8
        assert 0 < client.ttl(key) <= 30
        assert counters.count("lb:test:fresh", 30) == 1
        assert 0 < client.ttl(cache.make_and_validate_key("lb:test:fresh")) <= 30


def test_api_rate_limit_counts_across_nodes(shared_cache, monkeypatch):
    one, two = _nodes(shared_cache)
    results = []
    for node in (one, two, one, two):
        monkeypatch.setattr(throttle, "cache", node)
        monkeypatch.setattr(counters, "default_store", lambda node=node: node)
        results.append(throttle.hit("token:7", 3, 60))
    assert [count for count, _wait in results] == [1, 2, 3, 4]
    assert [bool(wait) for _count, wait in results] == [False, False, False, True]


def test_login_lockout_counts_across_nodes(shared_cache, monkeypatch, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    one, two = _nodes(shared_cache)

    def on(node):
        monkeypatch.setattr(throttle, "cache", node)
        monkeypatch.setattr(counters, "default_store", lambda node=node: node)

    for node in (one, two, one):
        on(node)
        assert throttle.login_wait("eva", "10.0.0.1") == 0
        throttle.login_failed("eva", "10.0.0.1")
    on(two)
    wait = throttle.login_wait("eva", "10.0.0.1")
    assert 0 < wait <= settings.LOGIN_LOCKOUT_MINUTES * 60
    on(one)
    assert throttle.login_wait("eva", "10.0.0.1") in (wait, wait - 1)
    throttle.login_succeeded("eva")
    on(two)
    assert throttle.login_wait("eva", "10.0.0.1") == 0


def test_web_form_rate_limit_counts_across_nodes(shared_cache, monkeypatch, settings):
    settings.WEBFORM_RATE_STORE = "cache"
    settings.WEBFORM_RATE_PER_IP = 2
    settings.WEBFORM_RATE_PER_FORM = 100
    one, two = _nodes(shared_cache)
    answers = []
    for node in (one, two, one):
        monkeypatch.setattr(counters, "default_store", lambda node=node: node)
        answers.append(spam.rate_limited("form-key", "192.0.2.1"))
    assert answers[:2] == [None, None] and answers[2] is not None and answers[2] > 0
