from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "leadbridge.documents"
    label = "documents"

    def ready(self) -> None:
        from .hooks import register

        register()
