from django.apps import AppConfig

from leadbridge.core import confcache


class AutomationConfig(AppConfig):
    name = "leadbridge.automation"
    label = "automation"

    def ready(self) -> None:
        from . import subscribers  # models load only in ready()
        from .models import ConfigGeneration  # models load only in ready()
        from .privacy import register_place  # models load only in ready()

        register_place()
        subscribers.register()
        confcache.use_generation(ConfigGeneration)
