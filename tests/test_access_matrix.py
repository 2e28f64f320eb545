"""Every URL of the URLconf, for every role, for their own and another organisation.

A URL whose view declares no access rule fails here, and so does a URL missing from
TARGETS below (add it with the objects it needs). Expected outcomes are written per rule
in EXPECTED, independently from the code that enforces them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from maillage.core.access import RULES
from maillage.people.models import PositionRole
from tests.conftest import login
from tests.factories import FollowUpActionFactory, InteractionFactory, PositionFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "admin", "agent", "correspondent"]
ALLOWED, LOGIN, FORBIDDEN, HIDDEN = "allowed", "login", "forbidden", "hidden (404)"

# rule → role → (outcome on own organisation's object, outcome on another organisation's object)
EXPECTED: dict[str, dict[str, tuple[str, str]]] = {
    "public": {role: (ALLOWED, ALLOWED) for role in ROLES},
    "authenticated": {
        "anonymous": (LOGIN, LOGIN),
        "admin": (ALLOWED, ALLOWED),
        "agent": (ALLOWED, ALLOWED),
        "correspondent": (ALLOWED, ALLOWED),
    },
    "staff": {
        "anonymous": (LOGIN, LOGIN),
        "admin": (ALLOWED, ALLOWED),
        "agent": (ALLOWED, ALLOWED),
        "correspondent": (FORBIDDEN, FORBIDDEN),
    },
    "admin": {
        "anonymous": (LOGIN, LOGIN),
        "admin": (ALLOWED, ALLOWED),
        "agent": (FORBIDDEN, FORBIDDEN),
        "correspondent": (FORBIDDEN, FORBIDDEN),
    },
    "own_organization": {
        "anonymous": (LOGIN, LOGIN),
        "admin": (ALLOWED, ALLOWED),
        "agent": (ALLOWED, ALLOWED),
        "correspondent": (ALLOWED, FORBIDDEN),
    },
}


@dataclass
class World:
    """Objects of camille's organisation (own) and of bruno's (other).

    Apps add their own objects in ``tests/access_targets_<app>.py`` (function ``build(world)``
    setting attributes), next to their URL targets: see ``_app_targets`` below.
    """

    personas: Any
    own_person: Any
    other_person: Any
    public_person: Any
    own_interaction: Any
    other_interaction: Any
    own_action: Any
    other_action: Any


@pytest.fixture
def world(personas) -> World:
    own_person = PositionFactory(organization=personas.montreuil, role=PositionRole.DGS).person
    other_person = PositionFactory(organization=personas.vincennes, role=PositionRole.DGS).person
    public_person = PositionFactory(organization=personas.vincennes, role=PositionRole.MAYOR).person
    own_interaction = InteractionFactory(organizations=[personas.montreuil], people=[own_person])
    other_interaction = InteractionFactory(organizations=[personas.vincennes], people=[other_person])
    world = World(
        personas,
        own_person,
        other_person,
        public_person,
        own_interaction,
        other_interaction,
        FollowUpActionFactory(interaction=own_interaction, owner=personas.camille),
        FollowUpActionFactory(interaction=other_interaction, owner=personas.bruno),
    )
    for module in _app_target_modules():
        if hasattr(module, "build"):
            module.build(world)
    return world


def _app_target_modules() -> list:
    """Per-app additions to the matrix: tests/access_targets_<app>.py (TARGETS, SCOPED, POST_ONLY, build)."""
    import importlib
    import pkgutil

    import tests

    return [
        importlib.import_module(f"tests.{info.name}")
        for info in pkgutil.iter_modules(tests.__path__)
        if info.name.startswith("access_targets_")
    ]


def same(kwargs: Callable[[World], dict]) -> Callable[[World], tuple[dict, dict]]:
    return lambda w: (kwargs(w), kwargs(w))


# URL name → objects for (own, other). "GET" is tested unless the name is in POST_ONLY.
TARGETS: dict[str, Callable[[World], tuple[dict, dict]]] = {
    "core:home": same(lambda w: {}),
    "core:search": same(lambda w: {}),
    "core:suggest": same(lambda w: {}),
    "core:privacy": same(lambda w: {}),
    "core:accessibility": same(lambda w: {}),
    "core:health": same(lambda w: {}),
    "core:bare": same(lambda w: {}),
    "accounts:login": same(lambda w: {}),
    "accounts:logout": same(lambda w: {}),
    "territories:map": same(lambda w: {}),
    "territories:map_data": same(lambda w: {}),
    "territories:commune_list": same(lambda w: {}),
    "territories:commune_detail": same(lambda w: {"code": "93048"}),
    "territories:territory_list": same(lambda w: {}),
    "territories:territory_detail": same(lambda w: {"siren": "200057875"}),
    "organizations:list": same(lambda w: {}),
    "organizations:create": same(lambda w: {}),
    "organizations:detail": same(lambda w: {"pk": w.personas.montreuil.pk}),
    "organizations:update": lambda w: ({"pk": w.personas.montreuil.pk}, {"pk": w.personas.vincennes.pk}),
    "organizations:membership_create": lambda w: (
        {"pk": w.personas.montreuil.pk},
        {"pk": w.personas.vincennes.pk},
    ),
    "people:list": same(lambda w: {}),
    "people:create": same(lambda w: {}),
    "people:detail": lambda w: ({"pk": w.own_person.pk}, {"pk": w.other_person.pk}),
    "people:update": lambda w: ({"pk": w.own_person.pk}, {"pk": w.other_person.pk}),
    "people:position_create": lambda w: ({"pk": w.own_person.pk}, {"pk": w.other_person.pk}),
    "people:export": lambda w: ({"pk": w.own_person.pk}, {"pk": w.other_person.pk}),
    "people:erase": lambda w: ({"pk": w.own_person.pk}, {"pk": w.other_person.pk}),
    "interactions:list": same(lambda w: {}),
    "interactions:create": same(lambda w: {}),
    "interactions:my_actions": same(lambda w: {}),
    "interactions:detail": lambda w: ({"pk": w.own_interaction.pk}, {"pk": w.other_interaction.pk}),
    "interactions:update": lambda w: ({"pk": w.own_interaction.pk}, {"pk": w.other_interaction.pk}),
    "interactions:action_complete": lambda w: ({"pk": w.own_action.pk}, {"pk": w.other_action.pk}),
    "api:openapi": same(lambda w: {}),
    "api:commune-list": same(lambda w: {}),
    "api:commune-detail": same(lambda w: {"code": "93048"}),
    "api:territory-list": same(lambda w: {}),
    "api:territory-detail": same(lambda w: {"siren": "200057875"}),
    "api:organization-list": same(lambda w: {}),
    "api:organization-detail": lambda w: ({"pk": w.personas.montreuil.pk}, {"pk": w.personas.vincennes.pk}),
    "api:person-list": same(lambda w: {}),
    "api:person-detail": lambda w: ({"pk": w.own_person.pk}, {"pk": w.other_person.pk}),
    "admin:index": same(lambda w: {}),
}
# Views whose rule admits the role but whose selector scopes the objects: what is not
# visible is answered 404, so that its existence is not disclosed.
_PERSON_SCOPE = {
    "anonymous": (HIDDEN, HIDDEN),
    "admin": (ALLOWED, ALLOWED),
    "agent": (ALLOWED, ALLOWED),
    "correspondent": (ALLOWED, HIDDEN),
}
SCOPED: dict[str, dict[str, tuple[str, str]]] = {
    "people:detail": _PERSON_SCOPE,
    "api:person-detail": _PERSON_SCOPE,
    "interactions:detail": {**_PERSON_SCOPE, "anonymous": (LOGIN, LOGIN)},
}
POST_ONLY = {"accounts:logout", "interactions:action_complete"}


for _module in _app_target_modules():
    TARGETS.update(getattr(_module, "TARGETS", {}))
    SCOPED.update(getattr(_module, "SCOPED", {}))
    POST_ONLY |= set(getattr(_module, "POST_ONLY", ()))


def iter_urls(patterns=None, namespace: str = "") -> Iterator[tuple[str, Any]]:
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from iter_urls(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry.callback


def declared_rule(name: str, callback: Any):
    if name.startswith("admin:"):
        from maillage.core.admin_site import admin_site

        return admin_site.access_rule
    rule = getattr(callback, "access_rule", None)
    if rule is None and hasattr(callback, "cls"):
        rule = getattr(callback.cls, "access_rule", None)
    return rule


def test_every_url_declares_an_access_rule():
    missing = [name for name, callback in iter_urls() if declared_rule(name, callback) is None]
    assert not missing, f"URL sans règle d'accès déclarée : {missing}"


def test_every_url_is_in_the_matrix():
    names = {name for name, _ in iter_urls() if not name.startswith("admin:") or name == "admin:index"}
    missing = sorted(names - set(TARGETS))
    assert not missing, f"URL absentes de la matrice d'accès (ajoutez-les à TARGETS) : {missing}"


def outcome(response, name: str) -> str:
    if response.status_code in (301, 302):
        location = response.headers["Location"]
        if "connexion" in location or "/admin/login" in location:
            return LOGIN
        return ALLOWED
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 404:
        return HIDDEN
    if response.status_code in (200, 204) or (name in POST_ONLY and response.status_code == 405):
        return ALLOWED
    return f"HTTP {response.status_code}"


def user_for(role: str, personas):
    return {
        "anonymous": None,
        "admin": personas.alice,
        "agent": personas.arthur,
        "correspondent": personas.camille,
    }[role]


def test_every_url_for_every_role(world):
    failures = []
    for name, callback in iter_urls():
        if name not in TARGETS:
            continue
        rule = declared_rule(name, callback)
        own_kwargs, other_kwargs = TARGETS[name](world)
        for role in ROLES:
            client = login(user_for(role, world.personas))
            for label, kwargs, expected in zip(
                ("own", "other"),
                (own_kwargs, other_kwargs),
                SCOPED.get(name, EXPECTED[rule.name])[role],
                strict=True,
            ):
                url = reverse(name, kwargs=kwargs)
                response = client.post(url) if name in POST_ONLY else client.get(url)
                got = outcome(response, name)
                # The admin sends people without the right role to its own login page.
                if name.startswith("admin:") and expected == FORBIDDEN:
                    expected = LOGIN
                if got != expected:
                    failures.append(f"{name} [{rule}] {role}/{label} {url}: attendu {expected}, obtenu {got}")
    assert not failures, "\n".join(failures)


def test_rules_are_the_documented_ones():
    assert set(RULES) == set(EXPECTED)
