"""How a lead's next activity shows on the list and the board (one function for both).

The board renders up to 30 cards a column, so the texts and the date format are looked up
once per language rather than per card (see bench/ui_pages.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import dateformat, formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

_TEXTS: dict[str, dict[str, str]] = {}


def _texts() -> dict[str, str]:
    language = get_language() or ""
    texts = _TEXTS.get(language)
    if texts is None:
        texts = _TEXTS[language] = {
            "date": formats.get_format("SHORT_DATE_FORMAT"),
            "none_title": _("No activity scheduled: plan the next step."),
            "none": _("No activity"),
            "overdue": _("Overdue"),
            "overdue_title": _("Overdue since"),
            "next_title": _("Next activity"),
            "activity": _("Activity"),
        }
    return texts


def next_activity_html(lead: Any, now: dt.datetime | None = None) -> SafeString:
    """The stored next activity (date and subject), red and labelled when overdue; a
    warning when nothing is scheduled, as Pipedrive shows it."""
    texts = _texts()
    at = lead.next_activity_at
    if at is None:
        return format_html(
            '<span class="next-act none" title="{}">⚠ {}</span>', texts["none_title"], texts["none"]
        )
    local = timezone.localtime(at)
    when = dateformat.format(local, texts["date"])
    title = f"{when} {local:%H:%M}"
    subject = lead.next_activity_subject or texts["activity"]
    if at < (now or timezone.now()):
        return format_html(
            '<span class="next-act overdue" title="{} {}">'
            '<span class="tag">{}</span> {} · {}</span>',
            texts["overdue_title"],
            title,
            texts["overdue"],
            when,
            subject,
        )
    return format_html(
        '<span class="next-act" title="{} {}">{} · {}</span>',
        texts["next_title"],
        title,
        when,
        subject,
    )
