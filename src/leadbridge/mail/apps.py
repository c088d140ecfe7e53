from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "leadbridge.mail"
    label = "mail"

    def ready(self) -> None:
        from .privacy import register_place

        register_place()
