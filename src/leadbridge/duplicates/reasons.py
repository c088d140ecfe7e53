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
    gettext_noop("phone 1 typo"),
    gettext_noop("registration number 1 typo"),
    gettext_noop("registration number 2 typos"),
    gettext_noop("same first name"),
    gettext_noop("same last name"),
    gettext_noop("first and last name swapped"),
    gettext_noop("first name 1 typo"),
    gettext_noop("last name 1 typo"),
    gettext_noop("first name initial"),
    gettext_noop("postcode 1 typo"),
    gettext_noop("postcode 2 typos"),
    gettext_noop("same street"),
    gettext_noop("same house number"),
    gettext_noop("house number 1 typo"),
    gettext_noop("same address line 2"),
    gettext_noop("similar address line 2"),
)
_SCORED = re.compile(r"^(name|first name|last name|company|city|street) (\d+\.\d+)$")
_WEIGHT = re.compile(r"^(.*) \(([+-]\d+(?:\.\d+)?)\)$")


def reason_weight(reason: str) -> float | None:
    """The weight in bits an (English) reason ends with: "same postcode (+6.2)" -> 6.2."""
    weighed = _WEIGHT.match(reason)
    return float(weighed[2]) if weighed else None


def translated(reasons: list[str]) -> list[str]:
    out = []
    for reason in reasons:
        weighed = _WEIGHT.match(reason)
        base = weighed[1] if weighed else reason
        scored = _SCORED.match(base)
        if scored:
            value = number_format(float(scored[2]), 2)
            text = {
                "name": _("name %(score)s"),
                "first name": _("first name %(score)s"),
                "last name": _("last name %(score)s"),
                "company": _("company %(score)s"),
                "city": _("city %(score)s"),
                "street": _("street %(score)s"),
            }[scored[1]]
            text = text % {"score": value}
        else:
            text = _(base)
        if weighed:
            weight = float(weighed[2])
            sign = "+" if weight >= 0 else "\u2212"
            text = f"{text} ({sign}{number_format(abs(weight), 1)})"
        out.append(text)
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
    "first name": ("first_name",),
    "last name": ("last_name",),
    "house number": ("street",),
    "address line 2": ("street2",),
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
