"""Who sees and changes what about people (decisions delegated to core.access)."""

from __future__ import annotations

from typing import Any

from maillage.core.access import is_staff, may_act_for, organization_ids_of
from maillage.people.models import Person


def person_organization_ids(person: Person) -> set[int]:
    return {position.organization_id for position in person.positions.all()}


def can_view_person_details(user: Any, person: Person) -> bool:
    """Contact details and GDPR data: staff, or a correspondent of an organisation the person works for."""
    return may_act_for(user, person_organization_ids(person))


def can_edit_person(user: Any, person: Person) -> bool:
    return may_act_for(user, person_organization_ids(person))


def can_create_person(user: Any) -> bool:
    return is_staff(user) or bool(organization_ids_of(user))


def can_manage_personal_data(user: Any) -> bool:
    """Export and erasure on request are handled by the metropole's staff (data controller)."""
    return is_staff(user)


def can_act_for_organization(user: Any, organization_id: int) -> bool:
    """A person or position may be recorded in this organisation by this user."""
    return may_act_for(user, {organization_id})


def can_add_position(user: Any, person: Person, organization_id: int) -> bool:
    return can_edit_person(user, person) and can_act_for_organization(user, organization_id)


def can_view_person_interactions(user: Any, person: Person) -> bool:
    return user.is_authenticated and can_view_person_details(user, person)
