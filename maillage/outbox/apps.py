from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "maillage.outbox"
    label = "outbox"

    def ready(self) -> None:
        from maillage.outbox import personal_data
        from maillage.people.personal_data import register

        register("emails", export=personal_data.export, erase=personal_data.erase)
