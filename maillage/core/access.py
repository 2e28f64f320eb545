"""Access rules: the one place that says who may use what.

Every view and API endpoint declares a rule with :func:`access` (function views)
or an ``access_rule`` attribute (DRF views). ``tests/test_access_matrix.py``
walks the whole URLconf and fails on any URL without a declared rule.

URL-level rules decide from the user alone. Object-level rules (``OWN_ORGANIZATION``)
also need the object: the view calls :func:`require` with it once loaded, so the
decision still lives here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import BasePermission

from maillage.accounts.roles import Role


@dataclass(frozen=True)
class Rule:
    """A named access rule; ``allows_user`` decides at URL level."""

    name: str
    description: str
    roles: frozenset[str]
    object_level: bool = False

    def allows_user(self, user: Any) -> bool:
        if not self.roles:  # public
            return True
        if not user.is_authenticated or not user.is_active:
            return False
        return user.role in self.roles

    def __str__(self) -> str:
        return self.name


_ALL_ACCOUNTS = frozenset({Role.ADMIN, Role.AGENT, Role.CORRESPONDENT})
_STAFF = frozenset({Role.ADMIN, Role.AGENT})

PUBLIC = Rule("public", "Tout le monde, y compris sans compte.", frozenset())
AUTHENTICATED = Rule("authenticated", "Toute personne connectée.", _ALL_ACCOUNTS)
STAFF = Rule("staff", "Administrateurs et agents de la métropole.", _STAFF)
ADMIN = Rule("admin", "Administrateurs seulement.", frozenset({Role.ADMIN}))
OWN_ORGANIZATION = Rule(
    "own_organization",
    "Administrateurs, agents, et correspondants de l'organisation concernée.",
    _ALL_ACCOUNTS,
    object_level=True,
)

RULES = {rule.name: rule for rule in (PUBLIC, AUTHENTICATED, STAFF, ADMIN, OWN_ORGANIZATION)}


def is_staff(user: Any) -> bool:
    return user.is_authenticated and user.is_active and user.role in _STAFF


def organization_ids_of(user: Any) -> set[int]:
    """Organisations a correspondent acts for (empty for anyone else)."""
    if user.is_authenticated and user.role == Role.CORRESPONDENT and user.organization_id:
        return {user.organization_id}
    return set()


def may_act_for(user: Any, organization_ids: set[int] | list[int]) -> bool:
    """OWN_ORGANIZATION: staff always; a correspondent for their own organisation only."""
    if is_staff(user):
        return True
    return bool(organization_ids_of(user) & set(organization_ids))


def require(request: HttpRequest, allowed: bool) -> None:
    """Object-level check inside a view: 403 with a French message if not allowed."""
    if not allowed:
        raise PermissionDenied(
            "Vous n'avez pas le droit de modifier cette fiche : elle relève d'une autre organisation."
        )


def access(rule: Rule) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Declare and enforce the access rule of a function view."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not rule.allows_user(request.user):
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                raise PermissionDenied("Votre rôle ne donne pas accès à cette page.")
            return view(request, *args, **kwargs)

        wrapped.access_rule = rule  # type: ignore[attr-defined]
        return wrapped

    return decorator


class DeclaredRulePermission(BasePermission):
    """DRF permission that reads the view's ``access_rule``; a view without one is refused."""

    message = "Accès refusé."

    def has_permission(self, request: Any, view: Any) -> bool:
        rule = getattr(view, "access_rule", None)
        if rule is None:
            return False
        return rule.allows_user(request.user)
