from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    AGENT = "agent", _("Metropole agent")
    CORRESPONDENT = "correspondent", _("Correspondent")
