from django.apps import AppConfig


class CustomfieldsConfig(AppConfig):
    name = "leadbridge.customfields"
    label = "customfields"
