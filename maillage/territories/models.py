from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments")

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class EpciKind(models.TextChoices):
    CC = "CC", _("Communauté de communes")
    CA = "CA", _("Communauté d'agglomération")
    CU = "CU", _("Communauté urbaine")
    METRO = "METRO", _("Métropole")
    MET69 = "MET69", _("Métropole de Lyon")
    EPT = "EPT", _("Établissement public territorial")


class Epci(models.Model):
    """An intercommunality from the national referential (EPCI à fiscalité propre, or EPT)."""

    siren = models.CharField(_("SIREN"), max_length=9, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=EpciKind.choices)
    population = models.PositiveIntegerField(_("population"))
    commune_count = models.PositiveIntegerField(_("number of communes"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("intercommunality")
        verbose_name_plural = _("intercommunalities")

    def __str__(self) -> str:
        return self.name


class Territory(models.Model):
    """A subdivision of the home EPCI: for the MGP, Paris (T1) and the 11 EPT (T2–T12)."""

    siren = models.CharField(_("SIREN"), max_length=9, primary_key=True)
    number = models.CharField(_("number"), max_length=4)
    name = models.CharField(_("name"), max_length=200)
    epci = models.ForeignKey(Epci, on_delete=models.PROTECT, related_name="territories")
    population = models.PositiveIntegerField(_("population"))
    commune_count = models.PositiveIntegerField(_("number of communes"))
    geometry = models.JSONField(_("outline"), null=True, blank=True)
    # T1..T12 sort as numbers, not as text.
    sort_key = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["epci", "sort_key"]
        verbose_name = _("territory")
        verbose_name_plural = _("territories")

    def __str__(self) -> str:
        return f"{self.number} – {self.name}"


class Commune(models.Model):
    """A current commune of the Code officiel géographique."""

    code = models.CharField(_("INSEE code"), max_length=5, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    search_name = models.CharField(max_length=200, db_index=True, editable=False)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="communes")
    epci = models.ForeignKey(Epci, null=True, blank=True, on_delete=models.PROTECT, related_name="communes")
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.PROTECT, related_name="communes"
    )
    population = models.PositiveIntegerField(_("population"))
    geometry = models.JSONField(_("outline"), null=True, blank=True)
    neighbours = models.ManyToManyField("self", blank=True, symmetrical=True)

    class Meta:
        ordering = ["name", "code"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        indexes = [models.Index(fields=["epci", "name"]), models.Index(fields=["epci", "population"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CommuneSuccession(models.Model):
    """An old commune code that now resolves to a current commune (merger, absorption)."""

    old_code = models.CharField(_("former INSEE code"), max_length=5, primary_key=True)
    old_name = models.CharField(_("former name"), max_length=200)
    search_name = models.CharField(max_length=200, db_index=True, editable=False)
    successor = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="predecessors")
    effective_date = models.DateField(_("effective date"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["old_code"]
        verbose_name = _("commune succession")
        verbose_name_plural = _("commune successions")

    def __str__(self) -> str:
        return f"{self.old_code} → {self.successor_id}"
