"""Shared fixtures: the real referential loaded once per test database, and named personas.

Personas (the same in every test):
- alice: administrator of the platform;
- arthur: agent of the métropole;
- camille: correspondent of the Ville de Montreuil (93048);
- bruno: correspondent of the Ville de Vincennes (94080), "the other organisation";
- an anonymous visitor (the ``client`` fixture without login).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from maillage.accounts.models import User
from maillage.accounts.roles import Role
from maillage.organizations.models import Organization
from tests.factories import PASSWORD, UserFactory

MONTREUIL = "93048"
VINCENNES = "94080"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from maillage.organizations.services import organizations_sync_from_referential
    from maillage.territories.importer import referential_import

    with django_db_blocker.unblock():
        referential_import()
        organizations_sync_from_referential()


@pytest.fixture(autouse=True)
def _french():
    """The interface is French only; tests compute expected texts with tests.i18n.fr(msgid)."""
    with translation.override("fr"):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of a test go to its own temporary folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@dataclass
class Personas:
    alice: User
    arthur: User
    camille: User
    bruno: User
    montreuil: Organization
    vincennes: Organization

    def for_role(self, role: str) -> User | None:
        return {
            "admin": self.alice,
            "agent": self.arthur,
            "correspondent": self.camille,
            "other": self.bruno,
        }.get(role)


@pytest.fixture
def personas(db) -> Personas:
    montreuil = Organization.objects.get(kind="commune", commune_id=MONTREUIL)
    vincennes = Organization.objects.get(kind="commune", commune_id=VINCENNES)
    return Personas(
        alice=UserFactory(username="alice", role=Role.ADMIN, is_staff=True, is_superuser=True),
        arthur=UserFactory(username="arthur", role=Role.AGENT),
        camille=UserFactory(username="camille", role=Role.CORRESPONDENT, organization=montreuil),
        bruno=UserFactory(username="bruno", role=Role.CORRESPONDENT, organization=vincennes),
        montreuil=montreuil,
        vincennes=vincennes,
    )


def login(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def admin_client_(personas) -> Client:
    return login(personas.alice)


@pytest.fixture
def agent_client(personas) -> Client:
    return login(personas.arthur)


@pytest.fixture
def correspondent_client(personas) -> Client:
    return login(personas.camille)


@pytest.fixture
def other_correspondent_client(personas) -> Client:
    return login(personas.bruno)


__all__ = ["PASSWORD", "login"]
