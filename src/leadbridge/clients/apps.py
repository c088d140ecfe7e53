from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "leadbridge.clients"
    label = "clients"
