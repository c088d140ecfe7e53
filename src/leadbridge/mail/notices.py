"""Telling a user about a new record that became theirs: in the app and by e-mail.

A lead that arrives on its own (a web form) has nobody watching it; its owner learns of it at
once, in their own language, as a reminder's owner does (`mail.reminders`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from leadbridge.core.errors import DomainError

from .models import Notification
from .services import email_send


def notify_new_lead(*, actor: Any, lead: Any, form_name: str) -> Notification | None:
    """An in-app notice and an e-mail to the lead's owner; nothing without an owner.

    Runs inside the caller's transaction: the notice and the queued e-mail commit with the
    lead, or not at all.
    """
    return _notify_owner(
        actor=actor,
        record_type="lead",
        record=lead,
        message=gettext_noop("New lead from the web form “%(form)s”: %(name)s"),
        form_name=form_name,
    )


def notify_new_deal(*, actor: Any, deal: Any, form_name: str) -> Notification | None:
    """As `notify_new_lead`, for the deal a web form makes while "Use leads" is off."""
    return _notify_owner(
        actor=actor,
        record_type="deal",
        record=deal,
        message=gettext_noop("New deal from the web form “%(form)s”: %(name)s"),
        form_name=form_name,
    )


def _notify_owner(
    *, actor: Any, record_type: str, record: Any, message: str, form_name: str
) -> Notification | None:
    # `message` is marked with gettext_noop: translated here, in the owner's language.
    owner = record.owner if record.owner_id else None
    if owner is None or not owner.is_active:
        return None
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        text = (_(message) % {"form": form_name, "name": str(record)})[:500]
    notice = Notification.objects.create(
        user=owner, text=text, record_type=record_type, record_id=record.pk
    )
    if owner.email:
        try:
            email_send(
                actor=actor,
                record_type=record_type,
                record_id=record.pk,
                to=owner.email,
                subject=text[:255],
                body=text,
            )
        except DomainError:
            pass  # an owner address that is not valid: the in-app notice stays
    return notice
