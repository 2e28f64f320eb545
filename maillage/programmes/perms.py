"""Who may do what with programmes and experiments (decisions delegated to core.access)."""

from __future__ import annotations

from typing import Any

from maillage.core.access import is_staff, may_act_for


def can_manage_programmes(user: Any) -> bool:
    """Create and edit programmes, their participants and links: staff only."""
    return is_staff(user)


def can_create_experiment(user: Any) -> bool:
    return is_staff(user)


def can_edit_experiment(user: Any, host_organization_ids: set[int]) -> bool:
    """Staff, or a correspondent of the host commune (``selectors.host_organization_ids``)."""
    return may_act_for(user, host_organization_ids)


def can_edit_experiment_fully(user: Any) -> bool:
    """Every field (programme, commune, dates, evaluation): staff only."""
    return is_staff(user)


def can_record_measures(user: Any, host_organization_ids: set[int]) -> bool:
    """Indicators and measures: staff, or a correspondent of the host commune."""
    return may_act_for(user, host_organization_ids)


def can_move_experiment(user: Any) -> bool:
    """Committee, start, evaluation, decision: staff only (a correspondent never decides)."""
    return is_staff(user)
