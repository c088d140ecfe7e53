from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "leadbridge.automation"
    label = "automation"
