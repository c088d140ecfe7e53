"""What a captured submission becomes: a lead, or — with the "Use leads" setting off — a
contact (and a client when a company name is given) plus a deal.

The one place web forms (`webforms.services.webform_submit`) and imports
(`imports.writer.BatchWriter`) ask. Both hand over lead-shaped values (the lead's field
names, as their forms and mappings name them); with leads on they make the lead as before,
with leads off they call `capture_deal`, which spreads the values over the three records
through the records' own services (`clients.services`, `deals.services`) behind the same
duplicate check every way in asks (`duplicates.intake.create_checked`), so the validation,
scope and history are those of a contact, client and deal made any other way.

How `on_duplicate` (`duplicates.policy.OnDuplicate`) reads for a capture (the person is
what is matched; the company is matched on its own and reused when found):

allow      a new contact (and client) whatever matches
reject     409 `duplicate`, nothing saved, when the person or the company matches
skip       nothing is saved when the person matches (the answer is the existing contact)
fill       the matching contact's empty fields are filled; a new deal is made for it
overwrite  the matching contact takes the submitted values; a new deal is made for it
link       the values are noted on the matching contact; a new deal is made for it

A submission from a known person is a new inquiry, hence the new deal under fill,
overwrite and link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from leadbridge.clients.services import (
    client_create,
    client_update,
    contact_create,
    contact_update,
)
from leadbridge.core.errors import Collector
from leadbridge.core.runtime_settings import leads_enabled
from leadbridge.customfields.services import definitions
from leadbridge.deals.models import Stage
from leadbridge.deals.services import deal_create
from leadbridge.duplicates.intake import create_checked
from leadbridge.duplicates.policy import ALL, OnDuplicate, parse

LEAD = "lead"
DEAL = "deal"

# Lead fields and where they go. Person fields: the contact; company fields: the client;
# both get the placement (owner, team) and the tags; the deal gets the money.
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "job_title",
    "email",
    "phone",
    "mobile",
    "other_emails",
    "other_phones",
    "street",
    "street2",
    "city",
    "postcode",
    "region",
    "country",
)
CLIENT_FIELDS = (
    "registration_number",
    "vat_id",
    "website",
    "street",
    "street2",
    "city",
    "postcode",
    "region",
    "country",
    "source_id",
)
PLACEMENT = ("owner_id", "team_id")
SHARED = ("tags",)


def becomes() -> str:
    """What a captured submission becomes now: LEAD, or DEAL (a contact, client and deal)."""
    return LEAD if leads_enabled() else DEAL


@dataclass
class Captured:
    """What `capture_deal` did. `outcome` as `duplicates.intake.Intake` (created, skipped,
    updated, linked) for the person; `contact` is the record the submission is about
    (consent, autoresponder, notices go there), None when only a company was given."""

    outcome: str
    contact: Any = None
    client: Any = None
    deal: Any = None
    client_created: bool = False

    @property
    def record(self) -> tuple[str, Any]:
        """The person's record, or the company's when there is no person."""
        return ("contact", self.contact) if self.contact is not None else ("client", self.client)

    def created(self) -> list[tuple[str, int]]:
        """(record type, id) of the records this capture made (for an import's undo)."""
        made = []
        if self.client is not None and self.client_created:
            made.append(("client", self.client.pk))
        if self.contact is not None and self.outcome == "created":
            made.append(("contact", self.contact.pk))
        if self.deal is not None:
            made.append(("deal", self.deal.pk))
        return made


def _pick(data: dict, names: tuple[str, ...]) -> dict:
    return {k: data[k] for k in names if data.get(k) not in (None, "", [], {})}


def _person_given(data: dict) -> bool:
    return any(data.get(k) for k in ("first_name", "last_name", "email", "phone", "mobile"))


def _title(data: dict, origin: str) -> str:
    who = (data.get("company_name") or "").strip() or " ".join(
        p for p in (data.get("first_name"), data.get("last_name")) if p
    )
    who = who or data.get("email") or data.get("phone") or data.get("mobile") or _("New inquiry")
    return f"{who} · {origin}"[:255] if origin else str(who)[:255]


def _deal_custom(custom: dict) -> tuple[dict, list[str]]:
    """The lead custom values as the deal's custom fields where the deal has a field of the
    same key; the others as "label: value" lines for the deal's notes (nothing is lost)."""

    if not custom:
        return {}, []
    deal_keys = {d.key for d in definitions("deal")}
    labels = {d.key: d.label for d in definitions("lead")}
    kept = {k: v for k, v in custom.items() if k in deal_keys}
    lines = [f"{labels.get(k, k)}: {v}" for k, v in custom.items() if k not in deal_keys]
    return kept, lines


def capture_deal(
    *,
    actor: Any,
    data: dict,
    on_duplicate: OnDuplicate | str,
    allowed: tuple[OnDuplicate, ...] = ALL,
    source: str = "",
    pipeline_id: int | None = None,
    stage_id: int | None = None,
    origin: str = "",
    reveal: bool = True,
) -> Captured:
    """Make a contact (and a client for a company name) and a deal from lead-shaped `data`.

    Atomic: all of it or nothing (within a caller's transaction, no savepoint of its own:
    a refusal fails the caller's write, as a lead's create does). The deal goes to
    `pipeline_id` (its first stage unless `stage_id`), or the default pipeline. Errors are
    `DomainError`s at the lead's field names (`company_name` for the client's name).
    """

    mode = parse(on_duplicate, allowed=allowed)
    company = (data.get("company_name") or "").strip()
    placement = _pick(data, PLACEMENT + SHARED)
    custom, note_lines = _deal_custom(dict(data.get("custom_fields") or {}))
    person = _person_given(data) or not company
    result = Captured(outcome="created")

    def company_client() -> Any:
        """The client of the company (made or matched), once, when first needed: a person
        who is skipped as a duplicate leaves no client behind."""
        known = result.contact.client if result.contact is not None else None
        if result.client is None and known is not None and known.deleted_at is None:
            # A known person's inquiry goes to the client they already belong to: a company
            # name alone is too little for the matcher to find it again.
            result.client = known
        if result.client is None and company:
            # The company is only reused: a person's submission does not change it.
            client_mode = (
                mode if mode in (OnDuplicate.ALLOW, OnDuplicate.REJECT) else OnDuplicate.SKIP
            )
            got = create_checked(
                actor=actor,
                record_type="client",
                data={"kind": "company", "name": company, **_pick(data, CLIENT_FIELDS)} | placement,
                on_duplicate=client_mode,
                create=client_create,
                update=client_update,
                reveal=reveal,
            )
            result.client, result.client_created = got.obj, got.outcome == "created"
        return result.client

    def new_contact(*, actor: Any, data: dict) -> Any:
        client = company_client()
        return contact_create(actor=actor, data=data | ({"client_id": client.pk} if client else {}))

    with transaction.atomic(savepoint=False):
        if person:
            got = create_checked(
                actor=actor,
                record_type="contact",
                data=_pick(data, CONTACT_FIELDS) | placement,
                on_duplicate=mode,
                source=source,
                create=new_contact,
                update=contact_update,
                reveal=reveal,
            )
            result.contact, result.outcome = got.obj, got.outcome
            if got.outcome == "skipped":
                return result  # "create nothing": the existing contact is the answer
        if company_client() is not None and not person and not result.client_created:
            result.outcome = "linked"  # a company alone, already known: its new deal
        notes = "\n".join(p for p in (data.get("description") or "", *note_lines) if p)
        deal_data: dict[str, Any] = {
            "title": _title(data, origin),
            "value": data.get("expected_value"),
            "currency": data.get("currency") or "",
            "description": notes,
            **placement,
        }
        if custom:
            deal_data["custom_fields"] = custom
        if pipeline_id is not None:
            deal_data["pipeline_id"] = pipeline_id
        if stage_id is not None:
            deal_data["stage_id"] = stage_id
        if result.client is not None:
            deal_data["client_id"] = result.client.pk
        if result.contact is not None:
            deal_data["contact_id"] = result.contact.pk
        deal_data = {k: v for k, v in deal_data.items() if v not in (None, "")} | {
            "title": deal_data["title"]
        }
        result.deal = deal_create(actor=actor, data=deal_data).obj
    return result


def check_pipeline(pipeline_id: Any, out: Collector, field: str = "pipeline_id") -> None:
    """A pipeline chosen for captured deals (a web form's, an import's) must exist and
    have a stage."""

    if pipeline_id in (None, ""):
        return
    if not isinstance(pipeline_id, int) or isinstance(pipeline_id, bool):
        out.add(field, _("Choose a pipeline."))
    elif not Stage.objects.filter(pipeline_id=pipeline_id).exists():
        out.add(field, _("The pipeline does not exist or has no stages."))
