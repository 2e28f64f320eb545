"""Who may do what with conventions (decisions delegated to core.access).

In this first version the metropole's agents and administrators manage conventions; the
correspondents of a party see them (``selectors.agreement_visible_to``) but change nothing.
"""

from __future__ import annotations

from typing import Any

from maillage.agreements.models import Agreement
from maillage.agreements.selectors import is_party_correspondent
from maillage.core.access import is_staff


def can_manage_agreements(user: Any) -> bool:
    return is_staff(user)


def can_validate_agreement(user: Any, agreement: Agreement) -> bool:
    """Four eyes: any agent or administrator but the owner."""
    return is_staff(user) and user.pk != agreement.owner_id


def can_see_internal(user: Any) -> bool:
    """Comments on moves, the four-eyes state, draft amendments and the history stay internal."""
    return is_staff(user)


def can_see_obligations(user: Any, agreement: Agreement) -> bool:
    """Obligations concern those who work on the convention: staff and the parties' correspondents."""
    return is_staff(user) or is_party_correspondent(user, agreement)
