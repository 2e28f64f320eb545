"""Access-matrix additions for the innovation app: catalogue of solutions and replications.

Own objects belong to camille's organisation (a solution born in Montreuil and held by its city
hall, a replication into Montreuil), other objects to bruno's (Vincennes). Both solutions are public:
the catalogue, the detail, the map and the API are PUBLIC; editing a solution or a replication is for
staff and the correspondents of its organisations (OWN_ORGANIZATION).
"""

from __future__ import annotations

import datetime as dt

from maillage.innovation import services
from maillage.innovation.models import SolutionKind, SolutionVisibility
from maillage.territories.models import Commune


def build(world) -> None:
    personas = world.personas
    montreuil, vincennes = Commune.objects.get(pk="93048"), Commune.objects.get(pk="94080")

    def solution(title, origin, holder):
        return services.solution_create(
            data={
                "title": title,
                "summary": "Une solution.",
                "kind": SolutionKind.METHOD,
                "visibility": SolutionVisibility.PUBLIC,
                "origin_commune": origin,
            },
            holders=[holder],
        )

    world.own_solution = solution("Solution de Montreuil", montreuil, personas.montreuil)
    world.other_solution = solution("Solution de Vincennes", vincennes, personas.vincennes)
    world.own_replication = services.replication_create(
        solution=world.other_solution, data={"commune": montreuil, "date": dt.date(2025, 1, 1)}
    )
    world.other_replication = services.replication_create(
        solution=world.own_solution, data={"commune": vincennes, "date": dt.date(2025, 1, 1)}
    )


def _same(kwargs):
    return lambda w: (kwargs(w), kwargs(w))


def _solutions(w):
    return ({"pk": w.own_solution.pk}, {"pk": w.other_solution.pk})


TARGETS = {
    "innovation:home": _same(lambda w: {}),
    "innovation:solution_list": _same(lambda w: {}),
    "innovation:solution_create": _same(lambda w: {}),
    "innovation:solution_detail": _solutions,
    "innovation:solution_update": _solutions,
    "innovation:solution_stage": _solutions,
    "innovation:solution_visibility": _solutions,
    "innovation:solution_map_data": _solutions,
    "innovation:replication_create": _solutions,
    "innovation:replication_update": lambda w: ({"pk": w.own_replication.pk}, {"pk": w.other_replication.pk}),
    "api:solution-list": _same(lambda w: {}),
    "api:solution-detail": _solutions,
    "api:replication-list": _same(lambda w: {}),
    "api:replication-detail": lambda w: ({"pk": w.own_replication.pk}, {"pk": w.other_replication.pk}),
}
SCOPED: dict = {}
POST_ONLY = {"innovation:solution_stage", "innovation:solution_visibility"}
