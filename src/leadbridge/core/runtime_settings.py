"""Settings an administrator changes at run time (Settings page / API), with env defaults."""

from __future__ import annotations

import os
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from .errors import field_error
from .models import Setting


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# key -> (default factory, allowed values or type)
DEFINITIONS: dict[str, tuple[Any, Any]] = {
    # Bitrix24 keeps a converted lead re-convertible; the friendlier default is on.
    "conversion.reconvert": (lambda: _env_bool("LEADBRIDGE_RECONVERT", True), bool),
    # Moving a lead to a converted status: ask for a plan (the wizard) or convert at once.
    "conversion.on_status": (
        lambda: os.environ.get("LEADBRIDGE_CONVERT_ON_STATUS") or "ask",
        ("ask", "default_plan"),
    ),
}


def register_setting(key: str, default: Any, allowed: Any) -> None:
    """Another app's setting (called from its `apps.ready`, so core imports no app).

    `allowed` is `bool`, a tuple of allowed values, or a function that returns the cleaned
    value or raises `ValidationFailed` (for a structured value such as the company details).
    """
    DEFINITIONS[key] = (default, allowed)


def get_setting(key: str) -> Any:
    default, _allowed = DEFINITIONS[key]
    row = Setting.objects.filter(key=key).first()
    return default() if row is None else row.value


def all_settings() -> dict[str, Any]:
    return {key: get_setting(key) for key in DEFINITIONS}


def set_setting(*, actor: Any, key: str, value: Any) -> Any:
    from leadbridge.people.access import require_admin

    require_admin(actor)
    if key not in DEFINITIONS:
        raise field_error(key, _("Unknown setting."))
    _default, allowed = DEFINITIONS[key]
    if allowed is bool and not isinstance(value, bool):
        raise field_error(key, _("Must be true or false."))
    if isinstance(allowed, tuple) and value not in allowed:
        raise field_error(key, _("Must be one of: %(choices)s.") % {"choices": ", ".join(allowed)})
    if callable(allowed) and not isinstance(allowed, type):
        value = allowed(value)
    with transaction.atomic():
        Setting.objects.update_or_create(key=key, defaults={"value": value})
    return value
