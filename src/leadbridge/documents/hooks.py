"""What the documents app plugs into other apps at start-up (registries, so no domain app
imports this one): its runtime settings, its webhook payloads, the link rows a lead's
conversion copies to the client and deal, products as an import record type, and
the documents as a place of personal data (GDPR export and erasure), and their history
on the timelines of the records they are linked to."""

from __future__ import annotations

from leadbridge.core.representation import register_type
from leadbridge.leads.conversion import register_linked

from .company import register_settings
from .models import DocumentLink
from .privacy import register_place
from .product_import import register as register_product_import
from .serialize import document_dict
from .timeline import register as register_timeline


def register() -> None:

    register_settings()
    register_type("document", document_dict)
    register_linked(DocumentLink, "document_id")
    register_product_import()
    register_place()
    register_timeline()

    from .ui import register_ui  # the card tab (h23c)

    register_ui()
