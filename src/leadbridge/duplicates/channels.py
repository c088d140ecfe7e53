"""E-mails and phones of merged records: none is lost (issue 18.3).

The survivor keeps its chosen e-mail, phone and mobile; every other address and number of
every merged record goes into `other_emails` / `other_phones` — in record order (survivor
first), once per normalized value, at most `MAX_LIST` of each (the limit the forms and the
API accept). What does not fit is answered as overflow for a note on the survivor.
Pure: no ORM.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings

from leadbridge.core.cleaning import MAX_LIST
from leadbridge.core.normalize import InvalidValue, normalize_email, normalize_phone


def email_key(value: str) -> str:
    try:
        return normalize_email(value)
    except InvalidValue:  # stored before validation got stricter: compare as text
        return value.strip().lower()


def phone_key(value: str, region: str) -> str:
    try:
        return normalize_phone(value, region)
    except InvalidValue:  # kept as typed: compare its digits
        return "".join(ch for ch in value if ch.isdigit() or ch == "+")


def _region(obj: Any) -> str:
    return (getattr(obj, "country", "") or settings.DEFAULT_PHONE_REGION).upper()


def _pool(
    primaries: Iterable[tuple[str, str]], candidates: Iterable[tuple[str, str]]
) -> tuple[list[str], list[str]]:
    """(kept, overflow): the candidates' values not among the primaries, first seen wins."""
    seen = {key for value, key in primaries if value}
    out = []
    for value, key in candidates:
        if value and key and key not in seen:
            seen.add(key)
            out.append(value)
    return out[:MAX_LIST], out[MAX_LIST:]


def pooled_channels(state: dict, records: list[Any]) -> dict[str, list[str]]:
    """Everything the merged `state` needs so no e-mail or phone of `records` is lost.

    `state` holds the survivor's values after the choices; `records` is the survivor then
    the others. Answers other_emails, other_phones and the overflow of each.
    """
    region = (state.get("country") or settings.DEFAULT_PHONE_REGION).upper()
    emails, email_overflow = _pool(
        [(state.get("email") or "", email_key(state.get("email") or ""))],
        [
            (v, email_key(v))
            for v in [
                *(state.get("other_emails") or []),
                *(
                    v
                    for r in records
                    for v in [r.email, *(r.other_emails or [])]
                    if isinstance(v, str)
                ),
            ]
        ],
    )
    phones, phone_overflow = _pool(
        [(state.get(n) or "", phone_key(state.get(n) or "", region)) for n in ("phone", "mobile")],
        [
            *((v, phone_key(v, region)) for v in state.get("other_phones") or []),
            *(
                (v, phone_key(v, _region(r)))
                for r in records
                for v in [r.phone, r.mobile, *(r.other_phones or [])]
                if isinstance(v, str)
            ),
        ],
    )
    return {
        "other_emails": emails,
        "other_phones": phones,
        "email_overflow": email_overflow,
        "phone_overflow": phone_overflow,
    }
