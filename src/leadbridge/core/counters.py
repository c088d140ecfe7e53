"""Counters in the shared cache for rate limits and throttles (one place that counts).

`count(key, timeout)` adds one and answers the new value. In Redis (CACHE_URL) that is one
atomic MULTI: INCR, then EXPIRE NX, so two app nodes hitting the same key at once both count,
and a counter always expires (Django's own `incr` checks that the key exists and then
increments it in a second command: a key that expires in between comes back without an
expiry). In the database cache it is `incr` or else `add`, a read and a write: concurrent
requests can overshoot a limit by a few there, but every process still counts in one store.

`first(key, value, timeout)` stores a value only when the key is missing (SET NX / `add`) and
answers the value that is stored, whoever stored it: the start of a lockout window.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache


def default_store() -> Any:
    """The default cache itself (not the `cache` proxy, which hides its class)."""
    return caches[DEFAULT_CACHE_ALIAS]


def _redis(cache_obj: Any) -> Any | None:
    """The raw client of Django's Redis cache, None for any other cache."""
    if isinstance(cache_obj, RedisCache):
        return cache_obj._cache
    return None


def count(key: str, timeout: int, *, using: Any = None) -> int:
    """Add one to `key` (created at 1, expiring after `timeout` s); the new value."""
    store = using if using is not None else default_store()
    redis_cache = _redis(store)
    timeout = max(1, int(timeout))
    if redis_cache is not None:
        full_key = store.make_and_validate_key(key)
        client = redis_cache.get_client(full_key, write=True)
        with client.pipeline(transaction=True) as pipe:
            pipe.incr(full_key)
            pipe.expire(full_key, timeout, nx=True)
            value, _ = pipe.execute()
        return int(value)
    try:
        return int(store.incr(key))  # the common case: the window's counter exists
    except ValueError:
        return 1 if store.add(key, 1, timeout=timeout) else int(store.incr(key))


def first(key: str, value: Any, timeout: int, *, using: Any = None) -> Any:
    """Store `value` unless `key` holds one; answer the stored value."""
    store = using if using is not None else default_store()
    if store.add(key, value, timeout=max(1, int(timeout))):
        return value
    stored = store.get(key)
    return value if stored is None else stored


def uses_database(cache_obj: Any = None) -> bool:
    """Whether the cache is the database cache (its writes join the current transaction)."""
    return isinstance(cache_obj if cache_obj is not None else default_store(), DatabaseCache)
