from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "leadbridge.automation"
    label = "automation"

    def ready(self) -> None:
        from .privacy import register_place

        register_place()

        from leadbridge.ops.periodic import register_periodic

        from .sweep import outbound_sweep_task

        register_periodic("outbound-sweep", "*/2 * * * *", outbound_sweep_task)
