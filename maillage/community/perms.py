"""Who may do what in the community app (decisions delegated to core.access).

There is no link between an account and a directory record: a member manages their own profile when
their account's e-mail address is the one of the record (``selectors.person_of_account``); staff
manage every profile; a correspondent manages the profiles of the people holding a current position
in their organisation.
"""

from __future__ import annotations

from typing import Any

from maillage.community.models import Event, MemberProfile, Resource
from maillage.core.access import is_staff, may_act_for, organization_ids_of
from maillage.people.models import Person


def _signed_in(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_create_profiles(user: Any) -> bool:
    """Record profiles on behalf of others: staff, and correspondents (for their organisation's people)."""
    return is_staff(user) or bool(organization_ids_of(user))


def can_manage_profile_of(user: Any, person: Person, *, current_organization_ids: set[int]) -> bool:
    """Staff; a correspondent of an organisation where the person holds a current position; the person."""
    from maillage.community.selectors import person_of_account

    if may_act_for(user, current_organization_ids):
        return True
    own = person_of_account(user)
    return own is not None and own.pk == person.pk


def can_manage_profile(user: Any, profile: MemberProfile) -> bool:
    from maillage.community.selectors import current_organization_ids

    return can_manage_profile_of(
        user, profile.person, current_organization_ids=current_organization_ids(profile.person)
    )


def can_manage_events(user: Any) -> bool:
    return is_staff(user)


def can_take_attendance(user: Any, event: Event) -> bool:
    return is_staff(user)


def can_create_resource(user: Any) -> bool:
    return is_staff(user) or bool(organization_ids_of(user))


def can_edit_resource(user: Any, resource: Resource) -> bool:
    """Staff; a correspondent of the author organisation."""
    if resource.author_organization_id is None:
        return is_staff(user)
    return may_act_for(user, {resource.author_organization_id})


def can_act_for_organization(user: Any, organization_id: int) -> bool:
    return may_act_for(user, {organization_id})


def can_see_directory(user: Any) -> bool:
    return _signed_in(user)
