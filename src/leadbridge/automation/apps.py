from django.apps import AppConfig

from leadbridge.core import confcache
from leadbridge.ops.periodic import register_periodic


class AutomationConfig(AppConfig):
    name = "leadbridge.automation"
    label = "automation"

    def ready(self) -> None:
        from . import subscribers  # models load only in ready()
        from .models import ConfigGeneration  # models load only in ready()
        from .privacy import register_place  # models load only in ready()
        from .sweep import outbound_sweep_task  # models load only in ready()

        register_place()
        subscribers.register()
        confcache.use_generation(ConfigGeneration)
        register_periodic("outbound-sweep", "*/2 * * * *", outbound_sweep_task)
