"""Who manages bodies and sessions (decisions delegated to core.access and the selectors)."""

from __future__ import annotations

from typing import Any

from maillage.core.access import is_staff
from maillage.meetings import selectors
from maillage.meetings.models import Body


def can_manage(user: Any) -> bool:
    """Creating bodies and sessions, inviting, attendance, minutes: staff of the métropole."""
    return is_staff(user)


def can_see_internals(user: Any, body: Body) -> bool:
    """Minutes, decisions, actions, answers: staff and correspondents of a member organisation."""
    return selectors.sees_internals(user, body)
