from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "maillage.agreements"
    label = "agreements"
