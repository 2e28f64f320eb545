from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "maillage.core"
    label = "core"

    def ready(self) -> None:
        from maillage.core import audit

        audit.register_models()
