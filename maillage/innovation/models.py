"""Catalogue of innovative public solutions and their replications (lineage) across communes."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.core.models import TimeStamped, Versioned


class SolutionKind(models.TextChoices):
    DIGITAL_SERVICE = "digital_service", _("Digital public service")
    DIGITAL_COMMON = "digital_common", _("Digital common / free software")
    METHOD = "method", _("Approach or method")
    EQUIPMENT = "equipment", _("Equipment")
    URBAN_EXPERIMENT = "urban_experiment", _("Urban experiment")


class SolutionStage(models.TextChoices):
    IDEA = "idea", _("Idea")
    EXPERIMENTATION = "experimentation", _("Experimentation")
    DEPLOYMENT = "deployment", _("Deployment")
    GENERALISATION = "generalisation", _("Generalisation")


# Stages in order: a solution moves one step forward freely, one step back with a reason.
STAGE_ORDER: list[str] = [
    SolutionStage.IDEA,
    SolutionStage.EXPERIMENTATION,
    SolutionStage.DEPLOYMENT,
    SolutionStage.GENERALISATION,
]


class SolutionVisibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal (signed-in users)")


class ReplicationOutcome(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUCCESS = "success", _("Success")
    PARTIAL = "partial", _("Partial success")
    ABANDONED = "abandoned", _("Abandoned")


class Solution(TimeStamped, Versioned):
    """An innovative project or solution that communes may reproduce."""

    title = models.CharField(_("title"), max_length=250)
    summary = models.CharField(_("summary"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=SolutionKind.choices, db_index=True)
    stage = models.CharField(
        _("stage"), max_length=20, choices=SolutionStage.choices, default=SolutionStage.IDEA, db_index=True
    )
    origin_commune = models.ForeignKey(
        "territories.Commune",
        verbose_name=_("origin commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="originated_solutions",
    )
    holders = models.ManyToManyField(
        "organizations.Organization",
        verbose_name=_("holders"),
        blank=True,
        related_name="held_solutions",
    )
    sites = models.TextField(_("sites"), blank=True)
    themes = models.ManyToManyField(
        "themes.Theme", verbose_name=_("themes"), blank=True, related_name="solutions"
    )
    results = models.TextField(_("results"), blank=True)
    evaluation = models.TextField(_("evaluation"), blank=True)
    cost_eur = models.DecimalField(_("cost (€)"), max_digits=14, decimal_places=2, null=True, blank=True)
    funding = models.TextField(_("funding"), blank=True)
    agreements = models.ManyToManyField(
        "agreements.Agreement",
        verbose_name=_("agreements"),
        blank=True,
        related_name="solutions",
    )
    licence = models.CharField(_("licence (SPDX identifier)"), max_length=100, blank=True)
    repository_url = models.URLField(_("source code repository"), blank=True)
    website_url = models.URLField(_("website"), blank=True)
    contacts = models.ManyToManyField(
        "people.Person", verbose_name=_("contacts"), blank=True, related_name="solutions"
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=SolutionVisibility.choices,
        default=SolutionVisibility.INTERNAL,
        db_index=True,
    )
    # The last imported publiccode.yml document, kept whole to export it back without loss.
    publiccode = models.JSONField(_("publiccode.yml document"), null=True, blank=True, editable=False)
    search_text = models.CharField(max_length=1000, db_index=True, editable=False, default="")

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("solution")
        verbose_name_plural = _("solutions")
        indexes = [models.Index(fields=["title", "id"], name="innovation_solution_title_id")]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost_eur__isnull=True) | Q(cost_eur__gte=0),
                name="solution_cost_not_negative",
                violation_error_message=_("The cost cannot be negative."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.visibility == SolutionVisibility.PUBLIC


class Replication(TimeStamped):
    """A commune reproduced the solution, from its origin (parent null) or from another replica."""

    solution = models.ForeignKey(
        Solution, verbose_name=_("solution"), on_delete=models.CASCADE, related_name="replications"
    )
    commune = models.ForeignKey(
        "territories.Commune",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="solution_replications",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("reproduced from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    date = models.DateField(_("date"))
    adaptation_notes = models.TextField(_("adaptation notes"), blank=True)
    cost_eur = models.DecimalField(_("cost (€)"), max_digits=14, decimal_places=2, null=True, blank=True)
    contact = models.ForeignKey(
        "people.Person",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="solution_replications",
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=20,
        choices=ReplicationOutcome.choices,
        default=ReplicationOutcome.IN_PROGRESS,
    )
    outcome_notes = models.TextField(_("outcome notes"), blank=True)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("replication")
        verbose_name_plural = _("replications")
        constraints = [
            models.UniqueConstraint(
                fields=["solution", "commune"],
                name="replication_once_per_commune",
                violation_error_message=_("This commune has already reproduced this solution."),
            ),
            models.CheckConstraint(
                condition=Q(cost_eur__isnull=True) | Q(cost_eur__gte=0),
                name="replication_cost_not_negative",
                violation_error_message=_("The cost cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.solution} → {self.commune}"
