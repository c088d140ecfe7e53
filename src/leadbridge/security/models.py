"""The audit log of logins and token use, and each user's two-factor (TOTP) secret."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN = "login"
        LOGIN_FAILED = "login_failed"
        LOGIN_THROTTLED = "login_throttled"
        TOTP_FAILED = "totp_failed"
        TOTP_ENABLED = "totp_enabled"
        TOTP_DISABLED = "totp_disabled"
        TOKEN_USED = "token_used"
        API_THROTTLED = "api_throttled"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # No foreign key: the audit outlives the user.
    user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    username = models.CharField(max_length=150, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    token_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]


class UserTotp(models.Model):
    """A confirmed authenticator: the login asks for its code."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp"
    )
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(auto_now_add=True)
    # The time step of the last accepted code: a code is accepted once (no replay).
    last_step = models.BigIntegerField(default=0)
