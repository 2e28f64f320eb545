from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ThemeKind(models.TextChoices):
    COMPETENCE = "competence", _("Competence")
    POLICY = "policy", _("Policy")
    SCHEMA = "schema", _("Master plan")


class Theme(models.Model):
    """An entry of the shipped taxonomy: competences, policies and the six master plans."""

    slug = models.SlugField(_("code"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ThemeKind.choices)
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return f"{self.acronym} – {self.name}" if self.acronym else self.name
