"""Who may do what with common topics and cooperations (decisions delegated to core.access)."""

from __future__ import annotations

from typing import Any

from maillage.cooperation.models import CommonTopic, Cooperation, Milestone
from maillage.cooperation.selectors import pilot_organization_ids
from maillage.core.access import is_staff, may_act_for, organization_ids_of


def can_propose_topic(user: Any) -> bool:
    """Staff for any organisation; a correspondent for their own."""
    return is_staff(user) or bool(organization_ids_of(user))


def can_declare_interest(user: Any) -> bool:
    return is_staff(user) or bool(organization_ids_of(user))


def can_act_for_organization(user: Any, organization_id: int) -> bool:
    return may_act_for(user, {organization_id})


def can_edit_topic(user: Any, topic: CommonTopic) -> bool:
    """Staff, or a correspondent of the proposing organisation."""
    return may_act_for(user, {topic.proposer_id})


def can_change_topic_status(user: Any) -> bool:
    return is_staff(user)


def can_convert_topic(user: Any) -> bool:
    return is_staff(user)


def can_create_cooperation(user: Any) -> bool:
    return is_staff(user)


def can_edit_cooperation(user: Any, cooperation: Cooperation) -> bool:
    """Every field, participants included: staff only."""
    return is_staff(user)


def can_edit_cooperation_plan(user: Any, cooperation: Cooperation) -> bool:
    """Objectives and milestones: staff, or a correspondent of a pilot organisation."""
    return may_act_for(user, pilot_organization_ids(cooperation))


def can_complete_milestone(user: Any, milestone: Milestone) -> bool:
    return can_edit_cooperation_plan(user, milestone.cooperation)
