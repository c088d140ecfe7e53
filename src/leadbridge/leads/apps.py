from django.apps import AppConfig

from leadbridge.core.representation import register_extras
from leadbridge.history.registry import register_origins


class LeadsConfig(AppConfig):
    name = "leadbridge.leads"
    label = "leads"

    def ready(self) -> None:
        from .selectors import converted_from, lead_extras  # models load only in ready()

        register_extras("lead", lead_extras)
        register_origins("converted_from", converted_from)
