"""The community panel on a solution's page: resources linked to it and members working on it.

Resources follow their own visibility (public ones for everyone); members are personal data shown to
signed-in accounts only. Bounded lists (SECTION_LIMIT rows, one more fetched to know whether to link
to the full list) and a constant number of queries: one for the resources, one for the members.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from maillage.community import selectors
from maillage.core.sections import Section

ORDER = 70


def solution_section(request: HttpRequest, solution: Any) -> Section | None:
    limit = selectors.SECTION_LIMIT
    resources = selectors.solution_resources(user=request.user, solution_id=solution.pk, limit=limit)
    members = selectors.solution_members(user=request.user, solution_id=solution.pk, limit=limit)
    if not resources and not members:
        return None
    return Section(
        template="community/solution_section.html",
        context={
            "solution": solution,
            "resources": resources[:limit],
            "more_resources": len(resources) > limit,
            "members": members[:limit],
            "more_members": len(members) > limit,
        },
        order=ORDER,
    )
