"""Domain events: what happened to a record, published by the service that did it and heard
by whoever registered for it.

The domain apps publish (`record_services.save_new`, `leads.services`, the conversion, the
merge, the import); they do not know who listens. The apps that react subscribe in their
`AppConfig.ready()`: automation (webhook deliveries, task templates of a lead's status), mail
(an activity's reminder). So the dependencies point down: a way in or out imports the domain,
never the reverse (docs/architecture.md).

The guarantee of the direct calls this replaces holds: `publish` runs every handler at once,
inside the publishing transaction (no savepoint of its own). A handler that fails fails the
change; what a handler writes commits or rolls back with it; anything that leaves the process
(a webhook, an e-mail) is a row in an outbox plus a task enqueued in that transaction, never
a network call from a handler.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db import transaction
from django.utils import timezone

from .representation import represent

# The record events a webhook can subscribe to: <record type>.<what happened>. Not every
# pair is published (only leads have a status and a conversion): docs/automation.md.
RECORD_TYPES = ("lead", "client", "contact", "deal")
ACTIONS = ("created", "updated", "status_changed", "converted", "merged", "deleted")
# Quotes and pro-forma invoices (documents app): issued, sent to the customer, paid.
DOCUMENT_EVENTS = ("document.created", "document.sent", "document.paid")
EVENTS = tuple(f"{t}.{a}" for t in RECORD_TYPES for a in ACTIONS) + DOCUMENT_EVENTS
# Events inside the application only (no webhook offers them): an activity was made, or
# changed (`extra["changed"]`: the names of the fields that did).
ACTIVITY_EVENTS = ("activity.created", "activity.updated")
ALL_EVENTS = frozenset(EVENTS + ACTIVITY_EVENTS)


@dataclass(eq=False)
class Event:
    """One thing that happened, as every subscriber sees it."""

    name: str
    record_type: str
    obj: Any
    actor: Any = None
    extra: dict = field(default_factory=dict)
    occurred_at: dt.datetime = field(default_factory=timezone.now)

    @cached_property
    def data(self) -> dict:
        """The record as the API shows it (at this point of the transaction), with the
        event's `extra` keys. Built once per event, however many subscribers read it; they
        share it and must not change it."""
        return represent(self.record_type, self.obj) | self.extra


Handler = Callable[[Event], None]


@dataclass(frozen=True)
class Subscription:
    key: str  # names the subscription: registering the same key again replaces it
    handler: Handler
    events: frozenset[str]
    # Whether the handler would do anything for this event now (e.g. any webhook listens):
    # lets a bulk path skip loading records that nothing would read. None: always.
    active: Callable[[str], bool] | None = None


_subscriptions: dict[str, Subscription] = {}


def subscribe(
    key: str,
    handler: Handler,
    *,
    events: Iterable[str],
    active: Callable[[str], bool] | None = None,
) -> None:
    """Register `handler` for `events` (from an `AppConfig.ready()`). Handlers run in the
    order they were registered, the apps' order in INSTALLED_APPS."""
    names = frozenset(events)
    unknown = names - ALL_EVENTS
    assert not unknown, f"unknown events: {sorted(unknown)}"
    _subscriptions[key] = Subscription(key, handler, names, active)


def publish(
    name: str,
    record_type: str,
    obj: Any,
    *,
    actor: Any = None,
    extra: dict | None = None,
) -> Event:
    """Tell every subscriber of `name` that it happened to `obj`, inside the caller's
    transaction."""
    assert name in ALL_EVENTS, name
    # No savepoint of its own (two round trips per event): a failure here fails the change.
    assert transaction.get_connection().in_atomic_block, "publish runs in the change's transaction"
    event = Event(name, record_type, obj, actor, extra or {})
    with transaction.atomic(savepoint=False):
        for sub in tuple(_subscriptions.values()):
            if name in sub.events:
                sub.handler(event)
    return event


def listened(name: str) -> bool:
    """Whether publishing `name` would set anything off: a bulk path (an import's undo) loads
    its records to publish only when it would."""
    return any(
        name in sub.events and (sub.active is None or sub.active(name))
        for sub in _subscriptions.values()
    )
