"""Outgoing e-mail and notifications as a personal-data place (recipient, texts); the message
itself is an e-mail activity, erased with the activities."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy

from leadbridge.privacy.places import Scrubber, Subject, records_q, register

from .models import Notification, OutgoingAttachment, OutgoingEmail


def _q(subject: Subject) -> Q:
    return records_q(subject.all_pairs())


def export(subject: Subject) -> list[dict]:
    return [
        {
            "to": m.to,
            "status": m.status,
            "created_at": m.created_at.isoformat(),
            "attachments": [a.filename for a in m.attachments.all()],
        }
        for m in OutgoingEmail.objects.filter(_q(subject)).prefetch_related("attachments")
    ]


def erase(subject: Subject, scrub: Scrubber) -> int:
    changed = 0
    # A sent file (a quote's PDF) carries the customer's name and address: the copy kept with
    # the envelope goes; the document itself is erased with its own place.
    changed += OutgoingAttachment.objects.filter(
        outgoing__in=OutgoingEmail.objects.filter(_q(subject))
    ).delete()[0]
    for mail in OutgoingEmail.objects.filter(_q(subject)):
        mail.to, mail.last_error = scrub.text(mail.to), scrub.text(mail.last_error)
        mail.save(update_fields=["to", "last_error"])
        changed += 1
    for note in Notification.objects.filter(_q(subject)):
        text = scrub.text(note.text)
        if text != note.text:
            note.text = text
            note.save(update_fields=["text"])
            changed += 1
    return changed


def register_place() -> None:
    register(
        "outgoing_mail",
        description=gettext_lazy("Recipients and errors of e-mails sent, texts of notifications"),
        export=export,
        erase=erase,
    )
