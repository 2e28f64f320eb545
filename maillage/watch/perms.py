"""Who may do what with the watch (decisions delegated to core.access)."""

from __future__ import annotations

from typing import Any

from maillage.core.access import is_staff


def can_manage_watch(user: Any) -> bool:
    """Sources, triage and digests are the DIT team's work tool: staff only."""
    return is_staff(user)
