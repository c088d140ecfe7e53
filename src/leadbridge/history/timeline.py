"""The timeline as people read it: labels and names, never column names or ids.

"Owner: Jana Nováková → Petr Dvořák", "Status: New → Converted", "Task created: First call",
"Converted into: client Agro Šumava s.r.o." Each kind of event has a whole sentence per record
type or activity type, so languages with grammatical gender get it right ("Úkol vytvořen",
"Schůzka vytvořena"); a subject or a name follows after a colon. Everything an event mentions
is looked up once for the whole timeline: names of records (one query per record type), of
owners, statuses and stages (one query per referenced table), and the activities that updated
or deleted events refer to by id (one query).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from leadbridge.core.display import FieldValues
from leadbridge.core.names import RecordRef, record_refs
from leadbridge.core.registry import is_record_type

from .models import HistoryEvent
from .registry import activity_titles
from .sources import timeline_source

Kind = HistoryEvent.Kind

RECORD_SENTENCES = {
    Kind.CREATED: {
        "lead": _("Lead created"),
        "client": _("Client created"),
        "contact": _("Contact person created"),
        "deal": _("Deal created"),
    },
    Kind.DELETED: {
        "lead": _("Lead deleted"),
        "client": _("Client deleted"),
        "contact": _("Contact person deleted"),
        "deal": _("Deal deleted"),
    },
    Kind.RESTORED: {
        "lead": _("Lead restored"),
        "client": _("Client restored"),
        "contact": _("Contact person restored"),
        "deal": _("Deal restored"),
    },
}

ACTIVITY_SENTENCES = {
    ("task", "created"): _("Task created"),
    ("task", "updated"): _("Task changed"),
    ("task", "deleted"): _("Task deleted"),
    ("call", "created"): _("Call logged"),
    ("call", "updated"): _("Call changed"),
    ("call", "deleted"): _("Call deleted"),
    ("email", "created"): _("E-mail created"),
    ("email", "updated"): _("E-mail changed"),
    ("email", "deleted"): _("E-mail deleted"),
    ("email", "email_sent"): _("E-mail sent"),
    ("email", "email_failed"): _("E-mail not sent yet"),
    ("email", "email_gave_up"): _("E-mail could not be sent"),
    ("meeting", "created"): _("Meeting planned"),
    ("meeting", "updated"): _("Meeting changed"),
    ("meeting", "deleted"): _("Meeting deleted"),
    ("note", "created"): _("Note added"),
    ("note", "updated"): _("Note changed"),
    ("note", "deleted"): _("Note deleted"),
    ("reminder", "created"): _("Reminder set"),
    ("reminder", "updated"): _("Reminder changed"),
    ("reminder", "deleted"): _("Reminder deleted"),
    ("", "created"): _("Activity created"),
    ("", "updated"): _("Activity changed"),
    ("", "deleted"): _("Activity deleted"),
}

_ORDER = {"lead": 0, "client": 1, "contact": 2, "deal": 3}

FILE_SENTENCES = {"added": _("File added"), "removed": _("File removed")}

OTHER_SENTENCES = {
    Kind.MERGE_UNDONE: _("Merge undone"),
    "personal_data_exported": _("Personal data exported"),
    "erased": _("Personal data erased (GDPR)"),
}


@dataclass
class Entry:
    event: HistoryEvent
    origin: dict
    origin_ref: RecordRef | None
    text: SafeString


def timeline_entries(actor: Any, events: list[tuple[HistoryEvent, dict]]) -> list[Entry]:
    """The events (history_for's pairs) with their sentences, everything looked up in bulk."""
    lookups = _Lookups(actor, [event for event, _origin in events])
    return [
        Entry(
            event,
            origin,
            lookups.ref(origin["record_type"], origin["id"])
            if origin["relation"] != "self"
            else None,
            lookups.sentence(event),
        )
        for event, origin in events
    ]


class _Lookups:
    def __init__(self, actor: Any, events: list[HistoryEvent]):
        pairs: list[tuple[str, int]] = []
        fields: dict[str, list[tuple[str, Any]]] = {}
        activity_ids = set()
        own = [event for event in events if timeline_source(event.record_type) is None]
        for event in own:
            pairs.append((event.record_type, event.record_id))
            data = event.data or {}
            if event.kind in (Kind.UPDATED, Kind.STATUS_CHANGED):
                values = fields.setdefault(event.record_type, [])
                values += [(event.field, event.old_value), (event.field, event.new_value)]
            elif event.kind == Kind.CONVERTED:
                pairs += [(t, pk) for t, pk in (data.get("targets") or {}).items()]
            elif event.kind == Kind.CONVERTED_FROM and data.get("lead_id"):
                pairs.append(("lead", data["lead_id"]))
            elif event.kind == Kind.MERGED:
                pairs += [(event.record_type, pk) for pk in data.get("merged_ids") or []]
                if data.get("into"):
                    pairs.append((event.record_type, data["into"]))
            elif event.kind == Kind.ACTIVITY and data.get("activity_id"):
                activity_ids.add(data["activity_id"])
        self.refs = record_refs(actor, pairs, deleted_too=True)
        self.values = {rtype: FieldValues(rtype, pairs) for rtype, pairs in fields.items()}
        self.activities = activity_titles(activity_ids)
        # Events of other apps' rows (documents): their app words them, in bulk.
        self.described: dict[int, SafeString] = {}
        by_source: dict[str, list[HistoryEvent]] = {}
        for event in events:
            if timeline_source(event.record_type) is not None:
                by_source.setdefault(event.record_type, []).append(event)
        for rtype, source_events in by_source.items():
            source = timeline_source(rtype)
            assert source is not None
            self.described.update(source.describe(actor, source_events))

    def ref(self, record_type: str, pk: Any) -> RecordRef | None:
        if not is_record_type(record_type):
            return None
        try:
            return self.refs.get((record_type, int(pk)))
        except (TypeError, ValueError):
            return None

    def sentence(self, event: HistoryEvent) -> SafeString:
        if event.pk in self.described:
            return self.described[event.pk]
        data = event.data or {}
        kind = event.kind
        if kind in (Kind.UPDATED, Kind.STATUS_CHANGED):
            return self._change(event)
        if kind in RECORD_SENTENCES:
            return _text(RECORD_SENTENCES[kind].get(event.record_type, event.get_kind_display()))
        if kind == Kind.CONVERTED:
            # Client, contact, deal: PostgreSQL's JSON keeps no key order of its own.
            targets = sorted((data.get("targets") or {}).items(), key=lambda t: _ORDER.get(t[0], 9))
            return _with(_("Converted into"), _typed_list([self.ref(t, pk) for t, pk in targets]))
        if kind == Kind.CONVERTED_FROM:
            lead = self.ref("lead", data.get("lead_id"))
            return _with(_("Made from lead"), _link(lead) if lead else data.get("lead", ""))
        if kind == Kind.MERGED:
            if data.get("into"):
                return _with(_("Merged into"), _link(self.ref(event.record_type, data["into"])))
            merged = [self.ref(event.record_type, pk) for pk in data.get("merged_ids") or []]
            return _with(_("Merged with"), _list(merged))
        if kind == Kind.ACTIVITY:
            return self._activity(data)
        if kind == Kind.ATTACHMENT:
            sentence = FILE_SENTENCES.get(data.get("action", ""), _("File"))
            return _with(sentence, data.get("name", ""))
        if kind in OTHER_SENTENCES:
            return _text(OTHER_SENTENCES[kind])
        return _text(event.get_kind_display())

    def _change(self, event: HistoryEvent) -> SafeString:
        data = event.data or {}
        values = self.values[event.record_type]
        old = data.get("old_label") or values.show(event.field, event.old_value)
        new = data.get("new_label") or values.show(event.field, event.new_value)
        return format_html(
            '<strong>{}</strong>: <span class="old">{}</span> → <span class="new">{}</span>',
            values.label(event.field),
            old,
            new,
        )

    def _activity(self, data: dict) -> SafeString:
        kind, subject = self.activities.get(data.get("activity_id"), ("", ""))
        kind = data.get("type") or kind
        subject = data.get("subject") or subject
        action = data.get("action", "")
        sentence = ACTIVITY_SENTENCES.get((kind, action)) or ACTIVITY_SENTENCES.get(("", action))
        text = _with(sentence or _("Activity"), subject)
        if data.get("error"):
            text = format_html("{} — {}", text, data["error"])
        return text


def _text(sentence: Any) -> SafeString:
    return conditional_escape(str(sentence))


def _with(sentence: Any, detail: Any) -> SafeString:
    """'Task created' and 'First call' -> 'Task created: First call' (escaped)."""
    if detail in (None, ""):
        return _text(sentence)
    return format_html("{}: {}", str(sentence), detail)


def _link(ref: RecordRef | None) -> SafeString:
    if ref is None:
        return mark_safe("")
    if not ref.url:
        return conditional_escape(ref.name)
    return format_html('<a href="{}">{}</a>', ref.url, ref.name)


def _list(refs: list[RecordRef | None]) -> SafeString:
    return format_html_join(", ", "{}", ((_link(ref),) for ref in refs if ref))


def _typed_list(refs: list[RecordRef | None]) -> SafeString:
    """'client Agro Šumava s.r.o., deal Tractors' with links."""
    return format_html_join(
        ", ",
        "{}",
        (
            (_link(ref) if ref.hidden else format_html("{} {}", ref.type_label, _link(ref)),)
            for ref in refs
            if ref is not None
        ),
    )
