"""Programmes and initiatives the métropole and the communes take part in, and the experiments they host.

A ``Programme`` is a national, regional, European or metropolitan scheme (France 2030, FEDER,
URBACT, Quartiers Métropolitains d'Innovation…) with its participants and the solutions and
conventions attached to it. An ``Experiment`` tests a hypothesis in a host commune for a period,
measured by ``Indicator`` rows and their ``Measure`` over time, and goes through an explicit
lifecycle (``EXPERIMENT_TRANSITIONS``) up to a decision: generalise, extend or stop.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from maillage.core.models import TimeStamped, Versioned, dates_ordered


class ProgrammeLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    REGIONAL = "regional", _("Regional")
    EUROPEAN = "european", _("European")
    METROPOLITAN = "metropolitan", _("Metropolitan")


class Programme(TimeStamped, Versioned):
    name = models.CharField(_("name"), max_length=250)
    search_text = models.CharField(max_length=400, db_index=True, editable=False, default="")
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=ProgrammeLevel.choices, db_index=True)
    funder = models.CharField(
        _("funder"),
        max_length=250,
        blank=True,
        help_text=_("For example « État – ANCT » or « Union européenne »."),
    )
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("web page"), blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    themes = models.ManyToManyField("themes.Theme", verbose_name=_("themes"), blank=True)
    requires_committee = models.BooleanField(
        _("expert committee required"),
        default=False,
        help_text=_("An experiment of this programme is retained only after an expert committee's opinion."),
    )
    experiment_months = models.PositiveSmallIntegerField(
        _("default length of an experiment (months)"),
        null=True,
        blank=True,
        help_text=_("When set, an experiment without an end date ends this many months after its start."),
    )
    solutions = models.ManyToManyField(
        "innovation.Solution", verbose_name=_("linked solutions"), blank=True, related_name="programmes"
    )
    agreements = models.ManyToManyField(
        "agreements.Agreement", verbose_name=_("linked agreements"), blank=True, related_name="programmes"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            dates_ordered(
                "programme_dates_ordered", message=_("The end date must come after the start date.")
            )
        ]

    def __str__(self) -> str:
        return self.name


class ParticipantRole(models.TextChoices):
    LEAD = "lead", _("Lead partner")
    PARTNER = "partner", _("Partner")
    BENEFICIARY = "beneficiary", _("Beneficiary")
    OBSERVER = "observer", _("Observer")


class ProgrammeParticipant(TimeStamped):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="participants")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="programme_participations",
    )
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices)

    class Meta:
        ordering = ["role", "organization__name"]
        verbose_name = _("programme participant")
        verbose_name_plural = _("programme participants")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "organization"],
                name="programme_participant_once",
                violation_error_message=_("This organisation already takes part in the programme."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_role_display()})"


class ExperimentStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("experiment", "Proposed")
    RETAINED = "retained", pgettext_lazy("experiment", "Retained")
    REFUSED = "refused", pgettext_lazy("experiment", "Refused")
    RUNNING = "running", pgettext_lazy("experiment", "Running")
    EVALUATION = "evaluation", pgettext_lazy("experiment", "Under evaluation")
    DECIDED = "decided", pgettext_lazy("experiment", "Decided")


class Decision(models.TextChoices):
    GENERALISE = "generalise", pgettext_lazy("decision", "Generalise")
    EXTEND = "extend", pgettext_lazy("decision", "Extend")
    STOP = "stop", pgettext_lazy("decision", "Stop")


# Allowed moves; anything else is refused with a message naming the allowed ones. A decision « extend »
# lets the experiment run again (decided → running) until its new end date.
EXPERIMENT_TRANSITIONS: dict[str, set[str]] = {
    ExperimentStatus.PROPOSED: {ExperimentStatus.RETAINED, ExperimentStatus.REFUSED},
    ExperimentStatus.RETAINED: {ExperimentStatus.RUNNING},
    ExperimentStatus.REFUSED: set(),
    ExperimentStatus.RUNNING: {ExperimentStatus.EVALUATION},
    ExperimentStatus.EVALUATION: {ExperimentStatus.DECIDED},
    ExperimentStatus.DECIDED: {ExperimentStatus.RUNNING},
}
# Indicators and measures are recorded while the experiment is alive.
MEASURABLE_STATUSES = (ExperimentStatus.RUNNING, ExperimentStatus.EVALUATION)
CLOSED_STATUSES = (ExperimentStatus.REFUSED, ExperimentStatus.DECIDED)


class Experiment(TimeStamped, Versioned):
    title = models.CharField(_("title"), max_length=250)
    search_text = models.CharField(max_length=400, db_index=True, editable=False, default="")
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="experiments",
    )
    solution = models.ForeignKey(
        "innovation.Solution",
        verbose_name=_("solution tested"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="experiments",
    )
    hypothesis = models.TextField(
        _("hypothesis"), help_text=_("What the experiment should show, and how one will know it.")
    )
    description = models.TextField(_("description"), blank=True)
    host_commune = models.ForeignKey(
        "territories.Commune",
        verbose_name=_("host commune"),
        on_delete=models.PROTECT,
        related_name="hosted_experiments",
    )
    host_site = models.CharField(
        _("host site"), max_length=250, blank=True, help_text=_("District, street, facility…")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ExperimentStatus.choices,
        default=ExperimentStatus.PROPOSED,
        db_index=True,
    )
    committee_date = models.DateField(_("expert committee date"), null=True, blank=True)
    committee_opinion = models.TextField(_("expert committee opinion"), blank=True)
    cofinancing_eur = models.DecimalField(
        _("co-financing (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    evaluation = models.TextField(_("evaluation"), blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    decision_rationale = models.TextField(_("rationale of the decision"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("experiment")
        verbose_name_plural = _("experiments")
        constraints = [
            dates_ordered(
                "experiment_dates_ordered", message=_("The end date must come after the start date.")
            ),
            models.CheckConstraint(
                condition=~Q(status="decided")
                | (~Q(decision="") & ~Q(decision_rationale="") & ~Q(evaluation="")),
                name="experiment_decision_complete",
                violation_error_message=_("A decision needs the evaluation, the decision and its rationale."),
            ),
            models.CheckConstraint(
                condition=Q(cofinancing_eur__isnull=True) | Q(cofinancing_eur__gte=0),
                name="experiment_cofinancing_positive",
                violation_error_message=_("The co-financing cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Indicator(TimeStamped):
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=250)
    unit = models.CharField(_("unit"), max_length=40, blank=True, help_text=_("For example %, €, users…"))
    baseline = models.DecimalField(
        _("baseline value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(
                fields=["experiment", "name"],
                name="indicator_name_once",
                violation_error_message=_("This experiment already has an indicator with this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Measure(TimeStamped):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="measures")
    measured_on = models.DateField(_("measured on"))
    value = models.DecimalField(_("measured value"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    class Meta:
        ordering = ["measured_on", "pk"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "measured_on"],
                name="measure_once_a_day",
                violation_error_message=_("This indicator already has a measure on that date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value} ({self.measured_on})"
