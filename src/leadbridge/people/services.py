"""Users, teams, API tokens and the system actors that act for web forms and imports."""

from __future__ import annotations

import secrets
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from leadbridge.core import confcache
from leadbridge.core.errors import Collector, NotFound, field_error

from . import access
from .models import ApiToken, Role, Team, User, hash_token

TOKEN_PREFIX = "lb_"


def system_actor(source: str) -> User:
    """The user a piece of work without a logged-in person acts as ("webform:contact-us")."""
    username = f"system:{source}"[:150]

    def load() -> User:
        user, _created = User.objects.get_or_create(
            username=username,
            defaults={"is_system": True, "is_active": False, "first_name": f"System ({source})"},
        )
        return user

    # Looked up on every web form submission: cached per process (confcache) until a
    # system user changes.
    return confcache.cached(f"system_actor:{username}", load)


def user_create(
    *,
    actor: Any,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    role_key: str | None = None,
    team_names: list[str] | None = None,
    is_superuser: bool = False,
) -> User:
    """Create a login. `actor=None` only from the command line (the machine's operator)."""
    if actor is not None:
        access.require_admin(actor)
    out = Collector()
    if not username:
        out.add("username", _("This field is required."))
    elif User.objects.filter(username=username).exists():
        out.add("username", _("This user name is taken."))
    role = None
    if role_key:
        role = Role.objects.filter(key=role_key).first()
        if role is None:
            out.add("role", _("No such role."))
    if password:
        try:
            validate_password(password, User(username=username, email=email))
        except DjangoValidationError as exc:
            out.add("password", " ".join(exc.messages))
    out.raise_if_any()
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=role,
            is_superuser=is_superuser,
            is_staff=is_superuser,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        for name in team_names or []:
            team, _created = Team.objects.get_or_create(name=name)
            user.teams.add(team)
    return user


def token_create(*, actor: Any, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token; the secret is returned once and only its hash is stored."""
    if actor is not None and actor.pk != user.pk:
        access.require_admin(actor)
    if not (name or "").strip():
        raise field_error("name", _("This field is required."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name.strip()[:150], prefix=secret[:10], key_hash=hash_token(secret)
        )
    return token, secret


def token_revoke(*, actor: Any, token_id: int) -> ApiToken:
    qs = ApiToken.objects.all() if access.is_admin(actor) else ApiToken.objects.filter(user=actor)
    token = qs.filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("No token with id %(token_id)s.") % {"token_id": token_id})
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(secret: str) -> User | None:
    """The active user of a valid, unrevoked, unexpired token, or None."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__role")
        .filter(key_hash=hash_token(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    # The API's authentication reads these: the rate limit counts per token, and the audit
    # log records a token's use once a minute, when last_used_at moves.
    token.user.api_token_id = token.pk  # type: ignore[attr-defined]
    token.user.api_token_touched = False  # type: ignore[attr-defined]
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.user.api_token_touched = True  # type: ignore[attr-defined]
    return token.user


def team_create(*, actor: Any, name: str) -> Team:
    access.require_admin(actor)
    if not name:
        raise field_error("name", _("This field is required."))
    if Team.objects.filter(name=name).exists():
        raise field_error("name", _("A team with this name exists already."), code="exists")
    with transaction.atomic():
        return Team.objects.create(name=name[:150])


def user_preferences_update(
    *, actor: Any, user: User, language: str | None = None, time_zone: str | None = None
) -> User:
    """A user's own language and time zone ('' = the site's default); None leaves it."""
    if actor.pk != user.pk:
        access.require_admin(actor)
    out = Collector()
    if language is not None and language and language not in dict(settings.LANGUAGES):
        out.add("language", _("Choose one of the offered languages."))
    if time_zone is not None and time_zone and time_zone not in zoneinfo.available_timezones():
        out.add("time_zone", _("Choose a time zone such as Europe/Prague."))
    out.raise_if_any()
    changed: list[str] = []
    if language is not None:
        user.language, changed = language, [*changed, "language"]
    if time_zone is not None:
        user.time_zone, changed = time_zone, [*changed, "time_zone"]
    if changed:
        user.save(update_fields=changed)
    return user
