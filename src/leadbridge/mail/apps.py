from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "leadbridge.mail"
    label = "mail"
