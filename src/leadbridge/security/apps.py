from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "leadbridge.security"
    label = "security"
