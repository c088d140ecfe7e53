"""A per-process cache of the small settings tables every record create and web form
submission reads (lead statuses and sources, custom-field definitions, required fields,
assignment rules, task templates, webhook subscriptions, system actors).

Each entry is kept with the settings generation it was loaded under (a one-row table changed
by database triggers on those tables: `automation.ConfigGeneration`, which the automation app
registers here with `use_generation` in its `ready()`; core imports no app above it), and is used
only while the database still shows that generation. So a change made by any process, by
any path (a service, the admin, a bulk update, raw SQL), is seen by the next read in every
process, and a change rolled back never leaves its rows in the cache.

Reading the generation is one indexed query; it replaces several. `pinned(gen)` lets a
caller that already read the generation (the web form endpoint reads it with the form)
use it for every lookup of its request instead of reading it again. Loaded values are
shared between requests: callers must not change them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from django.db import connection
from django.db.models import BigIntegerField, QuerySet, Subquery, Value

T = TypeVar("T")

_store: dict[str, tuple[int, Any]] = {}
_local = threading.local()
_UNSET = object()
_source: dict[str, Any] = {}  # "model": the one-row generation table


def use_generation(model: Any) -> None:
    """Read the generation from `model` (its row pk=1, column `value`)."""
    _source["model"] = model


def _row() -> QuerySet:
    return _source["model"].objects.filter(pk=1)


def generation_subquery() -> Subquery | Value:
    """The generation as a subquery, to read it along with another query."""
    if "model" not in _source:
        return Value(None, output_field=BigIntegerField())
    return Subquery(_row().values("value")[:1])


def generation() -> int | None:
    """The current generation; None when the database keeps none (then nothing is cached)."""
    pinned_gen = getattr(_local, "gen", _UNSET)
    if pinned_gen is not _UNSET:
        return cast(int | None, pinned_gen)
    if "model" not in _source:
        return None
    return _row().values_list("value", flat=True).first()


@contextmanager
def pinned(gen: int | None) -> Iterator[None]:
    """Use `gen` (read by the caller at the start of its work) for every lookup inside.

    Only for work that does not itself change the cached tables: what it loads is stored
    under `gen`, the generation from before its own transaction."""
    previous = getattr(_local, "gen", _UNSET)
    _local.gen = gen
    try:
        yield
    finally:
        if previous is _UNSET:
            del _local.gen
        else:
            _local.gen = previous


def cached(name: str, load: Callable[[], T]) -> T:
    """The value `load()` gives under the current generation, loaded at most once per
    generation and process."""
    gen = generation()
    if gen is None:
        return load()
    hit = _store.get(name)
    if hit is not None and hit[0] == gen:
        return hit[1]
    # Read after the generation: rows changed in between are newer than `gen`, never older.
    value = load()
    if not connection.in_atomic_block or not _changed_here():
        _store[name] = (gen, value)
    return value


def _changed_here() -> bool:
    """Whether this transaction changed the generation it was pinned to (its own writes
    would be loaded, and may yet roll back)."""
    pinned_gen = getattr(_local, "gen", _UNSET)
    if pinned_gen is _UNSET:
        return False  # read inside this transaction: a rollback takes the generation away
    now = _row().values_list("value", flat=True).first() if "model" in _source else None
    return now != pinned_gen


def clear() -> None:
    _store.clear()
