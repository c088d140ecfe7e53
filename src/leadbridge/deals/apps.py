from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "leadbridge.deals"
    label = "deals"
