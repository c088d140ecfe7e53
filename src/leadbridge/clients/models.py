"""Clients (a company or a natural person) and their contact persons."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from leadbridge.core.models import ContactFields, Record, record_indexes


class Client(Record, ContactFields):
    class Kind(models.TextChoices):
        COMPANY = "company", _("company")
        PERSON = "person", _("natural person")

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.COMPANY)
    name = models.CharField(_("name"), max_length=255, blank=True, default="")
    first_name = models.CharField(_("first name"), max_length=150, blank=True, default="")
    last_name = models.CharField(_("last name"), max_length=150, blank=True, default="")
    registration_number = models.CharField(
        _("company registration number"), max_length=64, blank=True, default=""
    )
    vat_id = models.CharField(_("VAT id"), max_length=64, blank=True, default="")
    source = models.ForeignKey(
        "leads.LeadSource", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = record_indexes("client", extra=("registration_number",))

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == self.Kind.PERSON and not self.name:
            return " ".join(p for p in (self.first_name, self.last_name) if p) or f"#{self.pk}"
        return self.name or f"#{self.pk}"


class Contact(Record, ContactFields):
    first_name = models.CharField(_("first name"), max_length=150, blank=True, default="")
    last_name = models.CharField(_("last name"), max_length=150, blank=True, default="")
    job_title = models.CharField(_("job title"), max_length=150, blank=True, default="")
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    # A contact person on a lead card (Lithuanian seed); moved to the client on conversion.
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )

    class Meta:
        indexes = record_indexes("contact")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return (
            " ".join(p for p in (self.first_name, self.last_name) if p)
            or self.email
            or f"#{self.pk}"
        )
