"""Which lead value goes to which field of the client, contact and deal (pure: no ORM).

Standard fields map by meaning: the lead's company becomes a client of kind company (a lead
without a company becomes a client of kind person, the Czech seed's natural person), the
person becomes the contact, the expected value the deal's value. Custom fields map by key.
"""

from __future__ import annotations

from typing import Any

ADDRESS = ("street", "street2", "city", "postcode", "region", "country")
CHANNELS = ("email", "phone", "mobile", "other_emails", "other_phones")


def person_name(lead: dict) -> str:
    return " ".join(p for p in (lead.get("first_name"), lead.get("last_name")) if p)


def client_values(lead: dict, *, with_contact: bool) -> dict[str, Any]:
    """A company client keeps the firm's data; the person's channels go to the contact,
    unless no contact is made, when the client keeps them so nothing is lost."""
    values: dict[str, Any] = {
        "registration_number": lead.get("registration_number") or "",
        "vat_id": lead.get("vat_id") or "",
        "website": lead.get("website") or "",
        "source_id": lead.get("source_id"),
        "tags": list(lead.get("tags") or []),
        "description": lead.get("description") or "",
    }
    values.update({name: lead.get(name) or "" for name in ADDRESS})
    if lead.get("company_name"):
        values["kind"] = "company"
        values["name"] = lead["company_name"]
        if not with_contact:
            values.update({name: lead.get(name) or _empty(name) for name in CHANNELS})
    else:
        values["kind"] = "person"
        values["first_name"] = lead.get("first_name") or ""
        values["last_name"] = lead.get("last_name") or ""
        values["name"] = person_name(lead)
        values.update({name: lead.get(name) or _empty(name) for name in CHANNELS})
    return values


def contact_values(lead: dict) -> dict[str, Any]:
    values: dict[str, Any] = {
        "first_name": lead.get("first_name") or "",
        "last_name": lead.get("last_name") or "",
        "job_title": lead.get("job_title") or "",
        "website": "",
        "tags": list(lead.get("tags") or []),
    }
    values.update({name: lead.get(name) or _empty(name) for name in CHANNELS})
    values.update({name: lead.get(name) or "" for name in ADDRESS})
    return values


def deal_title(lead: dict) -> str:
    return lead.get("company_name") or person_name(lead) or lead.get("email") or "Deal"


def deal_values(lead: dict) -> dict[str, Any]:
    return {
        "title": deal_title(lead),
        "value": lead.get("expected_value"),
        "currency": lead.get("currency") or "",
        "source_lead_id": lead.get("id"),
        "tags": list(lead.get("tags") or []),
    }


def _empty(name: str) -> Any:
    return [] if name.startswith("other_") else ""


def is_empty(value: Any) -> bool:
    return value in (None, "", [], {})


def merge_into_existing(
    existing: dict, mapped: dict, overwrite: set[str]
) -> tuple[dict, list[dict]]:
    """Values to write into an existing record, and the conflicts to show.

    Only empty fields are filled; a field named in `overwrite` takes the lead's value.
    A conflict is a field where both have a value and they differ.
    """
    changes: dict[str, Any] = {}
    conflicts: list[dict] = []
    for name, value in mapped.items():
        if is_empty(value) or name == "kind":
            continue
        current = existing.get(name)
        if is_empty(current):
            changes[name] = value
        elif current != value:
            conflicts.append({"field": name, "existing": current, "lead": value})
            if name in overwrite:
                changes[name] = value
    return changes, conflicts


def split_custom_fields(
    lead_custom: dict, target_defs: dict[str, dict], lead_defs: dict[str, dict]
) -> tuple[dict, list[dict]]:
    """(values the target can take now, definitions the target lacks) for the lead's custom
    field values. A key whose type differs on the target is not carried (and not created)."""
    carried: dict[str, Any] = {}
    missing: list[dict] = []
    for key, value in (lead_custom or {}).items():
        if is_empty(value):
            continue
        target = target_defs.get(key)
        source = lead_defs.get(key)
        if target is not None:
            if source is None or target["type"] == source["type"]:
                carried[key] = value
        elif source is not None:
            missing.append(
                {
                    "key": key,
                    "label": source["label"],
                    "type": source["type"],
                    "choices": list(source.get("choices") or []),
                }
            )
    return carried, missing
