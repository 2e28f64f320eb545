"""Who sees and changes which interactions (decisions delegated to core.access)."""

from __future__ import annotations

from typing import Any

from maillage.core.access import is_staff, may_act_for, organization_ids_of
from maillage.interactions.models import FollowUpAction, Interaction


def interaction_organization_ids(interaction: Interaction) -> set[int]:
    return {organization.pk for organization in interaction.organizations.all()}


def can_log_interaction(user: Any) -> bool:
    return is_staff(user) or bool(organization_ids_of(user))


def can_edit_interaction(user: Any, interaction: Interaction) -> bool:
    """Staff, the author, or a correspondent of an organisation involved."""
    if not (user.is_authenticated and user.is_active):
        return False
    if is_staff(user) or (interaction.author_id is not None and interaction.author_id == user.pk):
        return True
    return may_act_for(user, interaction_organization_ids(interaction))


def can_complete_action(user: Any, action: FollowUpAction) -> bool:
    """The owner of the action, or staff."""
    if not (user.is_authenticated and user.is_active):
        return False
    return is_staff(user) or action.owner_id == user.pk
