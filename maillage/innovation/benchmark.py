"""Volume helper for the lead's benchmark: a catalogue of ``count`` synthetic solutions, fast.

``solutions_synthetic_load(count)`` bulk-creates the solutions (search text precomputed, so the
trigram index on PostgreSQL serves the search) in batches, plus one replication for every tenth
solution, in real communes of the home territory. ``CATALOGUE_SEARCH_PATH`` is the page the benchmark
times: the catalogue searched with a query (SQL pagination, capped count).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from maillage.core.text import normalize
from maillage.innovation.models import (
    Replication,
    ReplicationOutcome,
    Solution,
    SolutionKind,
    SolutionStage,
    SolutionVisibility,
)
from maillage.innovation.suggestions import catalogue_changed
from maillage.territories.selectors import home_communes

CATALOGUE_SEARCH_PATH = "/innovation/solutions/?q=vegetalisation+ecole"
BATCH_SIZE = 2000
TITLE_STEMS = [
    "Végétalisation des cours d'école",
    "Budget participatif",
    "Plateforme de signalement",
    "Portail de données ouvertes",
    "Tiers-lieu numérique",
    "Conseillers numériques",
    "Cantine bio et locale",
    "Vélo-école",
    "Compostage de quartier",
    "Rue aux écoles",
]


@transaction.atomic
def solutions_synthetic_load(count: int, *, seed: int = 5) -> dict[str, int]:
    """Create ``count`` synthetic solutions and ``count // 10`` replications; return the counts."""
    rng = random.Random(seed)
    codes = list(home_communes().order_by("code").values_list("code", flat=True)) or [None]
    names = dict(home_communes().values_list("code", "name"))
    kinds, stages = SolutionKind.values, SolutionStage.values
    start = Solution.objects.count()
    created = 0
    while created < count:
        batch = []
        for index in range(created, min(created + BATCH_SIZE, count)):
            number = start + index + 1
            stem = TITLE_STEMS[index % len(TITLE_STEMS)]
            origin = rng.choice(codes)
            title = f"{stem} n° {number}"
            summary = f"Solution synthétique n° {number} pour les mesures de volume."
            batch.append(
                Solution(
                    title=title,
                    summary=summary,
                    kind=kinds[index % len(kinds)],
                    stage=stages[index % len(stages)],
                    visibility=SolutionVisibility.PUBLIC if index % 4 else SolutionVisibility.INTERNAL,
                    origin_commune_id=origin,
                    search_text=normalize(f"{title} {summary} {names.get(origin, '')}")[:1000],
                )
            )
        Solution.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        created += len(batch)
    # One replication for every tenth new solution, into another commune.
    replications = []
    new = Solution.objects.order_by("-pk").values_list("pk", "origin_commune_id")[:count]
    for position, (pk, origin) in enumerate(new):
        if position % 10 or len(codes) < 2:
            continue
        commune = rng.choice([c for c in codes[:20] if c != origin])
        replications.append(
            Replication(
                solution_id=pk,
                commune_id=commune,
                date=dt.date(2024, 1 + position % 12, 1),
                outcome=ReplicationOutcome.SUCCESS,
            )
        )
    Replication.objects.bulk_create(replications, batch_size=BATCH_SIZE, ignore_conflicts=True)
    transaction.on_commit(catalogue_changed)
    return {"solutions": created, "replications": len(replications)}
