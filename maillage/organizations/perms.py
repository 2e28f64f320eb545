"""Who may change what in the directory of organisations (decisions delegated to core.access)."""

from __future__ import annotations

from typing import Any

from maillage.core.access import is_staff, may_act_for
from maillage.organizations.models import Organization


def can_create_organization(user: Any) -> bool:
    return is_staff(user)


def can_edit_organization(user: Any, organization: Organization) -> bool:
    return may_act_for(user, {organization.pk})
