from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "leadbridge.registry"
    label = "registry"
