from django.apps import AppConfig

from leadbridge.core.events import ACTIVITY_EVENTS, subscribe


class MailConfig(AppConfig):
    name = "leadbridge.mail"
    label = "mail"

    def ready(self) -> None:
        from .privacy import register_place  # models load only in ready()
        from .reminders import on_activity_event  # models load only in ready()

        register_place()
        subscribe("mail.reminders", on_activity_event, events=ACTIVITY_EVENTS)
