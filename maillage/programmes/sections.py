"""Profile sections: experiments hosted in a commune and programmes its city hall takes part in; on a
solution's page, the programmes and experiments linked to it.

Bounded lists (SECTION_LIMIT rows, one more fetched to know whether to link to the full list) and a
constant number of queries: on a commune, one for its organisation, two for the programmes (rows and
roles), one for the experiments (signed-in readers only); on a solution, one for the programmes and
one for the experiments.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from maillage.core.sections import Section
from maillage.programmes import selectors

ORDER = 60


def commune_section(request: HttpRequest, commune: Any) -> Section | None:
    limit = selectors.SECTION_LIMIT
    organization = selectors.commune_organization(commune.pk)
    programmes = selectors.organization_programmes(organization.pk, limit) if organization else []
    signed_in = selectors.signed_in(request.user)
    experiments = (
        selectors.commune_experiments(user=request.user, code=commune.pk, limit=limit) if signed_in else []
    )
    if not programmes and not experiments:
        return None
    return Section(
        template="programmes/section_commune.html",
        context={
            "commune": commune,
            "organization": organization,
            "programmes": programmes[:limit],
            "more_programmes": len(programmes) > limit,
            "show_experiments": signed_in,
            "experiments": experiments[:limit],
            "more_experiments": len(experiments) > limit,
        },
        order=ORDER,
    )


def solution_section(request: HttpRequest, solution: Any) -> Section | None:
    limit = selectors.SECTION_LIMIT
    programmes = selectors.solution_programmes(solution.pk, limit)
    signed_in = selectors.signed_in(request.user)
    experiments = (
        selectors.solution_experiments(user=request.user, solution_id=solution.pk, limit=limit)
        if signed_in
        else []
    )
    if not programmes and not experiments:
        return None
    return Section(
        template="programmes/section_solution.html",
        context={
            "solution": solution,
            "programmes": programmes[:limit],
            "more_programmes": len(programmes) > limit,
            "show_experiments": signed_in,
            "experiments": experiments[:limit],
            "more_experiments": len(experiments) > limit,
        },
        order=ORDER,
    )
