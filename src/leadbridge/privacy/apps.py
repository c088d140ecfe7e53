from django.apps import AppConfig
from django.conf import settings

from leadbridge.ops.periodic import register_periodic


class PrivacyConfig(AppConfig):
    name = "leadbridge.privacy"
    label = "privacy"

    def ready(self) -> None:
        # The places that exist in the core apps; other apps register theirs in their own
        # ready() (docs/data.md).
        from . import builtin_places  # noqa: F401  (models load only in ready())
        from .tasks import retention_task  # models load only in ready()

        register_periodic(
            "retention",
            "17 3 * * *",
            retention_task,
            enabled=lambda: int(getattr(settings, "RETENTION_MONTHS", 0) or 0) > 0,
        )
