from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "leadbridge.imports"
    label = "imports"
