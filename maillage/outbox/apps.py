from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "maillage.outbox"
    label = "outbox"
