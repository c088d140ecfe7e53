"""What the timeline learns from the apps above it, registered in their `AppConfig.ready()`:
history sits below every domain app and imports none of their models.

- origins: records whose past belongs to a record's timeline (the leads converted into a
  client: the leads app);
- activity titles: the type and subject of the activities an event refers to by id (the
  activities app).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

# (record type, ids of that type) -> [(type, id, relation)]
Origins = Callable[[str, list[int]], list[tuple[str, int, str]]]
# activity ids -> {id: (type, subject)}
Titles = Callable[[Collection[int]], dict[int, tuple[str, str]]]

_origins: dict[str, Origins] = {}
_titles: dict[str, Titles] = {}


def register_origins(key: str, find: Origins) -> None:
    _origins[key] = find


def register_activity_titles(load: Titles) -> None:
    _titles["activities"] = load


def origins(record_type: str, ids: list[int]) -> list[tuple[str, int, str]]:
    return [origin for find in _origins.values() for origin in find(record_type, ids)]


def activity_titles(ids: Collection[int]) -> dict[int, tuple[str, str]]:
    load = _titles.get("activities")
    return load(ids) if load is not None and ids else {}
