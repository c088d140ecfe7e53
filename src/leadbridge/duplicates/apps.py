from django.apps import AppConfig


class DuplicatesConfig(AppConfig):
    name = "leadbridge.duplicates"
    label = "duplicates"

    def ready(self) -> None:
        from . import keys  # models load only in ready()

        keys.connect()
