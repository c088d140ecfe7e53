"""Users, sales teams, roles (rights and scope per record type) and API tokens."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

RECORD_TYPES = ("lead", "client", "contact", "deal")
# "privacy": export and erase a person's data (GDPR); "documents": issue quotes and pro-forma
# invoices on the records of that type in scope (documents app).
RIGHTS = (
    "view", "create", "update", "delete", "convert", "merge", "import", "export", "privacy",
    "documents",
)  # fmt: skip


class Scope(models.TextChoices):
    OWN = "own", _("own records")
    TEAM = "team", _("records of my teams")
    ALL = "all", _("all records")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=150, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sales team")

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """Rights per record type: {"lead": {"scope": "team", "rights": ["view", ...]}, ...}."""

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=150)
    permissions = models.JSONField(default=dict)
    is_admin = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.ForeignKey(
        Role, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    language = models.CharField(max_length=10, blank=True, default="")
    time_zone = models.CharField(max_length=64, blank=True, default="")
    # Work without a logged-in user (web form, import, scheduled rule) acts as a system actor.
    is_system = models.BooleanField(default=False)

    class Meta:
        ordering = ["username"]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A per-user API token; only its SHA-256 is stored, the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=150)
    prefix = models.CharField(max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
