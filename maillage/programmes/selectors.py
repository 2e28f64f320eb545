"""Reads of programmes and experiments, scoped by who asks.

Programmes are public information (their linked solutions and conventions are filtered by what the
reader may see). Experiments are shown to signed-in accounts only. Lists prefetch what their page
shows, so the number of queries does not grow with the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from maillage.organizations.models import Organization, OrganizationKind
from maillage.organizations.selectors import search_filter
from maillage.programmes.models import (
    Experiment,
    Indicator,
    Measure,
    ParticipantRole,
    Programme,
    ProgrammeParticipant,
)

ROLE_ORDER = [
    ParticipantRole.LEAD,
    ParticipantRole.PARTNER,
    ParticipantRole.BENEFICIARY,
    ParticipantRole.OBSERVER,
]
SECTION_LIMIT = 10


def signed_in(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active)


def _visible_solutions(user: Any) -> QuerySet:
    from maillage.innovation.selectors import solution_visible_to

    return solution_visible_to(user)


def _visible_agreements(user: Any) -> QuerySet:
    from maillage.agreements.selectors import agreement_visible_to

    return agreement_visible_to(user)


# --- Programmes ------------------------------------------------------------------------------


def _participants_prefetch() -> Prefetch:
    return Prefetch(
        "participants",
        queryset=ProgrammeParticipant.objects.select_related("organization")
        .only("pk", "programme_id", "role", "organization_id", "organization__name", "organization__kind")
        .order_by("role", "organization__name", "pk"),
    )


def _experiment_count() -> Coalesce:
    counts = (
        Experiment.objects.filter(programme=OuterRef("pk"))
        .order_by()
        .values("programme")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def programme_list(
    *, query: str = "", level: str = "", theme: str = "", organization: int | None = None
) -> QuerySet[Programme]:
    """Programmes are public: the same list for everyone."""
    programmes = Programme.objects.all()
    if query:
        programmes = programmes.filter(search_filter("search_text", query))
    if level:
        programmes = programmes.filter(level=level)
    if theme:
        through = Programme.themes.through
        programmes = programmes.filter(
            Exists(through.objects.filter(programme=OuterRef("pk"), theme__slug=theme))
        )
    if organization:
        programmes = programmes.filter(
            Exists(
                ProgrammeParticipant.objects.filter(programme=OuterRef("pk"), organization_id=organization)
            )
        )
    return (
        programmes.annotate(experiment_count=_experiment_count())
        .prefetch_related("themes", _participants_prefetch())
        .order_by("name", "pk")
    )


def participant_organizations() -> QuerySet[Organization]:
    """Organisations taking part in at least one programme (the filter's choices)."""
    return (
        Organization.objects.filter(Exists(ProgrammeParticipant.objects.filter(organization=OuterRef("pk"))))
        .only("pk", "name")
        .order_by("name", "pk")
    )


def programme_detail(*, user: Any, pk: int) -> Programme:
    return Programme.objects.prefetch_related(
        "themes",
        _participants_prefetch(),
        Prefetch(
            "solutions",
            queryset=_visible_solutions(user).only("pk", "title", "stage", "kind").order_by("title", "pk"),
        ),
        Prefetch(
            "agreements",
            queryset=_visible_agreements(user)
            .select_related("kind")
            .only("pk", "reference", "title", "status", "kind__name")
            .order_by("reference"),
        ),
    ).get(pk=pk)


def programme_experiments(*, user: Any, programme: Programme) -> list[Experiment]:
    if not signed_in(user):
        return []
    return list(
        Experiment.objects.filter(programme=programme)
        .select_related("host_commune")
        .only("pk", "title", "status", "start_date", "end_date", "host_commune__code", "host_commune__name")
        .order_by("-start_date", "-pk")
    )


def programme_choices() -> QuerySet[Programme]:
    return Programme.objects.only("pk", "name", "acronym").order_by("name")


# --- Experiments -----------------------------------------------------------------------------


def experiment_visible_to(user: Any) -> QuerySet[Experiment]:
    """Every signed-in account sees every experiment; anonymous visitors none."""
    if not signed_in(user):
        return Experiment.objects.none()
    return Experiment.objects.all()


def experiment_list(
    *,
    user: Any,
    query: str = "",
    status: str = "",
    programme: int | None = None,
    commune: str = "",
    solution: int | None = None,
) -> QuerySet[Experiment]:
    experiments = experiment_visible_to(user)
    if query:
        experiments = experiments.filter(search_filter("search_text", query))
    if status:
        experiments = experiments.filter(status=status)
    if programme:
        experiments = experiments.filter(programme_id=programme)
    if commune:
        experiments = experiments.filter(host_commune_id=commune)
    if solution:
        experiments = experiments.filter(solution_id=solution)
    return (
        experiments.select_related("programme", "host_commune", "solution")
        .defer("host_commune__geometry", "host_commune__search_name", "solution__publiccode")
        .annotate(indicator_count=Count("indicators", distinct=True))
        .order_by("-start_date", "-pk")
    )


def experiment_detail(*, user: Any, pk: int) -> Experiment:
    return (
        experiment_visible_to(user)
        .select_related("programme", "host_commune", "solution", "created_by")
        .defer("host_commune__geometry", "solution__publiccode")
        .prefetch_related(
            Prefetch(
                "indicators",
                queryset=Indicator.objects.prefetch_related(
                    Prefetch("measures", queryset=Measure.objects.order_by("measured_on", "pk"))
                ).order_by("pk"),
            )
        )
        .get(pk=pk)
    )


def host_organization_ids(experiment: Experiment) -> set[int]:
    """The organisations (city halls) of the experiment's host commune: one query."""
    return set(
        Organization.objects.filter(kind=OrganizationKind.COMMUNE, commune_id=experiment.host_commune_id)
        .order_by()
        .values_list("pk", flat=True)
    )


@dataclass
class IndicatorRow:
    indicator: Indicator
    measures: list[Measure]
    latest: Measure | None
    progress: int | None  # percent of the way from the baseline to the target, 0–100

    @property
    def reached(self) -> bool:
        return self.progress is not None and self.progress >= 100


def progress_percent(baseline: Decimal | None, target: Decimal, value: Decimal) -> int:
    """How far ``value`` went from the baseline (0 when none) to the target, clamped to 0–100.
    Works for targets below the baseline (a decrease is the goal)."""
    start = baseline if baseline is not None else Decimal(0)
    if target == start:
        return 100 if value == target else 0
    ratio = (value - start) / (target - start)
    return int(max(Decimal(0), min(Decimal(1), ratio)) * 100)


def indicator_rows(experiment: Experiment) -> list[IndicatorRow]:
    """From the prefetched indicators and measures: no query."""
    rows = []
    for indicator in experiment.indicators.all():
        measures = list(indicator.measures.all())
        latest = measures[-1] if measures else None
        progress = (
            progress_percent(indicator.baseline, indicator.target, latest.value)
            if latest is not None
            else None
        )
        rows.append(IndicatorRow(indicator, measures, latest, progress))
    return rows


# --- Profile sections ------------------------------------------------------------------------


def commune_organization(code: str) -> Organization | None:
    return (
        Organization.objects.filter(kind=OrganizationKind.COMMUNE, commune_id=code)
        .only("pk", "name")
        .order_by("pk")
        .first()
    )


def organization_programmes(organization_id: int, limit: int = SECTION_LIMIT) -> list[Programme]:
    """At most ``limit + 1`` programmes (the extra one says "more"), with this organisation's role."""
    return list(
        Programme.objects.filter(
            Exists(
                ProgrammeParticipant.objects.filter(programme=OuterRef("pk"), organization_id=organization_id)
            )
        )
        .only("pk", "name", "level")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=ProgrammeParticipant.objects.filter(organization_id=organization_id).order_by(
                    "role"
                ),
                to_attr="roles_here",
            )
        )
        .order_by("name", "pk")[: limit + 1]
    )


def _section_experiments(experiments: QuerySet[Experiment], limit: int) -> list[Experiment]:
    return list(
        experiments.select_related("programme", "host_commune")
        .only(
            "pk",
            "title",
            "status",
            "decision",
            "start_date",
            "end_date",
            "programme__id",
            "programme__name",
            "host_commune__code",
            "host_commune__name",
        )
        .order_by("-start_date", "-pk")[: limit + 1]
    )


def commune_experiments(*, user: Any, code: str, limit: int = SECTION_LIMIT) -> list[Experiment]:
    return _section_experiments(experiment_visible_to(user).filter(host_commune_id=code), limit)


def solution_experiments(*, user: Any, solution_id: int, limit: int = SECTION_LIMIT) -> list[Experiment]:
    return _section_experiments(experiment_visible_to(user).filter(solution_id=solution_id), limit)


def solution_programmes(solution_id: int, limit: int = SECTION_LIMIT) -> list[Programme]:
    through = Programme.solutions.through
    return list(
        Programme.objects.filter(
            Exists(through.objects.filter(programme=OuterRef("pk"), solution_id=solution_id))
        )
        .only("pk", "name", "level", "funder")
        .order_by("name", "pk")[: limit + 1]
    )
