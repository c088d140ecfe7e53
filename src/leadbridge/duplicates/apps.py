from django.apps import AppConfig


class DuplicatesConfig(AppConfig):
    name = "leadbridge.duplicates"
    label = "duplicates"

    def ready(self) -> None:
        from . import finder, keys, tasks  # models load only in ready()

        keys.connect()
        finder.after_run(tasks.maybe_refresh)
