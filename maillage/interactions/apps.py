from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "maillage.interactions"
    label = "interactions"
