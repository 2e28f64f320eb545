from django.apps import AppConfig


class CooperationConfig(AppConfig):
    name = "maillage.cooperation"
    label = "cooperation"
