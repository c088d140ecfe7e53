"""Telling a user about a new record that became theirs: in the app and by e-mail.

A lead that arrives on its own (a web form) has nobody watching it; its owner learns of it at
once, in their own language, as a reminder's owner does (`mail.reminders`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from leadbridge.core.errors import DomainError

from .models import Notification
from .services import email_send


def notify_new_lead(*, actor: Any, lead: Any, form_name: str) -> Notification | None:
    """An in-app notice and an e-mail to the lead's owner; nothing without an owner.

    Runs inside the caller's transaction: the notice and the queued e-mail commit with the
    lead, or not at all.
    """
    owner = lead.owner if lead.owner_id else None
    if owner is None or not owner.is_active:
        return None
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        text = (
            _("New lead from the web form “%(form)s”: %(name)s")
            % {"form": form_name, "name": str(lead)}
        )[:500]
    notice = Notification.objects.create(
        user=owner, text=text, record_type="lead", record_id=lead.pk
    )
    if owner.email:
        try:
            email_send(
                actor=actor,
                record_type="lead",
                record_id=lead.pk,
                to=owner.email,
                subject=text[:255],
                body=text,
            )
        except DomainError:
            pass  # an owner address that is not valid: the in-app notice stays
    return notice
