"""Settings an administrator changes at run time (Settings page / API), with env defaults."""

from __future__ import annotations

import os
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from leadbridge.history.services import history_event

from .errors import field_error
from .models import Setting

HISTORY_TYPE = "setting"  # history events of a setting: (HISTORY_TYPE, the Setting row's id)


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
    # The Leads module (Vietnamese/Odoo seed: the Leads menu appears once the feature is on).
    # Off: no lead pages or API, and web forms and imports make a contact and a deal
    # (leads/intake.py). Leads already stored are kept as they are.
    "leads.enabled": (lambda: _env_bool("LEADBRIDGE_USE_LEADS", True), bool),
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
    stored = dict(Setting.objects.filter(key__in=DEFINITIONS).values_list("key", "value"))
    return {key: stored[key] if key in stored else DEFINITIONS[key][0]() for key in DEFINITIONS}


def leads_enabled() -> bool:
    """Whether the Leads module is on (the "Use leads" setting)."""
    return bool(get_setting("leads.enabled"))


def set_setting(*, actor: Any, key: str, value: Any) -> Any:
    from leadbridge.people.access import require_admin

    require_admin(actor)
    if key not in DEFINITIONS:
        raise field_error(key, _("Unknown setting."))
    default, allowed = DEFINITIONS[key]
    if allowed is bool and not isinstance(value, bool):
        raise field_error(key, _("Must be true or false."))
    if isinstance(allowed, tuple) and value not in allowed:
        raise field_error(key, _("Must be one of: %(choices)s.") % {"choices": ", ".join(allowed)})
    if callable(allowed) and not isinstance(allowed, type):
        value = allowed(value)
    with transaction.atomic():
        row = Setting.objects.select_for_update().filter(key=key).first()
        old = default() if row is None else row.value
        row, _created = Setting.objects.update_or_create(key=key, defaults={"value": value})
        if old != value:
            # The history keeps who changed a setting and when, as it does for records:
            # one "updated" event on the setting's row, the key as the field.
            history_event(
                actor=actor,
                record_type=HISTORY_TYPE,
                record_id=row.pk,
                kind="updated",
                field=key,
                old=old,
                new=value,
            )
    return value


def setting_history(key: str) -> list[Any]:
    """The changes of one setting, newest first."""
    from leadbridge.history.models import HistoryEvent

    row = Setting.objects.filter(key=key).first()
    if row is None:
        return []
    return list(
        HistoryEvent.objects.filter(record_type=HISTORY_TYPE, record_id=row.pk).order_by(
            "-at", "-id"
        )
    )
