from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "leadbridge.imports"
    label = "imports"

    def ready(self) -> None:
        from .privacy import register_place

        register_place()

        from leadbridge.ops.periodic import register_periodic

        from .tasks import imports_sweep_task

        register_periodic("imports-sweep", "*/2 * * * *", imports_sweep_task)
