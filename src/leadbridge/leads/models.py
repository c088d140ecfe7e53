"""Leads, their statuses and sources, and the links to what a conversion generated."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from leadbridge.core.models import ContactFields, Record, record_indexes


class LeadStatus(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", _("open")
        CONVERTED = "converted", _("converted")
        LOST = "lost", _("lost")

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(default=0)
    color = models.CharField(_("colour"), max_length=7, default="#6b7280")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OPEN)
    on_board = models.BooleanField(_("shown on the board"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name_plural = _("lead statuses")

    def __str__(self) -> str:
        return self.name


class ListItem(models.Model):
    """A named entry of a list administrators edit in Settings (sources, lost reasons)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class LeadSource(ListItem):
    class Meta(ListItem.Meta):
        pass


class LostReason(ListItem):
    """Why a lead was lost (asked when a card is dropped on "Lost"): seeded in the install's
    language, counted per reason on the dashboard."""

    class Meta(ListItem.Meta):
        pass


class Lead(Record, ContactFields):
    first_name = models.CharField(_("first name"), max_length=150, blank=True, default="")
    last_name = models.CharField(_("last name"), max_length=150, blank=True, default="")
    job_title = models.CharField(_("job title"), max_length=150, blank=True, default="")
    company_name = models.CharField(_("company name"), max_length=255, blank=True, default="")
    registration_number = models.CharField(
        _("company registration number"), max_length=64, blank=True, default=""
    )
    vat_id = models.CharField(_("VAT id"), max_length=64, blank=True, default="")
    source = models.ForeignKey(
        LeadSource, null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    # No index of its own: the status list and board indexes below start with it.
    status = models.ForeignKey(
        LeadStatus, on_delete=models.PROTECT, related_name="leads", db_index=False
    )
    expected_value = models.DecimalField(
        _("expected value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True, default="")
    is_converted = models.BooleanField(default=False)
    converted_at = models.DateTimeField(null=True, blank=True)
    # Manual order of the card within its status column on the board (null: not placed yet,
    # shown first, newest first). Presentation only: no history, no version bump.
    board_position = models.IntegerField(null=True, blank=True, editable=False)
    # Set with a status of kind "lost" (the board's Lost zone asks for it), cleared when the
    # lead leaves that status.
    lost_reason = models.ForeignKey(
        LostReason, null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    # The earliest open activity linked to the lead (undone, not a note; dated ones first),
    # kept by activities/next_activity.py on every activity write, so the list and the board
    # show it without a query per row. No foreign key: activities are another app's rows.
    next_activity_id = models.BigIntegerField(null=True, blank=True, editable=False)
    next_activity_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_activity_subject = models.CharField(max_length=255, blank=True, default="", editable=False)

    class Meta:
        # The lists sort by (field, id) so that pages are stable; the indexes carry the id
        # too, so the first page is read from an index instead of sorting every row.
        indexes = [
            *record_indexes("lead", extra=("registration_number",)),
            models.Index(
                fields=["-created_at", "-id"],
                name="lead_live_created",
                condition=models.Q(deleted_at__isnull=True, is_converted=False),
            ),
            models.Index(
                fields=["last_name", "id"],
                name="lead_live_last_name",
                condition=models.Q(deleted_at__isnull=True, is_converted=False),
            ),
            models.Index(fields=["status", "-created_at", "-id"], name="lead_status_created"),
            models.Index(fields=["status", "last_name", "id"], name="lead_status_last_name"),
            models.Index(fields=["owner", "-created_at", "-id"], name="lead_owner_created"),
            models.Index(fields=["team", "-created_at", "-id"], name="lead_team_created"),
            # Counts per status (board columns, dashboard) from the index alone.
            models.Index(
                fields=["status"],
                name="lead_live_status",
                condition=models.Q(deleted_at__isnull=True, is_converted=False),
            ),
            # The board: new cards newest first, then the placed ones in their order.
            models.Index(
                fields=["status", "-created_at", "-id"],
                name="lead_board_new",
                condition=models.Q(board_position__isnull=True),
            ),
            models.Index(
                fields=["status", "board_position", "-created_at", "-id"], name="lead_board_placed"
            ),
            # The board's per-currency column totals from the index alone.
            models.Index(
                fields=["status", "currency", "expected_value"],
                name="lead_live_status_value",
                condition=models.Q(deleted_at__isnull=True, is_converted=False),
            ),
            # The list sorted by next activity (overdue first).
            models.Index(
                fields=["next_activity_at", "id"],
                name="lead_live_next_activity",
                condition=models.Q(deleted_at__isnull=True, is_converted=False),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        person = " ".join(p for p in (self.first_name, self.last_name) if p)
        if person and self.company_name:
            return f"{person} ({self.company_name})"
        return person or self.company_name or self.email or self.phone or f"#{self.pk}"


class ConversionLink(models.Model):
    """What a lead generated (or was assigned to). No foreign keys: it outlives both sides."""

    lead_id = models.BigIntegerField(db_index=True)
    target_type = models.CharField(max_length=20)
    target_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["target_type", "target_id"])]
