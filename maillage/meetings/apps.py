from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "maillage.meetings"
    label = "meetings"
    verbose_name = "Instances"
