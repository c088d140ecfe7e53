"""Quotes and pro-forma invoices: the price list, numbering series, documents and lines.

Money is `Decimal` in every column and every computation (`totals.py`); a document keeps
its totals as computed when its lines were last saved, so lists need no line query.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 16, "decimal_places": 2}
# Unit prices may carry fractions of a cent (0.0125 EUR a text message); line bases do not.
UNIT_PRICE = {"max_digits": 18, "decimal_places": 4}
QUANTITY = {"max_digits": 14, "decimal_places": 3}
RATE = {"max_digits": 5, "decimal_places": 2}


class Kind(models.TextChoices):
    QUOTE = "quote", _("quote")
    PROFORMA = "proforma", _("pro-forma invoice")


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SENT = "sent", _("sent")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")
    PAID = "paid", _("paid")
    CANCELLED = "cancelled", _("cancelled")


# Status moves each kind allows (documents/services.document_change_status).
TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Kind.QUOTE: {
        Status.DRAFT: (Status.SENT,),
        Status.SENT: (Status.ACCEPTED, Status.REJECTED, Status.DRAFT),
        Status.ACCEPTED: (),
        Status.REJECTED: (),
    },
    Kind.PROFORMA: {
        Status.DRAFT: (Status.SENT, Status.CANCELLED),
        Status.SENT: (Status.PAID, Status.CANCELLED),
        Status.PAID: (),
        Status.CANCELLED: (),
    },
}


class Product(models.Model):
    """One price-list item. `code` is unique when given (imports update by it)."""

    name = models.CharField(_("name"), max_length=255)
    code = models.CharField(_("code"), max_length=64, blank=True, default="")
    unit = models.CharField(_("unit"), max_length=20, blank=True, default="")
    unit_price = models.DecimalField(_("unit price"), **UNIT_PRICE, default=0)
    currency = models.CharField(_("currency"), max_length=3, blank=True, default="")
    vat_rate = models.DecimalField(_("VAT rate"), **RATE, default=0)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="product_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class NumberSeries(models.Model):
    """The last number issued for one kind in one year.

    `document_issue_number` locks this row (SELECT … FOR UPDATE) to take the next number, so
    two documents issued at once never get the same one; the counter only grows, so a number
    is never reused, even after the document is deleted.
    """

    kind = models.CharField(max_length=10, choices=Kind.choices)
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="numberseries_kind_year")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last_number}"


class Document(models.Model):
    """A quote or a pro-forma invoice issued on a lead, client or deal.

    `record_type`/`record_id` is where it was issued; `DocumentLink` rows list every record it
    shows on (that one, and the client and deal a conversion makes of a lead).
    `supplier` and `customer` are snapshots (dicts) taken at issue: later changes of the
    company settings or of the record do not alter an issued document.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=50, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    record_type = models.CharField(max_length=20)
    record_id = models.BigIntegerField()
    language = models.CharField(_("language"), max_length=5, blank=True, default="")
    issue_date = models.DateField(_("issue date"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    supplier = models.JSONField(_("supplier"), default=dict, blank=True)
    customer = models.JSONField(_("customer"), default=dict, blank=True)
    reverse_charge = models.BooleanField(_("reverse charge"), default=False)
    # The VIES answer the reverse charge rests on: {vat_id, valid, checked_at, name, source}.
    vat_check = models.JSONField(default=dict, blank=True)
    variable_symbol = models.CharField(_("variable symbol"), max_length=10, blank=True, default="")
    notes = models.TextField(_("notes"), blank=True, default="")
    total_base = models.DecimalField(**MONEY, default=0)
    total_vat = models.DecimalField(**MONEY, default=0)
    total_gross = models.DecimalField(**MONEY, default=0)
    source_document = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="derived"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        indexes = [models.Index(fields=["record_type", "record_id"])]

    def __str__(self) -> str:
        return self.number


class DocumentLine(models.Model):
    """A product or free-text line. `base` = quantity × unit price × (1 − discount/100),
    rounded half-up to 0.01 (totals.line_base), stored when the line is saved."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit = models.CharField(_("unit"), max_length=20, blank=True, default="")
    unit_price = models.DecimalField(_("unit price"), **UNIT_PRICE)
    discount_percent = models.DecimalField(_("discount %"), **RATE, default=0)
    vat_rate = models.DecimalField(_("VAT rate"), **RATE, default=0)
    base = models.DecimalField(**MONEY, default=0)

    class Meta:
        ordering = ["position", "id"]


class DocumentLink(models.Model):
    """One document, several records: after a conversion it shows on the lead, the client
    and the deal (as `activities.ActivityLink`)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="links")
    record_type = models.CharField(max_length=20)
    record_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document", "record_type", "record_id"], name="documentlink_unique"
            )
        ]
        indexes = [models.Index(fields=["record_type", "record_id"])]
