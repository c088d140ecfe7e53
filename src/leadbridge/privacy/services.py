"""A person's data: export of everything held, erasure everywhere, and retention.

Both are restricted to the `privacy` right and recorded in the person's history (the event
records which places were touched, never the data itself).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from anyascii import anyascii
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from leadbridge.activities.models import ActivityLink
from leadbridge.core import labels
from leadbridge.core.errors import NotFound, ValidationFailed
from leadbridge.core.registry import model_for
from leadbridge.deals.models import Deal
from leadbridge.history.models import HistoryEvent
from leadbridge.history.services import history_event
from leadbridge.leads.models import ConversionLink, Lead
from leadbridge.people import access
from leadbridge.people.services import system_actor

from .models import Consent
from .places import ERASED, PLACES, Scrubber, Subject

PERSON_TYPES = ("lead", "contact", "client")
# History kinds of these two operations. They are plain values of HistoryEvent.kind (a
# CharField) rather than new choices, so this app adds no migration to the history app;
# the timeline template names them.
EXPORTED_KIND = "personal_data_exported"
ERASED_KIND = "erased"


def _is_person(record_type: str, obj: Any) -> bool:
    return record_type != "client" or obj.kind == "person"


def _identifiers(obj: Any) -> list[str]:
    values: list[str] = []
    first, last = getattr(obj, "first_name", ""), getattr(obj, "last_name", "")
    if first and last:
        values += [f"{first} {last}", f"{last} {first}"]
    values += [first, last]
    if getattr(obj, "kind", "") == "person":
        values.append(obj.name)
    for name in ("email", "phone", "mobile", "phone_normalized", "mobile_normalized"):
        values.append(getattr(obj, name, ""))
    values += list(getattr(obj, "other_emails", None) or [])
    values += list(getattr(obj, "other_phones", None) or [])
    values = [v for v in values if isinstance(v, str) and v.strip() and v != ERASED]
    # Copies made by file names, exports or other systems often lose the accents.
    return values + [anyascii(v) for v in values if anyascii(v) != v]


def subject_for(record_type: str, record_id: int) -> Subject:
    """The person behind a record: the record, the records a conversion made of the same
    person (both ways) or a merge folded into it, and the deals and company clients made
    with them."""

    records: set[tuple[str, int]] = {(record_type, record_id)}
    related: set[tuple[str, int]] = set()
    frontier = [(record_type, record_id)]
    while frontier:
        kind, pk = frontier.pop()
        if kind == "lead":
            links = ConversionLink.objects.filter(lead_id=pk)
            pairs = [(link.target_type, link.target_id) for link in links]
        else:
            leads = ConversionLink.objects.filter(target_type=kind, target_id=pk)
            pairs = [("lead", link.lead_id) for link in leads]
        # A duplicate merged into this record (or the record it was merged into) is the
        # same person, with the e-mails and phones it had.
        model = model_for(kind)
        pairs += [
            (kind, other)
            for other in model.objects.filter(merged_into=pk).values_list("pk", flat=True)
        ]
        merged_into = model.objects.filter(pk=pk).values_list("merged_into", flat=True).first()
        if merged_into:
            pairs.append((kind, merged_into))
        for pair in pairs:
            if pair in records or pair in related:
                continue
            if pair[0] == "deal":
                related.add(pair)
                continue
            obj = model_for(pair[0]).objects.filter(pk=pair[1]).first()
            if obj is None:
                continue
            if _is_person(pair[0], obj):
                records.add(pair)
                frontier.append(pair)
            else:
                related.add(pair)
    deal_q = Q(source_lead_id__in=[pk for kind, pk in records if kind == "lead"])
    deal_q |= Q(contact_id__in=[pk for kind, pk in records if kind == "contact"])
    deal_q |= Q(client_id__in=[pk for kind, pk in records if kind == "client"])
    related |= {("deal", pk) for pk in Deal.objects.filter(deal_q).values_list("pk", flat=True)}
    identifiers: list[str] = []
    for kind, pk in sorted(records):
        obj = model_for(kind).objects.filter(pk=pk).first()
        if obj is not None:
            identifiers += _identifiers(obj)
    return Subject(
        records=sorted(records), related=sorted(related), identifiers=sorted(set(identifiers))
    )


def scrubber_for(subject: Subject) -> Scrubber:
    return Scrubber(subject.identifiers)


def _person(actor: Any, record_type: str, record_id: int) -> Any:
    if record_type not in PERSON_TYPES:
        raise ValidationFailed(
            _("Personal data is exported and erased for a lead, contact or client."),
            code="invalid",
        )
    model = model_for(record_type)
    obj = model.objects.filter(pk=record_id).first()
    if obj is None:
        raise NotFound(
            _("No %(record_type)s with id %(record_id)s.")
            % {"record_type": labels.record_type(record_type), "record_id": record_id}
        )
    access.check(actor, record_type, "privacy", obj)
    if not _is_person(record_type, obj):
        raise ValidationFailed(_("This client is a company, not a person."), code="not_a_person")
    return obj


def person_export(*, actor: Any, record_type: str, record_id: int) -> dict:
    """Everything held about the person, place by place (JSON-ready)."""
    _person(actor, record_type, record_id)
    subject = subject_for(record_type, record_id)
    places = {name: place.export(subject) for name, place in PLACES.items()}
    with transaction.atomic():
        for kind, pk in subject.records:
            history_event(
                actor=actor,
                record_type=kind,
                record_id=pk,
                kind=EXPORTED_KIND,
                data={"requested_for": f"{record_type} #{record_id}"},
            )
    return {
        "subject": {"type": record_type, "id": record_id},
        "exported_at": timezone.now().isoformat(),
        "records": [f"{kind} #{pk}" for kind, pk in subject.records],
        "places": places,
    }


def person_erase(*, actor: Any, record_type: str, record_id: int) -> dict[str, int]:
    """Anonymize the person in every registered place, in one transaction.

    Rows stay (deals, counts, the timeline's shape); the person's names, e-mails, phones,
    addresses, notes and files go. Returns the number of rows changed per place.
    """
    _person(actor, record_type, record_id)
    with transaction.atomic():
        subject = subject_for(record_type, record_id)
        scrub = scrubber_for(subject)
        counts = {name: place.erase(subject, scrub) for name, place in PLACES.items()}
        for kind, pk in subject.records:
            history_event(
                actor=actor,
                record_type=kind,
                record_id=pk,
                kind=ERASED_KIND,
                data={"requested_for": f"{record_type} #{record_id}", "rows": counts},
            )
    return counts


def consent_record(
    *,
    record_type: str,
    record_id: int,
    text: str,
    given_at: dt.datetime | None = None,
    source: str = "",
) -> Any:
    """Keep the consent text a person was shown and the time they gave it (web forms).

    Runs inside the caller's transaction, so the consent is stored exactly when the lead is.
    """

    if not (text or "").strip():
        raise ValidationFailed(_("The consent text is required."), code="invalid")
    return Consent.objects.create(
        record_type=record_type,
        record_id=record_id,
        text=text.strip(),
        given_at=given_at or timezone.now(),
        source=source[:100],
    )


def is_erased(record_type: str, record_id: int) -> bool:
    return HistoryEvent.objects.filter(
        record_type=record_type, record_id=record_id, kind=ERASED_KIND
    ).exists()


def retention_candidates(months: int, *, now: dt.datetime | None = None) -> list[int]:
    """Leads untouched (no change, no new activity) for `months`, not yet anonymized."""

    if months <= 0:
        raise ValidationFailed(_("The retention period must be at least one month."))
    cutoff = (now or timezone.now()) - dt.timedelta(days=round(months * 30.44))
    recent = ActivityLink.objects.filter(record_type="lead", activity__created_at__gte=cutoff)
    erased = HistoryEvent.objects.filter(record_type="lead", kind=ERASED_KIND)
    return list(
        Lead.objects.filter(updated_at__lt=cutoff)
        .exclude(pk__in=recent.values("record_id"))
        .exclude(pk__in=erased.values("record_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def retention_apply(*, months: int, dry_run: bool = True) -> list[int]:
    """Anonymize the leads past retention (as the system actor "retention"); a dry run only
    lists them."""

    ids = retention_candidates(months)
    if not dry_run:
        actor = system_actor("retention")
        for lead_id in ids:
            person_erase(actor=actor, record_type="lead", record_id=lead_id)
    return ids
