"""How a lead's next activity shows on the list and the board (one function for both)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _


def next_activity_html(lead: Any, now: dt.datetime | None = None) -> SafeString:
    """The stored next activity (date and subject), red and labelled when overdue; a
    warning when nothing is scheduled, as Pipedrive shows it."""
    at = lead.next_activity_at
    if at is None:
        return format_html(
            '<span class="next-act none" title="{}">⚠ {}</span>',
            _("No activity scheduled: plan the next step."),
            _("No activity"),
        )
    local = timezone.localtime(at)
    when = formats.date_format(local, "SHORT_DATE_FORMAT")
    subject = lead.next_activity_subject or _("Activity")
    if at < (now or timezone.now()):
        return format_html(
            '<span class="next-act overdue" title="{} {}">'
            '<span class="tag">{}</span> {} · {}</span>',
            _("Overdue since"),
            formats.date_format(local, "SHORT_DATETIME_FORMAT"),
            _("Overdue"),
            when,
            subject,
        )
    return format_html(
        '<span class="next-act" title="{} {}">{} · {}</span>',
        _("Next activity"),
        formats.date_format(local, "SHORT_DATETIME_FORMAT"),
        when,
        subject,
    )
