from django.apps import AppConfig

from leadbridge.core.events import ACTIVITY_EVENTS, subscribe
from leadbridge.ops.periodic import register_periodic


class MailConfig(AppConfig):
    name = "leadbridge.mail"
    label = "mail"

    def ready(self) -> None:
        from . import reminders  # models load only in ready()
        from .privacy import register_place  # models load only in ready()

        register_place()
        subscribe("mail.reminders", reminders.on_activity_event, events=ACTIVITY_EVENTS)
        register_periodic("reminders-sweep", "* * * * *", reminders.reminders_sweep_task)
