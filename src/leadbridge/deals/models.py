"""Deals in pipelines of ordered stages."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from leadbridge.core.models import Record, record_indexes


class Pipeline(models.Model):
    name = models.CharField(_("name"), max_length=150, unique=True)
    order = models.PositiveIntegerField(default=0)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", _("open")
        WON = "won", _("won")
        LOST = "lost", _("lost")

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=150)
    order = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OPEN)
    probability = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["pipeline", "order", "id"]

    def __str__(self) -> str:
        return f"{self.pipeline}: {self.name}"


class Deal(Record):
    title = models.CharField(_("title"), max_length=255)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals")
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True, default="")
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    client = models.ForeignKey(
        "clients.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    contact = models.ForeignKey(
        "clients.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    source_lead_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        indexes = record_indexes("deal", contact=False)

    def __str__(self) -> str:
        return self.title

    @property
    def display_name(self) -> str:
        return self.title
