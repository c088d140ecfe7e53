from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "leadbridge.automation"
    label = "automation"

    def ready(self) -> None:
        from .privacy import register_place

        register_place()
