from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "leadbridge.imports"
    label = "imports"

    def ready(self) -> None:
        from .privacy import register_place  # models load only in ready()

        register_place()
