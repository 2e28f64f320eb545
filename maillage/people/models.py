from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maillage.core.models import TimeStamped, Versioned, dates_ordered


class LegalBasis(models.TextChoices):
    PUBLIC_INTEREST = "public_interest", _("Task carried out in the public interest")
    CONSENT = "consent", _("Consent")


class PositionRole(models.TextChoices):
    MAYOR = "mayor", _("Mayor")
    DEPUTY_MAYOR = "deputy_mayor", _("Deputy mayor")
    COUNCILLOR = "councillor", _("Municipal councillor")
    METROPOLITAN_COUNCILLOR = "metropolitan_councillor", _("Metropolitan councillor")
    VICE_PRESIDENT = "vice_president", _("Vice-president")
    PRESIDENT = "president", _("President")
    DGS = "dgs", _("Director general of services (DGS)")
    DGA = "dga", _("Deputy director general (DGA)")
    DIRECTOR = "director", _("Director")
    INNOVATION_LEAD = "innovation_lead", _("Innovation lead")
    TECHNICAL_CORRESPONDENT = "technical_correspondent", _("Technical correspondent")
    PROJECT_OFFICER = "project_officer", _("Project officer")
    OTHER = "other", _("Other")


# Elected offices are public by nature: the holder's name and office are shown to everyone.
ELECTED_ROLES = {
    PositionRole.MAYOR,
    PositionRole.DEPUTY_MAYOR,
    PositionRole.COUNCILLOR,
    PositionRole.METROPOLITAN_COUNCILLOR,
    PositionRole.VICE_PRESIDENT,
    PositionRole.PRESIDENT,
}


class Person(TimeStamped, Versioned):
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    search_text = models.CharField(max_length=300, db_index=True, editable=False)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    themes = models.ManyToManyField("themes.Theme", verbose_name=_("themes"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Personal data (GDPR): why we hold it, where it comes from, and for how long.
    legal_basis = models.CharField(
        _("legal basis"), max_length=20, choices=LegalBasis.choices, default=LegalBasis.PUBLIC_INTEREST
    )
    source = models.CharField(_("source of the data"), max_length=200)
    newsletter_consent = models.BooleanField(_("consents to newsletters"), default=False)
    newsletter_consent_at = models.DateTimeField(_("consent date"), null=True, blank=True)
    last_interaction_at = models.DateField(_("last interaction"), null=True, blank=True)
    retention_until = models.DateField(_("kept until"), db_index=True)
    anonymized_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["last_name", "first_name", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(newsletter_consent=False) | Q(newsletter_consent_at__isnull=False),
                name="person_consent_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def full_name(self) -> str:
        return str(self)

    @staticmethod
    def retention_from(reference: dt.date | None) -> dt.date:
        start = reference or timezone.localdate()
        return start + dt.timedelta(days=settings.RETENTION_DAYS)


class Position(TimeStamped):
    """A role held by a person in an organisation over a period."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="positions"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="positions",
    )
    role = models.CharField(_("role"), max_length=40, choices=PositionRole.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        ordering = ["-end_date", "-start_date"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [
            dates_ordered("position_dates_ordered", message=_("The end date must come after the start date."))
        ]
        indexes = [
            models.Index(fields=["organization", "end_date"]),
            # The public directory starts from the (few) elected offices.
            models.Index(fields=["role", "person"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()} ({self.organization})"

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return (self.start_date is None or self.start_date <= today) and (
            self.end_date is None or self.end_date >= today
        )

    @property
    def is_public(self) -> bool:
        return self.role in ELECTED_ROLES


class PurgeLog(models.Model):
    """What each retention purge did, kept without the personal data it removed."""

    ran_at = models.DateTimeField(_("ran at"), auto_now_add=True)
    anonymized_count = models.PositiveIntegerField(_("people anonymised"))
    person_ids = models.JSONField(_("identifiers of anonymised records"), default=list)
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["-ran_at"]
        verbose_name = _("purge log")

    def __str__(self) -> str:
        return f"{self.ran_at:%d/%m/%Y %H:%M} – {self.anonymized_count}"
