from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "leadbridge.privacy"
    label = "privacy"

    def ready(self) -> None:
        # The places that exist in the core apps; other apps register theirs in their own
        # ready() (docs/data.md).
        from django.conf import settings

        from leadbridge.ops.periodic import register_periodic

        from . import builtin_places  # noqa: F401
        from .tasks import retention_task

        register_periodic(
            "retention",
            "17 3 * * *",
            retention_task,
            enabled=lambda: int(getattr(settings, "RETENTION_MONTHS", 0) or 0) > 0,
        )
