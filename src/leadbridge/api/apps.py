from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "leadbridge.api"
    label = "api"
