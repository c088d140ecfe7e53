from django.apps import AppConfig


class WebformsConfig(AppConfig):
    name = "leadbridge.webforms"
    label = "webforms"
