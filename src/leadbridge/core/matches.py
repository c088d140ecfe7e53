"""Exact-key matches of a record about to be created (conversion, create-time checks).

Matches have one shape used by every duplicate check:
{"record_type", "id", "display_name", "score", "reasons": [...]}. Lookups go through indexed
normalized columns, so the cost does not grow with the table.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db.models import Q

from .normalize import InvalidValue, normalize_email, normalize_phone
from .registry import model_for

_ID_JUNK = re.compile(r"[\s./-]+")


def company_id_variants(value: str | None) -> list[str]:
    """The registration number or VAT id as typed and without spaces and punctuation."""
    if not value:
        return []
    raw = value.strip()
    compact = _ID_JUNK.sub("", raw).upper()
    return sorted({raw, compact} - {""})


def match_keys(values: dict) -> dict[str, list[str]]:
    """Normalized keys of a record's values: e-mails, E.164 phones, company ids."""
    region = values.get("country") or settings.DEFAULT_PHONE_REGION
    emails, phones = [], []
    for raw in [values.get("email"), *(values.get("other_emails") or [])]:
        try:
            if raw and (e := normalize_email(raw)):
                emails.append(e)
        except InvalidValue:
            pass
    for raw in [values.get("phone"), values.get("mobile"), *(values.get("other_phones") or [])]:
        try:
            if raw and (p := normalize_phone(raw, region)):
                phones.append(p)
        except InvalidValue:
            pass
    return {
        "email": sorted(set(emails)),
        "phone": sorted(set(phones)),
        "registration_number": company_id_variants(values.get("registration_number")),
        "vat_id": company_id_variants(values.get("vat_id")),
    }


REASONS = {
    "email": "same e-mail",
    "phone": "same phone",
    "registration_number": "same registration number",
    "vat_id": "same VAT id",
}
SCORES = {"registration_number": 1.0, "vat_id": 1.0, "email": 0.95, "phone": 0.9}


def exact_matches(
    record_type: str, values: dict, *, queryset=None, limit: int = 10
) -> list[dict[str, Any]]:
    """Live records of `record_type` sharing an e-mail, phone or company id with `values`."""
    keys = match_keys(values)
    model = model_for(record_type)
    has_company_ids = hasattr(model, "registration_number")
    q = Q()
    if keys["email"]:
        q |= Q(email_normalized__in=keys["email"])
    if keys["phone"]:
        q |= Q(phone_normalized__in=keys["phone"]) | Q(mobile_normalized__in=keys["phone"])
    if has_company_ids and keys["registration_number"]:
        q |= Q(registration_number__in=keys["registration_number"])
    if has_company_ids and keys["vat_id"]:
        q |= Q(vat_id__in=keys["vat_id"])
    if not q:
        return []
    qs = queryset if queryset is not None else model.objects.alive()
    found = []
    for obj in qs.filter(q).order_by("id")[:limit]:
        reasons, score = [], 0.0
        if obj.email_normalized and obj.email_normalized in keys["email"]:
            reasons.append("email")
        if {obj.phone_normalized, obj.mobile_normalized} & set(keys["phone"]) - {""}:
            reasons.append("phone")
        if has_company_ids:
            if obj.registration_number and obj.registration_number in keys["registration_number"]:
                reasons.append("registration_number")
            if obj.vat_id and obj.vat_id in keys["vat_id"]:
                reasons.append("vat_id")
        if not reasons:
            continue
        score = max(SCORES[r] for r in reasons)
        found.append(
            {
                "record_type": record_type,
                "id": obj.pk,
                "display_name": obj.display_name,
                "score": score,
                "reasons": [REASONS[r] for r in reasons],
            }
        )
    return found
