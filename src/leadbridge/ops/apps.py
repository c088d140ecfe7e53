from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "leadbridge.ops"
    label = "ops"

    def ready(self) -> None:
        from . import tasks

        tasks.connect_worker_signals()
