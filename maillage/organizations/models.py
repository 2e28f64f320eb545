from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.core.identifiers import siren_error, siret_error
from maillage.core.models import TimeStamped, Versioned, dates_ordered


class OrganizationKind(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    EPT = "ept", _("Territorial public establishment (EPT)")
    METROPOLE = "metropole", _("Metropole")
    SYNDICATE = "syndicate", _("Intercommunal syndicate")
    DEPARTMENT = "department", _("Department")
    REGION = "region", _("Region")
    STATE = "state", _("State service")
    ASSOCIATION = "association", _("Association")
    COMPANY = "company", _("Company")
    RESEARCH = "research", _("Education or research institution")
    EUROPEAN = "european", _("European network or partner")
    INTERNAL = "internal", _("Internal directorate of the metropole")


# Kinds whose records come from the referential: created by sync, not by hand.
REFERENTIAL_KINDS = {OrganizationKind.COMMUNE, OrganizationKind.EPT, OrganizationKind.METROPOLE}


def validate_siren(value: str) -> None:
    if error := siren_error(value):
        raise ValidationError(error, code="invalid_siren")


def validate_siret(value: str) -> None:
    if error := siret_error(value):
        raise ValidationError(error, code="invalid_siret")


class Organization(TimeStamped, Versioned):
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    name = models.CharField(_("name"), max_length=250)
    search_text = models.CharField(max_length=400, db_index=True, editable=False)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validate_siren])
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    address = models.CharField(_("address"), max_length=250, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    city = models.CharField(_("city"), max_length=150, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    description = models.TextField(_("description"), blank=True)
    commune = models.ForeignKey(
        "territories.Commune",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    themes = models.ManyToManyField("themes.Theme", verbose_name=_("themes"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["siren"],
                condition=~Q(siren=""),
                name="organization_unique_siren",
                violation_error_message=_("An organisation with this SIREN already exists."),
            ),
            models.UniqueConstraint(
                fields=["siret"],
                condition=~Q(siret=""),
                name="organization_unique_siret",
                violation_error_message=_("An organisation with this SIRET already exists."),
            ),
            # A commune (or territory) is represented by a single organisation of that kind.
            models.UniqueConstraint(
                fields=["kind", "commune"],
                condition=Q(kind="commune"),
                name="organization_one_per_commune",
            ),
        ]
        indexes = [models.Index(fields=["kind", "name"]), models.Index(fields=["name", "id"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.siret and self.siren and not self.siret.startswith(self.siren):
            raise ValidationError(
                {"siret": _("The SIRET must start with the organisation's SIREN (its first 9 digits).")}
            )


class OrganizationMembership(TimeStamped):
    """One organisation belongs to another, e.g. a commune adheres to a syndicate for a competence."""

    member = models.ForeignKey(
        Organization, verbose_name=_("member"), on_delete=models.CASCADE, related_name="memberships"
    )
    group = models.ForeignKey(
        Organization, verbose_name=_("group"), on_delete=models.CASCADE, related_name="members"
    )
    competence = models.CharField(_("competence"), max_length=200, blank=True)
    theme = models.ForeignKey(
        "themes.Theme", verbose_name=_("theme"), null=True, blank=True, on_delete=models.SET_NULL
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        ordering = ["group__name", "member__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(condition=~Q(member=models.F("group")), name="membership_not_self"),
            dates_ordered("membership_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.group}"
