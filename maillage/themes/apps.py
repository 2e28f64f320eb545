from django.apps import AppConfig


class ThemesConfig(AppConfig):
    name = "maillage.themes"
    label = "themes"
