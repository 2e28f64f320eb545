"""Who may do what in diffusion (decisions delegated to core.access)."""

from __future__ import annotations

from typing import Any

from maillage.core.access import is_staff


def can_edit_diffusion(user: Any) -> bool:
    return is_staff(user)
