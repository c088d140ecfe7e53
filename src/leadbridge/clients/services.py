"""Client and contact operations."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from leadbridge.core.errors import Collector
from leadbridge.core.record_services import Saved, record_create, record_delete, record_update

from .models import Client


def validate_client(state: dict, instance: Client | None, out: Collector) -> None:
    kind = state.get("kind") or Client.Kind.COMPANY
    state["kind"] = kind
    if kind == Client.Kind.PERSON:
        if not (state.get("first_name") or state.get("last_name") or state.get("name")):
            out.add("last_name", _("A natural person needs a first or last name."))
        elif not state.get("name"):
            state["name"] = " ".join(
                p for p in (state.get("first_name"), state.get("last_name")) if p
            )
    elif not state.get("name"):
        out.add("name", _("A company needs a name."))


def client_create(*, actor: Any, data: dict) -> Saved:
    return record_create(actor=actor, record_type="client", data=data, validate=validate_client)


def client_update(*, actor: Any, pk: int, data: dict, version: int | None = None) -> Saved:
    with transaction.atomic():
        return record_update(
            actor=actor,
            record_type="client",
            pk=pk,
            data=data,
            version=version,
            validate=validate_client,
        )


def client_delete(*, actor: Any, pk: int, version: int | None = None) -> Saved:
    return record_delete(actor=actor, record_type="client", pk=pk, version=version)


def make_contact_validator(actor: Any):
    def validate(state: dict, instance: Any, out: Collector) -> None:
        if not (state.get("first_name") or state.get("last_name") or state.get("email")):
            out.add("last_name", _("Enter at least a first or last name or an e-mail."))
        # client_id and lead_id are checked against the actor's scope with every reference
        # (core/record_services._check_refs).

    return validate


def contact_create(*, actor: Any, data: dict) -> Saved:
    return record_create(
        actor=actor, record_type="contact", data=data, validate=make_contact_validator(actor)
    )


def contact_update(*, actor: Any, pk: int, data: dict, version: int | None = None) -> Saved:
    with transaction.atomic():
        return record_update(
            actor=actor,
            record_type="contact",
            pk=pk,
            data=data,
            version=version,
            validate=make_contact_validator(actor),
        )


def contact_delete(*, actor: Any, pk: int, version: int | None = None) -> Saved:
    return record_delete(actor=actor, record_type="contact", pk=pk, version=version)
