"""Reading documents and products with the access of the records documents are linked to.

A document is visible to whoever may view one of the live records it is linked to (as an
activity is, `activities/selectors.py`); changing it (edit, status, send, pro-forma, delete)
needs the role right `documents` on one of those records, in scope.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from leadbridge.activities.services import record_for as attached_record
from leadbridge.core import labels
from leadbridge.core.cleaning import MAX_ID
from leadbridge.core.errors import Forbidden, NotFound, field_error
from leadbridge.core.registry import model_for
from leadbridge.people import access

from .models import Document, DocumentLink, Product

DOCUMENT_RECORD_TYPES = ("lead", "client", "deal")


def _reachable(actor: Any, right: str = "view") -> Q:
    """Documents linked to at least one live record on which the actor has `right`."""
    q = Q(pk__in=[])
    for record_type in DOCUMENT_RECORD_TYPES:
        scope = access.scope_q(actor, record_type, right)
        if scope is None:
            continue
        records = model_for(record_type).objects.alive().filter(scope).values("pk")
        q |= Q(
            Exists(
                DocumentLink.objects.filter(
                    document=OuterRef("pk"), record_type=record_type, record_id__in=records
                )
            )
        )
    return q


def document_list(
    *,
    actor: Any,
    record_type: str | None = None,
    record_id: int | None = None,
    kind: str | None = None,
    status: str | None = None,
) -> QuerySet:
    qs = Document.objects.filter(deleted_at__isnull=True)
    if record_type is not None:
        record = record_for(actor, record_type, record_id, "view")
        qs = qs.filter(
            Exists(
                DocumentLink.objects.filter(
                    document=OuterRef("pk"), record_type=record_type, record_id=record.pk
                )
            )
        )
    elif not access.is_admin(actor):
        qs = qs.filter(_reachable(actor))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("owner").order_by("-issue_date", "-id")


def documents_for_record(*, actor: Any, record_type: str, record_id: int) -> QuerySet:
    return document_list(actor=actor, record_type=record_type, record_id=record_id)


def document_get(*, actor: Any, pk: Any, right: str = "view") -> Document:
    """The live document with its lines and links; 404 when the actor may not see it, 403
    when they may see it but not exercise `right` (`documents` for any change)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    if not 0 < pk <= MAX_ID:  # beyond what the id column holds: no such row, not a 500
        pk = 0
    qs = Document.objects.filter(pk=pk, deleted_at__isnull=True)
    if not access.is_admin(actor):
        qs = qs.filter(_reachable(actor))
    document = qs.prefetch_related("lines", "links").select_related("owner").first()
    if document is None:
        raise NotFound(_("No document with id %(pk)s.") % {"pk": pk}, code="not_found")
    if right != "view" and not access.is_admin(actor):
        if not Document.objects.filter(pk=pk).filter(_reachable(actor, right)).exists():
            raise Forbidden(
                _("You may not %(right)s this %(record_type)s.")
                % {
                    "right": labels.right(right),
                    "record_type": labels.record_type(document.record_type),
                }
            )
    return document


def product_list(*, actor: Any, q: str | None = None, active: bool | None = None) -> QuerySet:
    qs = Product.objects.all()
    if active is not None:
        qs = qs.filter(active=active)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    return qs.order_by("name", "id")


def product_get(*, actor: Any, pk: Any) -> Product:
    valid = str(pk).isdigit() and 0 < int(pk) <= MAX_ID
    product = Product.objects.filter(pk=int(pk)).first() if valid else None
    if product is None:
        raise NotFound(_("No product with id %(pk)s.") % {"pk": pk})
    return product


def record_for(actor: Any, record_type: Any, record_id: Any, right: str) -> Any:
    """The live lead, client or deal, with `right` checked (404 when not visible): the
    record lookup every attachment uses (`activities.services.record_for`), for the types
    a document may belong to."""
    if record_type not in DOCUMENT_RECORD_TYPES:
        raise field_error("record_type", _("Must be one of: lead, client, deal."))
    return attached_record(actor, record_type, record_id, right)
