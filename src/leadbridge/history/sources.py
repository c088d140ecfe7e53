"""Other apps' rows that belong on a record's timeline (registries filled from `apps.ready`, so
`history` imports no domain app).

A document issued on a lead (a quote, a pro-forma) keeps its own history under
`record_type="document"`; its events still belong on the timeline of every record it is linked
to, as an e-mail's do. An app says which of its rows belong to which records (`origins`) and how
its events read (`describe`, in bulk for the whole timeline).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString

# (record type, ids) of the records on a timeline -> (row type, row id) of the rows it shows
Origins = Callable[[str, list[int]], Iterable[tuple[str, int]]]
# the events of that row type on one timeline -> {event id: sentence}
Describe = Callable[[Any, list[Any]], dict[int, SafeString]]


@dataclass(frozen=True)
class TimelineSource:
    record_type: str
    origins: Origins
    describe: Describe


_SOURCES: dict[str, TimelineSource] = {}


def register_timeline_source(source: TimelineSource) -> None:
    _SOURCES[source.record_type] = source


def timeline_sources() -> list[TimelineSource]:
    return list(_SOURCES.values())


def timeline_source(record_type: str) -> TimelineSource | None:
    return _SOURCES.get(record_type)
