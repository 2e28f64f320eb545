"""Sections of the commune profile: the solutions deployed there, and those it could reproduce.

Bounded lists and a constant number of queries: one for the deployed solutions (limit + 1 rows to
know whether to link to the full catalogue), six for the suggestions (see ``suggestions``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from maillage.core.sections import Section
from maillage.innovation import perms, selectors
from maillage.innovation.suggestions import suggestions_for_commune

ORDER = 60


def commune_section(request: HttpRequest, commune: Any) -> Section | None:
    limit = selectors.SECTION_LIMIT
    deployed = selectors.commune_solutions(user=request.user, code=commune.code, limit=limit)
    suggestions = suggestions_for_commune(user=request.user, commune=commune)
    if not deployed and not suggestions:
        return None
    return Section(
        template="innovation/commune_section.html",
        context={
            "commune": commune,
            "solutions": deployed[:limit],
            "more_solutions": len(deployed) > limit,
            "suggestions": suggestions,
            "can_replicate": perms.can_replicate_into(request.user, commune.code),
        },
        order=ORDER,
    )
