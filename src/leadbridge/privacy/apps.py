from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "leadbridge.privacy"
    label = "privacy"

    def ready(self) -> None:
        # The places that exist in the core apps; other apps register theirs in their own
        # ready() (docs/data.md).
        from . import builtin_places  # noqa: F401  (models load only in ready())
