from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "maillage.organizations"
    label = "organizations"
