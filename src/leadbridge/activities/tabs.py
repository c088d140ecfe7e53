"""Tabs other apps add to the related-records panel of a card (e.g. "Quotes & invoices").

A registry filled from the other app's `AppConfig.ready`, so this domain app never imports
the apps that plug into it (the layers run one way). Each tab gives the record types it shows
on, the template included in the panel, and a function building its context for one record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ExtraTab:
    key: str
    label: Any  # a lazy translation
    record_types: tuple[str, ...]
    template: str
    context: Callable[..., dict]  # (request, record_type, record) -> extra context


_TABS: dict[str, ExtraTab] = {}


def register_tab(tab: ExtraTab) -> None:
    _TABS[tab.key] = tab


def extra_tabs(record_type: str) -> list[ExtraTab]:
    return [tab for tab in _TABS.values() if record_type in tab.record_types]


def extra_tab(key: str, record_type: str) -> ExtraTab | None:
    tab = _TABS.get(key)
    return tab if tab is not None and record_type in tab.record_types else None
