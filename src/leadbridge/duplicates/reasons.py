"""The matcher's reasons in the reader's language.

`matching` is pure and speaks English ("same e-mail", "name 0.93"); the answers a person
reads (API, pages) pass its reasons through `translated` at the edge, in the language of the
request. A finder job's stored groups stay in English and are translated when read.
"""

from __future__ import annotations

import re

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# The fixed reasons, listed so that makemessages finds them.
FIXED = (
    gettext_noop("same e-mail"),
    gettext_noop("same e-mail name, other domain"),
    gettext_noop("same phone"),
    gettext_noop("same registration number"),
    gettext_noop("other registration number"),
    gettext_noop("same name"),
    gettext_noop("rare name"),
    gettext_noop("common name"),
    gettext_noop("same company"),
    gettext_noop("same postcode"),
    gettext_noop("same city"),
    gettext_noop("same street and number"),
)
_SCORED = re.compile(r"^(name|company|street) (\d+\.\d+)$")


def translated(reasons: list[str]) -> list[str]:
    out = []
    for reason in reasons:
        scored = _SCORED.match(reason)
        if scored:
            value = number_format(float(scored[2]), 2)
            text = {
                "name": _("name %(score)s"),
                "company": _("company %(score)s"),
                "street": _("street %(score)s"),
            }[scored[1]]
            out.append(text % {"score": value})
        else:
            out.append(_(reason))
    return out


def localized(groups: list[dict] | None) -> list[dict] | None:
    """Finder groups with their reasons (and their records' reasons) translated."""
    if groups is None:
        return None
    return [
        {
            **group,
            "reasons": translated(group["reasons"]),
            "records": [{**r, "reasons": translated(r["reasons"])} for r in group["records"]],
        }
        for group in groups
    ]


# Which fields of a record form each reason is about, so a form can mark them.
_FIELDS = {
    "e-mail": ("email", "other_emails"),
    "phone": ("phone", "mobile", "other_phones"),
    "registration number": ("registration_number",),
    "name": ("first_name", "last_name", "name"),
    "company": ("company_name", "name"),
    "postcode": ("postcode",),
    "city": ("city",),
    "street": ("street",),
}


def matched_fields(reasons: list[str]) -> list[str]:
    """The form fields the (English) reasons speak of, in form order: "same phone" ->
    phone, mobile, other_phones. Reasons that tell records apart ("other …") mark nothing."""
    fields: list[str] = []
    for reason in reasons:
        if reason.startswith(("other ", "common ")):
            continue
        for word, names in _FIELDS.items():
            if word in reason:
                fields += [n for n in names if n not in fields]
                break
    return fields
