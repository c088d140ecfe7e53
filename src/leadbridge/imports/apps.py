from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "leadbridge.imports"
    label = "imports"

    def ready(self) -> None:
        from .privacy import register_place  # models: only once the apps are loaded

        register_place()

        from leadbridge.ops.periodic import register_periodic  # models: after the apps load

        from .tasks import imports_sweep_task  # models: after the apps load

        register_periodic("imports-sweep", "*/2 * * * *", imports_sweep_task)
