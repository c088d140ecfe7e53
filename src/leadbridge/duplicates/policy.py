"""What to do when a new record matches an existing one: the one `on_duplicate` vocabulary
of every way in (API, public web form, import, conversion, capture with leads off).

Each way in offers the values that make sense for it (`WEBFORM`, `CONVERSION`; the API and
the import take them all) and validates against this one enum (`parse`), so a value means
the same wherever it is sent. `duplicates/intake.py` acts on them.

A light module (no models, no services): models, schemas and forms import it.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadbridge.core.errors import field_error


class OnDuplicate(models.TextChoices):
    ALLOW = "allow", gettext_lazy("create a new record anyway")
    REJECT = "reject", gettext_lazy("refuse the new record")
    SKIP = "skip", gettext_lazy("create nothing")
    FILL = "fill", gettext_lazy("fill the existing record's empty fields")
    OVERWRITE = "overwrite", gettext_lazy("replace the existing record's values with the new ones")
    LINK = "link", gettext_lazy("add the values as a note on the existing record")


# Accepted for existing clients, read as the value it names. "update" filled empty fields in
# the API and overwrote them in the import; it now fills everywhere (stored import jobs that
# said "update" were migrated to "overwrite", what they meant).
DEPRECATED = {"update": OnDuplicate.FILL}

# The values as the API's schemas declare them (django-ninja needs a Literal); a test checks
# it lists the enum and the deprecated aliases, nothing else.
OnDuplicateValue = Literal["allow", "reject", "skip", "fill", "overwrite", "link", "update"]

ALL: tuple[OnDuplicate, ...] = tuple(OnDuplicate)
# A public form never reveals that a record exists (no reject) and never changes what is
# stored beyond its empty fields (no overwrite).
WEBFORM: tuple[OnDuplicate, ...] = (
    OnDuplicate.ALLOW,
    OnDuplicate.SKIP,
    OnDuplicate.FILL,
    OnDuplicate.LINK,
)
CONVERSION: tuple[OnDuplicate, ...] = ALL
# The ones that act on the existing record instead of making a new one.
USE_MATCH: tuple[OnDuplicate, ...] = (
    OnDuplicate.SKIP,
    OnDuplicate.FILL,
    OnDuplicate.OVERWRITE,
    OnDuplicate.LINK,
)

DOC = (
    "What to do when the record matches an existing one of its type: "
    "allow (save it and report the matches), "
    "reject (409 `duplicate` with the matches, nothing saved), "
    "skip (save nothing; the match is the answer), "
    "fill (fill the match's empty fields with the submitted values), "
    "overwrite (the submitted non-empty values replace the match's), "
    "link (add the submitted values as a note on the match). "
    "`update` is a deprecated alias of `fill`."
)


def parse(
    value: Any, *, allowed: tuple[OnDuplicate, ...] = ALL, field: str = "on_duplicate"
) -> OnDuplicate:
    """The enum member `value` names (a deprecated alias read as its value); a structured
    422 at `field` when it is none of `allowed`."""
    if isinstance(value, str):
        value = DEPRECATED.get(value, value)
    if value in OnDuplicate.values and OnDuplicate(value) in allowed:
        return OnDuplicate(value)
    raise field_error(field, must_be(allowed))


def must_be(allowed: tuple[OnDuplicate, ...] = ALL) -> str:
    return _("Must be one of: %(choices)s.") % {"choices": ", ".join(v.value for v in allowed)}


def choices(allowed: tuple[OnDuplicate, ...] = ALL) -> list[tuple[str, Any]]:
    """(value, label) of `allowed`, for a model field's or a page's select."""
    return [(v.value, v.label) for v in allowed]
