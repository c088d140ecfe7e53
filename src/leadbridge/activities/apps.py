from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "leadbridge.activities"
    label = "activities"
