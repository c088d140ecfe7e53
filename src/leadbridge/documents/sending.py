""" "Send" on a quote or pro-forma: an e-mail with the PDF attached, through the outgoing mail
(`mail.services.email_send`: an e-mail activity on the record, sent by the worker with
retries), and the document becomes sent (`services.document_mark_sent`: history, webhook
`document.sent`).

The PDF is rendered before the transaction (it takes a moment, and no row is locked
meanwhile), then the document is locked and its version checked again: what is attached is
exactly the version the sender saw, and an edit in between answers 409 instead of sending an
out-of-date PDF. The mail, the activity and the status change commit together or not at all.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from leadbridge.core.errors import Conflict, field_error
from leadbridge.core.labels import money
from leadbridge.core.normalize import InvalidValue, normalize_email
from leadbridge.core.record_services import check_version
from leadbridge.mail.services import email_send

from .models import Document, Kind, Status
from .payment_qr import variable_symbol
from .pdf import document_language, format_date, format_iban, pdf_filename, render_pdf
from .selectors import document_get
from .services import document_mark_sent

MESSAGE_MAX_CHARS = 10_000
# A quote may be sent again while it is open, a pro-forma until it is paid or cancelled.
SENDABLE = (Status.DRAFT, Status.SENT)


def _recipient(document: Document, to: Any) -> str:
    raw = to if to not in (None, "") else (document.customer or {}).get("email", "")
    if not isinstance(raw, str):
        raise field_error("to", _("Enter a valid e-mail address."))
    try:
        address = normalize_email(raw)
    except InvalidValue:
        address = ""
    if not address:
        if to in (None, ""):
            raise field_error("to", _("The customer has no e-mail address; enter one."))
        raise field_error("to", _("Enter a valid e-mail address."))
    return address


def _message(message: Any) -> str:
    if message in (None, ""):
        return ""
    if not isinstance(message, str):
        raise field_error("message", _("Must be text."))
    if len(message) > MESSAGE_MAX_CHARS:
        raise field_error(
            "message", _("At most %(limit)s characters.") % {"limit": MESSAGE_MAX_CHARS}
        )
    return message.strip()


def email_text(document: Document, message: str = "") -> tuple[str, str]:
    """(subject, body) in the document's language. The body is the sender's message, or a
    short letter, then the facts a reader looks for before opening the PDF."""
    supplier = document.supplier or {}
    with translation.override(document_language(document)):
        if document.kind == Kind.PROFORMA:
            title = _("Pro-forma invoice")
        else:
            title = _("Quote")
        subject = f"{title} {document.number}"
        if supplier.get("name"):
            subject += f" – {supplier['name']}"
        if not message:
            if document.kind == Kind.PROFORMA:
                letter = _(
                    "Hello,\n\nplease find attached the pro-forma invoice %(number)s."
                    "\n\nKind regards,\n%(sender)s"
                )
            else:
                letter = _(
                    "Hello,\n\nplease find attached our quote %(number)s."
                    "\n\nKind regards,\n%(sender)s"
                )
            message = letter % {"number": document.number, "sender": supplier.get("name", "")}
        facts = [(_("Total"), money(document.total_gross, document.currency))]
        if document.kind == Kind.PROFORMA:
            if document.due_date:
                facts.append((_("Due date"), format_date(document.due_date)))
            if supplier.get("iban"):
                facts.append((_("Bank account (IBAN)"), format_iban(supplier["iban"])))
            vs = document.variable_symbol or variable_symbol(document.number)
            if vs:
                facts.append((_("Variable symbol"), vs))
        elif document.valid_until:
            facts.append((_("Valid until"), format_date(document.valid_until)))
        summary = "\n".join(f"{label}: {value}" for label, value in facts)
    return subject, f"{message.rstrip()}\n\n--\n{title} {document.number}\n{summary}\n"


def document_send(
    *, actor: Any, pk: Any, version: Any, to: Any = None, message: Any = None
) -> Document:
    """E-mail the document's PDF to `to` (by default the customer's e-mail) and mark it sent.

    422 at `to` / `message` / `version` (missing), 409 on a stale version or a document
    that can no longer be sent (accepted, rejected, paid, cancelled), 404 / 403 as for any
    change of the document."""

    document = document_get(actor=actor, pk=pk, right="documents")
    if version is None:
        raise field_error("version", _("Send the version you read."), code="version_required")
    check_version(document, version)
    address = _recipient(document, to)
    text = _message(message)
    if document.status not in SENDABLE:
        raise Conflict(
            _("A %(status)s document cannot be sent.") % {"status": Status(document.status).label},
            code="not_sendable",
        )
    if not document.lines.exists():
        raise field_error("lines", _("Add at least one line before sending."))

    pdf = render_pdf(document)
    subject, body = email_text(document, text)
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.deleted_at is not None:
            raise Conflict(_("The document was deleted."), code="deleted")
        check_version(locked, document.version)  # changed while the PDF was made
        email_send(
            actor=actor,
            record_type=locked.record_type,
            record_id=locked.record_id,
            to=address,
            subject=subject,
            body=body,
            attachments=[(pdf_filename(locked), pdf, "application/pdf")],
        )
        return document_mark_sent(actor=actor, document=locked).obj
