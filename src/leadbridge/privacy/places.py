"""The registry of places where personal data is kept.

Erasure is the one deliberate exception to "nothing is ever lost", so it must reach every
copy. Each app that keeps personal data registers a place: a function that exports what it
holds about a subject and one that erases it. The privacy services run them all, so a new
feature that stores personal data is covered by registering its place (docs/data.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django_stubs_ext import StrOrPromise

ERASED = "[erased]"


@dataclass
class Subject:
    """A person and what identifies them.

    `records` are the rows that are this person (a lead and the contact or person-client it
    was converted into); `related` are rows about them that are kept with the person's
    identifiers removed (deals, the company client); `identifiers` are the names, e-mails and
    phones to remove wherever they were copied.
    """

    records: list[tuple[str, int]]
    related: list[tuple[str, int]] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)

    def ids(self, record_type: str, *, related: bool = False) -> list[int]:
        pairs = self.records + (self.related if related else [])
        return [pk for kind, pk in pairs if kind == record_type]

    def all_pairs(self) -> list[tuple[str, int]]:
        return self.records + self.related


class Scrubber:
    """Replaces the subject's identifiers, as whole words and in any case, in nested values."""

    def __init__(self, identifiers: list[str]):
        words = sorted(
            {i.strip() for i in identifiers if len(i.strip()) >= 2}, key=len, reverse=True
        )
        self.pattern = (
            re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.I)
            if words
            else None
        )

    def text(self, value: str) -> str:
        if self.pattern is None or not value:
            return value
        return self.pattern.sub(ERASED, value)

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value

    def found(self, value: Any) -> bool:
        return self.value(value) != value


Exporter = Callable[[Subject], Any]
Eraser = Callable[[Subject, Scrubber], int]


@dataclass(frozen=True)
class Place:
    name: str
    description: StrOrPromise  # shown in the reader's language
    export: Exporter
    erase: Eraser


PLACES: dict[str, Place] = {}


def records_q(pairs: list[tuple[str, int]]) -> Q:
    """Rows that point at any of the (record_type, record_id) pairs (a place's own table)."""
    q = Q(pk__in=[])
    for record_type, pk in pairs:
        q |= Q(record_type=record_type, record_id=pk)
    return q


def register(name: str, *, description: StrOrPromise, export: Exporter, erase: Eraser) -> None:
    """Add a place; `erase` returns how many rows it changed (recorded in the history)."""
    PLACES[name] = Place(name, description, export, erase)
