"""The documents' personal-data place (GDPR export and erasure): the customer block copied
onto quotes and pro-forma invoices, their notes and line texts, and the VIES answer.

Quotes and pro-forma invoices are not tax documents (the tax invoice is issued by the
accounting system), so no retention duty keeps a person's name on them: erasure scrubs the
person's identifiers from every document linked to them, or to a deal or company about them,
and keeps the numbers and amounts (the series and the sales figures stay whole).
"""

from __future__ import annotations

import json

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy

from leadbridge.automation.models import WebhookDelivery
from leadbridge.history.models import HistoryEvent
from leadbridge.history.services import json_value
from leadbridge.privacy.places import Scrubber, Subject, register

from .models import Document


def _linked(subject: Subject, *, related: bool) -> Q:
    q = Q(pk__in=[])
    for record_type, pk in subject.records + (subject.related if related else []):
        q |= Q(links__record_type=record_type, links__record_id=pk)
    return q


def export(subject: Subject) -> list[dict]:
    qs = Document.objects.filter(_linked(subject, related=False)).distinct().order_by("id")
    return [
        json_value(
            {
                "id": d.pk,
                "kind": d.kind,
                "number": d.number,
                "issue_date": d.issue_date,
                "customer": d.customer,
                "notes": d.notes,
                "total_gross": d.total_gross,
                "currency": d.currency,
                "lines": [line.description for line in d.lines.all()],
            }
        )
        for d in qs.prefetch_related("lines")
    ]


def erase(subject: Subject, scrub: Scrubber) -> int:
    changed = 0
    ids = Document.objects.filter(_linked(subject, related=True)).values("pk")
    with transaction.atomic():
        for document in Document.objects.filter(pk__in=ids).select_for_update():
            customer = scrub.value(document.customer)
            notes = scrub.text(document.notes)
            vat_check = scrub.value(document.vat_check)
            touched = False
            for line in document.lines.all():
                text = scrub.text(line.description)
                if text != line.description:
                    line.description = text
                    line.save(update_fields=["description"])
                    touched = True
            if (customer, notes, vat_check) != (document.customer, document.notes,
                                                document.vat_check) or touched:  # fmt: skip
                document.customer, document.notes, document.vat_check = customer, notes, vat_check
                document.version += 1
                document.save(update_fields=["customer", "notes", "vat_check", "version",
                                             "updated_at"])  # fmt: skip
                changed += 1
        # The documents' own history: a changed customer block was stored old and new.
        doc_ids = [row["pk"] for row in ids]
        for event in HistoryEvent.objects.filter(record_type="document", record_id__in=doc_ids):
            old, new, data = (scrub.value(event.old_value), scrub.value(event.new_value),
                              scrub.value(event.data))  # fmt: skip
            if (old, new, data) != (event.old_value, event.new_value, event.data):
                event.old_value, event.new_value, event.data = old, new, data
                event.save(update_fields=["old_value", "new_value", "data"])
                changed += 1
        # Webhook bodies of `document.*` events (the automation place finds deliveries by the
        # person's own records only).
        for delivery in WebhookDelivery.objects.filter(
            record_type="document", record_id__in=doc_ids
        ):
            try:
                body = json.dumps(scrub.value(json.loads(delivery.body)), separators=(",", ":"))
            except ValueError:
                body = scrub.text(delivery.body)
            if body != delivery.body:
                delivery.body = body
                delivery.save(update_fields=["body"])
                changed += 1
    return changed


def register_place() -> None:
    register(
        "documents",
        description=gettext_lazy(
            "Quotes and pro-forma invoices: the customer's details, notes and line texts"
        ),
        export=export,
        erase=erase,
    )
