"""Login protection and two-factor codes; every login, failure and token use is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyotp
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from leadbridge.core.errors import field_error

from .models import AuditEvent, UserTotp

ISSUER = "Leadbridge"


def audit(
    kind: str,
    *,
    user: Any = None,
    username: str = "",
    ip: str | None = None,
    token_id: int | None = None,
    data: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        kind=kind,
        user_id=getattr(user, "pk", None),
        username=(getattr(user, "username", "") or username)[:150],
        ip=ip,
        token_id=token_id,
        data=data or {},
    )


# Two-factor (TOTP, RFC 6238) -----------------------------------------------------------


def totp_enabled(user: Any) -> bool:
    return bool(getattr(user, "pk", None)) and UserTotp.objects.filter(user_id=user.pk).exists()


def totp_new_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: Any, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def _matching_step(secret: str, code: str, *, at: dt.datetime | None = None) -> int | None:
    """The time step a code belongs to (now, or one step either side for clock drift)."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = at or timezone.now()
    for drift in (0, -1, 1):
        moment = now + dt.timedelta(seconds=drift * totp.interval)
        if pyotp.utils.strings_equal(totp.at(moment), code):
            return totp.timecode(moment)
    return None


def totp_enable(*, actor: Any, secret: str, code: str, ip: str | None = None) -> UserTotp:
    """Turn two-factor on for the acting user once they prove their app shows the codes."""
    step = _matching_step(secret, code)
    if step is None:
        raise field_error("code", _("This code is not valid; check the time on your phone."))
    with transaction.atomic():
        UserTotp.objects.filter(user_id=actor.pk).delete()
        device = UserTotp.objects.create(user=actor, secret=secret, last_step=step)
        audit(AuditEvent.Kind.TOTP_ENABLED, user=actor, ip=ip)
    return device


def totp_verify(*, user: Any, code: str, ip: str | None = None) -> bool:
    """True for a current code not used before; each code is accepted once."""
    with transaction.atomic():
        device = UserTotp.objects.select_for_update().filter(user_id=user.pk).first()
        if device is None:
            return False
        step = _matching_step(device.secret, code)
        if step is None or step <= device.last_step:
            audit(AuditEvent.Kind.TOTP_FAILED, user=user, ip=ip)
            return False
        device.last_step = step
        device.save(update_fields=["last_step"])
    return True


def totp_disable(*, actor: Any, code: str, ip: str | None = None) -> None:
    if not totp_verify(user=actor, code=code, ip=ip):
        raise field_error("code", _("This code is not valid."))
    with transaction.atomic():
        UserTotp.objects.filter(user_id=actor.pk).delete()
        audit(AuditEvent.Kind.TOTP_DISABLED, user=actor, ip=ip)
