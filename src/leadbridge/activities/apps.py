from django.apps import AppConfig

from leadbridge.history.registry import register_activity_titles


class ActivitiesConfig(AppConfig):
    name = "leadbridge.activities"
    label = "activities"

    def ready(self) -> None:
        from .selectors import activity_titles  # models load only in ready()

        register_activity_titles(activity_titles)
