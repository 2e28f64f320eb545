"""Who may do what with solutions and replications (decisions delegated to core.access).

- Viewing: public solutions everyone; internal ones signed-in accounts (the selectors scope it).
- Creating a solution: staff; a correspondent, on behalf of their organisation (a holder) or of
  their commune (origin commune).
- Editing a solution (fields, stage, visibility): staff; a correspondent of a holder organisation or
  of the city hall of the origin commune.
- Recording a replication: staff into any commune; a correspondent of a city hall into their own
  commune only. Editing it: the same people.
"""

from __future__ import annotations

from typing import Any

from maillage.core.access import is_staff, may_act_for, organization_ids_of
from maillage.innovation.models import Replication, Solution
from maillage.innovation.selectors import commune_organization_ids, own_commune_codes


def solution_organization_ids(solution: Solution) -> set[int]:
    """Holders (prefetched when the page loaded them) and the city hall of the origin commune."""
    ids = {holder.pk for holder in solution.holders.all()}
    if solution.origin_commune_id:
        city_hall = commune_organization_ids([solution.origin_commune_id]).get(solution.origin_commune_id)
        if city_hall:
            ids.add(city_hall)
    return ids


def can_create_solution(user: Any) -> bool:
    return is_staff(user) or bool(organization_ids_of(user))


def can_create_solution_with(user: Any, *, holder_ids: set[int], origin_commune_code: str | None) -> bool:
    """A correspondent must be a holder, or the origin commune must be theirs."""
    if is_staff(user):
        return True
    if may_act_for(user, holder_ids):
        return True
    return bool(origin_commune_code) and origin_commune_code in own_commune_codes(user)


def can_edit_solution(user: Any, solution: Solution) -> bool:
    if is_staff(user):
        return True
    if not organization_ids_of(user):
        return False
    return may_act_for(user, solution_organization_ids(solution))


def can_record_replication(user: Any) -> bool:
    """Staff, or a correspondent of a city hall (who records into their own commune)."""
    return is_staff(user) or bool(own_commune_codes(user))


def can_replicate_into(user: Any, commune_code: str) -> bool:
    return is_staff(user) or commune_code in own_commune_codes(user)


def can_edit_replication(user: Any, replication: Replication) -> bool:
    return can_replicate_into(user, replication.commune_id)


def can_see_history(user: Any, solution: Solution) -> bool:
    return can_edit_solution(user, solution)
