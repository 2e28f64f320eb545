"""Factories of the innovation app: solutions and replications in real communes of the referential."""

from __future__ import annotations

import datetime as dt

import factory

from maillage.innovation import services
from maillage.innovation.models import Replication, Solution, SolutionKind, SolutionStage, SolutionVisibility


def make_solution(
    *,
    title: str = "Cour Oasis",
    origin: str | None = "93048",
    holders=(),
    themes=(),
    visibility: str = SolutionVisibility.PUBLIC,
    stage: str = SolutionStage.EXPERIMENTATION,
    kind: str = SolutionKind.URBAN_EXPERIMENT,
    summary: str = "Végétaliser les cours d'école.",
    **extra,
) -> Solution:
    from maillage.territories.models import Commune

    data = {
        "title": title,
        "summary": summary,
        "kind": kind,
        "stage": stage,
        "visibility": visibility,
        "origin_commune": Commune.objects.get(pk=origin) if origin else None,
        **extra,
    }
    return services.solution_create(data=data, holders=list(holders), themes=list(themes))


def make_replication(
    solution: Solution, commune: str, *, parent: Replication | None = None, date=None, outcome="in_progress"
) -> Replication:
    from maillage.territories.models import Commune

    return services.replication_create(
        solution=solution,
        data={
            "commune": Commune.objects.get(pk=commune),
            "parent": parent,
            "date": date or dt.date(2025, 3, 1),
            "outcome": outcome,
        },
    )


class SolutionFactory(factory.django.DjangoModelFactory):
    """Fast rows for volume tests (no service: search text set directly)."""

    class Meta:
        model = Solution

    title = factory.Sequence(lambda n: f"Solution {n}")
    summary = "Une solution."
    kind = SolutionKind.DIGITAL_SERVICE
    stage = SolutionStage.DEPLOYMENT
    visibility = SolutionVisibility.PUBLIC
    search_text = factory.LazyAttribute(lambda o: o.title.lower())
