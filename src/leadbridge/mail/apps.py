from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "leadbridge.mail"
    label = "mail"

    def ready(self) -> None:
        from .privacy import register_place

        register_place()

        from leadbridge.ops.periodic import register_periodic

        from .reminders import reminders_sweep_task

        register_periodic("reminders-sweep", "* * * * *", reminders_sweep_task)
