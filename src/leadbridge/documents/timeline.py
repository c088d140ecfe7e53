"""A document's history on the timeline of every record it is linked to (the lead it was issued
on, and the client and deal a conversion made of it): "Quote NAB-2026-0001 sent".

Registered with `history.sources` from `hooks.register`, so `history` imports nothing of this
app. A deleted document keeps its links, so its past (created, sent, deleted) stays on the
timelines; the number links to the document while it exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from leadbridge.history.models import HistoryEvent
from leadbridge.history.sources import TimelineSource, register_timeline_source

from .models import Document, DocumentLink

Event = HistoryEvent.Kind

# Whole sentences per kind, so languages with grammatical gender get them right ("Nabídka …
# odeslána", "Zálohová faktura … zaplacena"); %(number)s is the document's number.
SENTENCES: dict[tuple[str, str], Any] = {
    ("quote", "created"): _("Quote %(number)s created"),
    ("quote", "updated"): _("Quote %(number)s changed"),
    ("quote", "deleted"): _("Quote %(number)s deleted"),
    ("quote", "draft"): _("Quote %(number)s back to draft"),
    ("quote", "sent"): _("Quote %(number)s sent"),
    ("quote", "accepted"): _("Quote %(number)s accepted"),
    ("quote", "rejected"): _("Quote %(number)s rejected"),
    ("proforma", "created"): _("Pro-forma invoice %(number)s created"),
    ("proforma", "updated"): _("Pro-forma invoice %(number)s changed"),
    ("proforma", "deleted"): _("Pro-forma invoice %(number)s deleted"),
    ("proforma", "sent"): _("Pro-forma invoice %(number)s sent"),
    ("proforma", "paid"): _("Pro-forma invoice %(number)s paid"),
    ("proforma", "cancelled"): _("Pro-forma invoice %(number)s cancelled"),
}


def origins(record_type: str, ids: list[int]) -> Iterable[tuple[str, int]]:
    """The documents linked to these records (deleted ones too: their past stays)."""
    found = DocumentLink.objects.filter(record_type=record_type, record_id__in=ids).values_list(
        "document_id", flat=True
    )
    return [("document", pk) for pk in set(found)]


def describe(actor: Any, events: list[HistoryEvent]) -> dict[int, SafeString]:
    """Each event's sentence; the documents are read in one query."""
    documents = {
        d.pk: d
        for d in Document.objects.filter(pk__in={e.record_id for e in events}).only(
            "kind", "number", "deleted_at"
        )
    }
    out: dict[int, SafeString] = {}
    for event in events:
        document = documents.get(event.record_id)
        data = event.data or {}
        kind = document.kind if document else data.get("kind", "quote")
        number = document.number if document else data.get("number", "")
        key = _sentence_key(event)
        if kind not in ("quote", "proforma"):
            kind = "quote"
        sentence = SENTENCES.get((kind, key)) or SENTENCES[(kind, "updated")]
        if document is not None and document.deleted_at is None:
            shown = format_html(
                '<a href="{}">{}</a>', reverse("documents:detail", args=[document.pk]), number
            )
        else:
            shown = format_html("{}", number)
        # The sentence is escaped first; the number (escaped, maybe a link) goes in after.
        out[event.pk] = mark_safe(conditional_escape(str(sentence)) % {"number": shown})
    return out


def _sentence_key(event: HistoryEvent) -> str:
    if event.kind == Event.STATUS_CHANGED:
        return str(event.new_value or "")
    if event.kind == Event.UPDATED and event.field == "sent_at":
        return "sent"  # sent again
    if event.kind in (Event.CREATED, Event.DELETED):
        return str(event.kind)
    return "updated"


def register() -> None:
    register_timeline_source(
        TimelineSource(record_type="document", origins=origins, describe=describe)
    )
