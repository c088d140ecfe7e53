"""The places of the core apps: records, history, activities, files, conversion links and
stored idempotency answers (listed in docs/data.md)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext_lazy

from leadbridge.activities.models import Activity, Attachment
from leadbridge.activities.next_activity import refresh_for_activity
from leadbridge.core.models import IdempotencyRecord
from leadbridge.core.record_services import refresh_derived, snapshot
from leadbridge.core.registry import model_for
from leadbridge.core.specs import SPECS
from leadbridge.history.models import HistoryEvent
from leadbridge.history.services import json_value
from leadbridge.leads.models import ConversionLink

from .models import Consent
from .places import ERASED, Scrubber, Subject, records_q, register
from .services import scrubber_for

CONTACT_FIELDS = (
    "email", "email_normalized", "phone", "phone_normalized", "mobile", "mobile_normalized",
    "website", "street", "street2", "city", "postcode", "region", "description",
)  # fmt: skip
# What is blanked on a record that *is* the person. Tags, country, owner and the status stay,
# so lists, boards and reports still count the record.
PERSON_FIELDS = {
    "lead": ("first_name", "job_title", *CONTACT_FIELDS),
    "contact": ("first_name", "job_title", *CONTACT_FIELDS),
    "client": ("first_name", "registration_number", "vat_id", *CONTACT_FIELDS),
}
NAME_FIELD = {"lead": "last_name", "contact": "last_name", "client": "name"}


def _rows(subject: Subject, *, related: bool):
    pairs = subject.related if related else subject.records
    for record_type in ("lead", "contact", "client", "deal"):
        ids = [pk for kind, pk in pairs if kind == record_type]
        if ids:
            yield record_type, model_for(record_type).objects.filter(pk__in=ids).order_by("pk")


def _record_dict(record_type: str, obj: Any) -> dict:
    return {
        "type": record_type,
        "id": obj.pk,
        "created_at": obj.created_at,
        "updated_at": obj.updated_at,
        "deleted_at": obj.deleted_at,
        **snapshot(obj, SPECS[record_type]),
    }


# Records ---------------------------------------------------------------------------------


def export_records(subject: Subject) -> list[dict]:
    return [
        json_value(_record_dict(t, obj)) for t, qs in _rows(subject, related=False) for obj in qs
    ]


def erase_records(subject: Subject, scrub: Scrubber) -> int:
    changed = 0
    for record_type, qs in _rows(subject, related=False):
        for obj in qs.select_for_update():
            for name in PERSON_FIELDS[record_type]:
                setattr(obj, name, "")
            if record_type == "client":
                obj.last_name = ""
            if hasattr(obj, "company_name"):  # a company is not the person; a name in it is
                obj.company_name = scrub.text(obj.company_name)
            setattr(obj, NAME_FIELD[record_type], ERASED)
            obj.other_emails, obj.other_phones, obj.custom_fields = [], [], {}
            obj.version += 1
            # The folded search text and the normalized match keys are derived: recomputed
            # from the blanked fields, they hold nothing of the person either.
            refresh_derived(obj, SPECS[record_type])
            obj.save()
            changed += 1
    return changed


def export_related(subject: Subject) -> list[dict]:
    return [
        json_value(_record_dict(t, obj)) for t, qs in _rows(subject, related=True) for obj in qs
    ]


def erase_related(subject: Subject, scrub: Scrubber) -> int:
    """Deals and company clients stay (values, stages, counts); the person's identifiers in
    their texts are replaced."""
    changed = 0
    for record_type, qs in _rows(subject, related=True):
        spec = SPECS[record_type]
        for obj in qs.select_for_update():
            before = snapshot(obj, spec)
            after = scrub.value(before)
            if after == before:
                continue
            for name, value in after.items():
                if value == before[name]:
                    continue
                kind = spec.get(name).kind if spec.get(name) else ""
                if kind in ("email", "phone"):
                    value = ""  # the person's own address on a company: gone, not garbled
                elif kind in ("emails", "phones"):
                    value = [v for v in value if ERASED not in v]
                setattr(obj, name, value)
            obj.version += 1
            refresh_derived(obj, spec)
            obj.save()
            changed += 1
    return changed


# History ---------------------------------------------------------------------------------


def _history(subject: Subject):
    q = Q(pk__in=[])
    for record_type, pk in subject.all_pairs():
        q |= Q(record_type=record_type, record_id=pk)
    return HistoryEvent.objects.filter(q).order_by("at", "id")


def export_history(subject: Subject) -> list[dict]:
    return [
        json_value(
            {
                "record": f"{e.record_type} #{e.record_id}",
                "at": e.at,
                "actor": e.actor_name,
                "kind": e.kind,
                "field": e.field,
                "old": e.old_value,
                "new": e.new_value,
                "data": e.data,
            }
        )
        for e in _history(subject).filter(
            Q(record_type__in=["lead", "contact", "client"]) | ~Q(kind=HistoryEvent.Kind.UPDATED)
        )
    ]


def erase_history(subject: Subject, scrub: Scrubber) -> int:
    """Values of the person's own fields are replaced outright (an old phone number is not
    one of today's identifiers); everything else has the identifiers replaced."""
    own = set(subject.records)
    changed = 0
    for event in _history(subject).select_for_update():
        personal = PERSON_FIELDS.get(event.record_type, ()) + (
            NAME_FIELD.get(event.record_type, ""), "last_name", "company_name",
            "other_emails", "other_phones",
        )  # fmt: skip
        is_own = (event.record_type, event.record_id) in own
        old, new, data = event.old_value, event.new_value, event.data
        if is_own and (event.field in personal or event.field.startswith("custom_fields.")):
            old = ERASED if old not in (None, "", []) else old
            new = ERASED if new not in (None, "", []) else new
        if is_own and isinstance(new, dict):
            new = {
                k: (ERASED if k in personal or k == "custom_fields" else v) for k, v in new.items()
            }
        old, new, data = scrub.value(old), scrub.value(new), scrub.value(data)
        if (old, new, data) != (event.old_value, event.new_value, event.data):
            event.old_value, event.new_value, event.data = old, new, data
            event.save(update_fields=["old_value", "new_value", "data"])
            changed += 1
    return changed


# Activities and files ------------------------------------------------------------------


def _link_q(subject: Subject, *, related: bool) -> Q:
    q = Q(pk__in=[])
    for record_type, pk in subject.records + (subject.related if related else []):
        q |= Q(links__record_type=record_type, links__record_id=pk)
    return q


def export_activities(subject: Subject) -> list[dict]:
    qs = Activity.objects.filter(_link_q(subject, related=False)).distinct().order_by("created_at")
    return [
        json_value(
            {
                "id": a.pk,
                "type": a.type,
                "subject": a.subject,
                "body": a.body,
                "due_at": a.due_at,
                "done": a.done,
                "created_at": a.created_at,
            }
        )  # fmt: skip
        for a in qs
    ]


def erase_activities(subject: Subject, scrub: Scrubber) -> int:
    """E-mails with the person are erased whole; other activities lose the identifiers
    (a call note about a deal stays useful). The rows stay, so activity counts hold."""
    changed = 0
    own_ids = set(
        Activity.objects.filter(_link_q(subject, related=False)).values_list("pk", flat=True)
    )
    ids = Activity.objects.filter(_link_q(subject, related=True)).values("pk")
    for activity in Activity.objects.filter(pk__in=ids).select_for_update():
        if activity.type == Activity.Type.EMAIL and activity.pk in own_ids:
            subject_text, body = ERASED, ""
        else:
            subject_text, body = scrub.text(activity.subject), scrub.text(activity.body)
        if (subject_text, body) != (activity.subject, activity.body):
            activity.subject, activity.body = subject_text, body
            activity.version += 1
            activity.save(update_fields=["subject", "body", "version", "updated_at"])
            changed += 1
            # The lead keeps a copy of its next activity's subject: erase it there too.
            refresh_for_activity(activity)
    return changed


def export_attachments(subject: Subject) -> list[dict]:
    qs = Attachment.objects.filter(_link_q(subject, related=False)).distinct()
    return [
        json_value(
            {
                "id": f.pk,
                "name": f.name,
                "content_type": f.content_type,
                "size": f.size,
                "created_at": f.created_at,
                "deleted_at": f.deleted_at,
            }
        )  # fmt: skip
        for f in qs
    ]


def erase_attachments(subject: Subject, scrub: Scrubber) -> int:
    """Files attached to the person are deleted from storage; the row stays (named
    "[erased]") so the record's file count and its history still add up."""
    changed = 0
    for attachment in Attachment.objects.filter(_link_q(subject, related=False)).distinct():
        if attachment.file:
            attachment.file.delete(save=False)
        attachment.file = ""
        attachment.name = ERASED
        attachment.size = 0
        attachment.save(update_fields=["file", "name", "size"])
        changed += 1
    return changed


# Conversion links and stored API answers -------------------------------------------------


def _conversion_links(subject: Subject):
    q = Q(lead_id__in=subject.ids("lead"))
    for record_type, pk in subject.records:
        q |= Q(target_type=record_type, target_id=pk)
    return ConversionLink.objects.filter(q)


def export_conversion_links(subject: Subject) -> list[dict]:
    return [
        json_value(
            {
                "lead_id": c.lead_id,
                "target": f"{c.target_type} #{c.target_id}",
                "created_at": c.created_at,
            }
        )  # fmt: skip
        for c in _conversion_links(subject)
    ]


def erase_conversion_links(subject: Subject, scrub: Scrubber) -> int:
    changed = 0
    for link in _conversion_links(subject):
        data = scrub.value(link.data)
        if data != link.data:
            link.data = data
            link.save(update_fields=["data"])
            changed += 1
    return changed


def _idempotency_hits(subject: Subject, scrub: Scrubber):
    # The table holds a day of answers (IDEMPOTENCY_TTL_HOURS), so reading it is cheap.
    for record in IdempotencyRecord.objects.exclude(response=None).iterator():
        if scrub.found(record.response):
            yield record


def export_idempotency(subject: Subject) -> list[dict]:

    return [
        json_value({"endpoint": r.endpoint, "created_at": r.created_at, "response": r.response})
        for r in _idempotency_hits(subject, scrubber_for(subject))
    ]


def erase_idempotency(subject: Subject, scrub: Scrubber) -> int:
    """The stored answer keeps its shape, so a retry still gets a (scrubbed) answer."""
    changed = 0
    for record in _idempotency_hits(subject, scrub):
        record.response = scrub.value(record.response)
        record.save(update_fields=["response"])
        changed += 1
    return changed


def _consents(subject: Subject):

    q = Q(pk__in=[])
    for record_type, pk in subject.records:
        q |= Q(record_type=record_type, record_id=pk)
    return Consent.objects.filter(q)


def export_consents(subject: Subject) -> list[dict]:
    return [
        json_value(
            {
                "record": f"{c.record_type} #{c.record_id}",
                "text": c.text,
                "given_at": c.given_at,
                "source": c.source,
            }
        )  # fmt: skip
        for c in _consents(subject)
    ]


def erase_consents(subject: Subject, scrub: Scrubber) -> int:
    """The consent stays (that it was given, and when, is the controller's proof); a name
    that a form put into its text is replaced."""
    changed = 0
    for consent in _consents(subject):
        text = scrub.text(consent.text)
        if text != consent.text:
            consent.text = text
            consent.save(update_fields=["text"])
            changed += 1
    return changed


register(
    "records",
    description=gettext_lazy(
        "The lead, contact or person-client rows of the person, with their search "
        "text and normalized e-mail and phone columns"
    ),
    export=export_records,
    erase=erase_records,
)
register(
    "related_records",
    description=gettext_lazy(
        "Deals and company clients made with the person (kept, identifiers removed)"
    ),
    export=export_related,
    erase=erase_related,
)
register(
    "history",
    description=gettext_lazy("Old and new values and summaries in the timeline"),
    export=export_history,
    erase=erase_history,
)
register(
    "activities",
    description=gettext_lazy("Tasks, calls, e-mails, meetings and notes linked to the person"),
    export=export_activities,
    erase=erase_activities,
)
register(
    "files",
    description=gettext_lazy("Files attached to the person (deleted from storage on erasure)"),
    export=export_attachments,
    erase=erase_attachments,
)
register(
    "conversion_links",
    description=gettext_lazy("Which records were made from which lead"),
    export=export_conversion_links,
    erase=erase_conversion_links,
)
register(
    "idempotency_answers",
    description=gettext_lazy(
        "Stored API answers for retried requests (kept IDEMPOTENCY_TTL_HOURS)"
    ),
    export=export_idempotency,
    erase=erase_idempotency,
)
register(
    "consents",
    description=gettext_lazy("Consent given on web forms: the text shown and the time"),
    export=export_consents,
    erase=erase_consents,
)


# Duplicates (merge undo snapshots, match keys, finder results), when that app is installed.
# The places belong to the duplicates app's own ready(); they are here until it registers them.


def _blank_rows(value: Any, record_type: str, ids: set[str]) -> Any:
    """A copy of nested JSON where every row dict of the person ({"id": …} among `ids`) has
    its personal columns blanked."""
    personal = {
        *PERSON_FIELDS.get(record_type, ()), NAME_FIELD.get(record_type, ""), "last_name",
        "search_text", "other_emails", "other_phones", "custom_fields",
    }  # fmt: skip
    if isinstance(value, list):
        return [_blank_rows(v, record_type, ids) for v in value]
    if not isinstance(value, dict):
        return value
    is_row = str(value.get("id", "")) in ids
    return {
        k: (ERASED if is_row and k in personal and v not in (None, "", [], {}) else
            _blank_rows(v, record_type, ids))
        for k, v in value.items()
    }  # fmt: skip


def _register_duplicates_places() -> None:
    if not apps.is_installed("leadbridge.duplicates"):
        return
    merge_model = apps.get_model("duplicates", "MergeRecord")
    key_model = apps.get_model("duplicates", "MatchKey")
    job_model = apps.get_model("duplicates", "FinderJob")
    profile_model = apps.get_model("duplicates", "MatchProfile")

    def merges(subject: Subject):
        for merge in merge_model.objects.filter(record_type__in=["lead", "contact", "client"]):
            ids = set(subject.ids(merge.record_type))
            if merge.survivor_id in ids or ids & set(merge.merged_ids or []):
                yield merge

    def export_merges(subject: Subject) -> list[dict]:
        return [
            json_value({"merge_id": m.pk, "created_at": m.created_at, "snapshot": m.snapshot})
            for m in merges(subject)
        ]

    def erase_merges(subject: Subject, scrub: Scrubber) -> int:
        """The undo data keeps its shape; an undo after the erasure brings back no name.

        Rows of the person in a snapshot lose their personal columns outright, the folded
        search text and match columns included (a stem is no longer an identifier)."""
        changed = 0
        for merge in merges(subject):
            ids = {str(pk) for pk in subject.ids(merge.record_type)}
            snap = _blank_rows(merge.snapshot, merge.record_type, ids)
            snap, choices = scrub.value(snap), scrub.value(merge.choices)
            if (snap, choices) != (merge.snapshot, merge.choices):
                merge.snapshot, merge.choices = snap, choices
                merge.save(update_fields=["snapshot", "choices"])
                changed += 1
        return changed

    def _key_q(subject: Subject) -> Q:
        return records_q(subject.records)

    def export_keys(subject: Subject) -> list[str]:
        return list(key_model.objects.filter(_key_q(subject)).values_list("key", flat=True))

    def erase_keys(subject: Subject, scrub: Scrubber) -> int:
        """The records' save already re-filed their keys from the blanked fields; whatever
        key still derives from the person goes."""
        stale = [k.pk for k in key_model.objects.filter(_key_q(subject)) if scrub.found(k.key)]
        return key_model.objects.filter(pk__in=stale).delete()[0]

    def export_profiles(subject: Subject) -> list[str]:
        return list(profile_model.objects.filter(_key_q(subject)).values_list("data", flat=True))

    def erase_profiles(subject: Subject, scrub: Scrubber) -> int:
        """Re-written from the blanked fields on save like the keys; any left that still
        holds the person goes (the finder then simply does not see that record)."""
        stale = [p.pk for p in profile_model.objects.filter(_key_q(subject)) if scrub.found(p.data)]
        return profile_model.objects.filter(pk__in=stale).delete()[0]

    def erase_jobs(subject: Subject, scrub: Scrubber) -> int:
        changed = 0
        for job in job_model.objects.exclude(result=None):
            result = scrub.value(job.result)
            if result != job.result:
                job.result = result
                job.save(update_fields=["result"])
                changed += 1
        return changed

    register(
        "merge_snapshots",
        description=gettext_lazy("Rows as they were before a merge (the undo data)"),
        export=export_merges,
        erase=erase_merges,
    )
    register(
        "match_keys",
        description=gettext_lazy(
            "Normalized names, e-mails and phones the duplicate check looks up"
        ),
        export=export_keys,
        erase=erase_keys,
    )
    register(
        "match_profiles",
        description=gettext_lazy("Each record's values as the duplicate matcher compares them"),
        export=export_profiles,
        erase=erase_profiles,
    )
    register(
        "duplicate_finder_results",
        description=gettext_lazy("Groups of possible duplicates found by a finder run"),
        export=lambda subject: [],
        erase=erase_jobs,
    )


_register_duplicates_places()
