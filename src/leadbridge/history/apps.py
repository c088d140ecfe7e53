from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "leadbridge.history"
    label = "history"
