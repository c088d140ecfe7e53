"""Shared model pieces: the main-record base, runtime settings and the idempotency store."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)


class Record(models.Model):
    """Columns every main record (lead, client, contact, deal) has.

    DELETE is a soft delete (`deleted_at`); a merged record keeps `merged_into`. Rows are
    removed physically only by a GDPR erasure or a retention rule.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        "people.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("sales team"),
    )
    description = models.TextField(_("notes"), blank=True, default="")
    tags = models.JSONField(_("tags"), default=list, blank=True)
    tags_index = models.CharField(max_length=1000, blank=True, default="", editable=False)
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    search_text = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)  # indexes: `record_indexes`
    merged_into = models.BigIntegerField(null=True, blank=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        abstract = True


class ContactFields(models.Model):
    """E-mail, phone and address columns shared by leads, clients and contacts."""

    email = models.CharField(_("e-mail"), max_length=254, blank=True, default="")
    # Indexed by `record_indexes` (without the LIKE companions of `db_index`).
    email_normalized = models.CharField(max_length=254, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=64, blank=True, default="")
    phone_normalized = models.CharField(max_length=32, blank=True, default="")
    mobile = models.CharField(_("mobile"), max_length=64, blank=True, default="")
    mobile_normalized = models.CharField(max_length=32, blank=True, default="")
    other_emails = models.JSONField(_("other e-mails"), default=list, blank=True)
    other_phones = models.JSONField(_("other phones"), default=list, blank=True)
    website = models.CharField(_("website"), max_length=500, blank=True, default="")
    street = models.CharField(_("street"), max_length=255, blank=True, default="")
    street2 = models.CharField(_("street 2"), max_length=255, blank=True, default="")
    city = models.CharField(_("city"), max_length=255, blank=True, default="")
    postcode = models.CharField(_("postcode"), max_length=32, blank=True, default="")
    region = models.CharField(_("region"), max_length=255, blank=True, default="")
    country = models.CharField(_("country"), max_length=2, blank=True, default="")

    class Meta:
        abstract = True

    @property
    def address_line(self) -> str:
        """The address on one line, separators only between parts that are there:
        "Lannova 12, 370 01 České Budějovice CZ", or "České Budějovice" without a street."""
        return join_address(
            self.street, self.street2, self.postcode, self.city, self.region, self.country
        )


def join_address(
    street: str, street2: str, postcode: str, city: str, region: str, country: str
) -> str:
    def words(*parts: str) -> str:
        return " ".join(p.strip() for p in parts if p and p.strip())

    lines = (words(street, street2), words(postcode, city, region, country))
    return ", ".join(line for line in lines if line)


def record_indexes(prefix: str, *, contact: bool = True, extra: tuple[str, ...] = ()) -> list:
    """The indexes of a main record table (`prefix`: its name in index names) beside its own
    list indexes.

    Plain B-trees: the `varchar_pattern_ops` companion Django adds to a `db_index` text
    column serves only `LIKE 'x%'`, which no query here asks (search has its trigram index),
    and each index costs an entry on every insert (an import writes millions). Deleted and
    merged rows are few: those columns are indexed only where set.
    """
    fields = ["email_normalized", "phone_normalized", "mobile_normalized"] if contact else []
    fields += list(extra)
    return [
        models.Index(fields=[name], name=f"{prefix}_{name.replace('_normalized', '_norm')}")
        for name in fields
    ] + [
        models.Index(
            fields=["deleted_at"],
            condition=models.Q(deleted_at__isnull=False),
            name=f"{prefix}_deleted",
        ),
        models.Index(
            fields=["merged_into"],
            condition=models.Q(merged_into__isnull=False),
            name=f"{prefix}_merged",
        ),
    ]


class Setting(models.Model):
    """Runtime settings an administrator changes on the Settings page (JSON values)."""

    key = models.CharField(max_length=100, unique=True)
    value = models.JSONField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key


class IdempotencyRecord(models.Model):
    """The stored answer of a write sent with an `Idempotency-Key` header.

    One store for every endpoint that accepts the header (records, conversion, web forms).
    It holds personal data (the answer body) until `expires_at`.
    """

    actor_id = models.BigIntegerField()
    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["actor_id", "key", "endpoint"], name="idempotency_unique_key"
            )
        ]


class SavedFilter(models.Model):
    """A list view's filters saved by a user under a name (query string of the list page)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    record_type = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "record_type", "name"], name="savedfilter_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name
