from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leadbridge.leads"
    label = "leads"
