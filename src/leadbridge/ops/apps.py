from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "leadbridge.ops"
    label = "ops"

    def ready(self) -> None:
        from . import tasks  # models load only in ready()

        tasks.connect_worker_signals()
