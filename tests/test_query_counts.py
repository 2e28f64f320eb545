"""Pages keep the same number of SQL queries at 5 and at 200 rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.organizations.models import OrganizationKind, OrganizationMembership
from maillage.people.models import PositionRole
from tests.conftest import login
from tests.factories import OrganizationFactory, PositionFactory

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:
    client.get(url)  # warm the per-process caches (home territory name, map data)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def grow(personas, rows: int) -> None:
    """Organisations in Montreuil with people and memberships, in the given number."""
    for index in range(rows):
        organization = OrganizationFactory(
            commune=personas.montreuil.commune, kind=OrganizationKind.ASSOCIATION
        )
        OrganizationMembership.objects.create(
            member=organization, group=personas.montreuil, competence=f"c{index}"
        )
        PositionFactory(
            organization=personas.montreuil, role=PositionRole.MAYOR if index % 2 else PositionRole.DGS
        )


PAGES = [
    "/organisations/",
    "/organisations/?q=association",
    "/organisations/{montreuil}/",
    "/communes/",
    "/communes/?q=saint",
    "/communes/93048/",
    "/territoires/",
    "/territoires/200057875/",
    "/recherche/?q=association",
    "/carte/",
]


@pytest.mark.parametrize("role", ["anonymous", "agent", "correspondent"])
def test_constant_query_counts(personas, role):
    client = login({"anonymous": None, "agent": personas.arthur, "correspondent": personas.camille}[role])
    urls = [page.format(montreuil=personas.montreuil.pk) for page in PAGES]
    grow(personas, 5)
    small = {url: count_queries(client, url) for url in urls}
    grow(personas, 195)
    large = {url: count_queries(client, url) for url in urls}
    assert small == large


def test_detail_pages_keep_their_query_count(personas):
    """A person with many positions and an interaction with many participants cost the same queries."""
    from maillage.interactions.models import FollowUpAction
    from tests.factories import InteractionFactory, PersonFactory

    person = PersonFactory()
    interaction = InteractionFactory(organizations=[personas.montreuil], people=[person])
    client = login(personas.arthur)
    urls = [f"/personnes/{person.pk}/", f"/echanges/{interaction.pk}/", "/echanges/mes-actions/"]

    def add(rows: int) -> None:
        for index in range(rows):
            organization = OrganizationFactory()
            PositionFactory(person=person, organization=organization)
            interaction.organizations.add(organization)
            interaction.people.add(PersonFactory())
            FollowUpAction.objects.create(
                interaction=interaction, description=f"a{index}", owner=personas.arthur, due_date="2030-01-01"
            )

    add(5)
    small = {url: count_queries(client, url) for url in urls}
    add(195)
    large = {url: count_queries(client, url) for url in urls}
    assert small == large


def test_counts_stop_at_the_cap(monkeypatch, client):
    from maillage.core import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    page = client.get("/organisations/").content.decode()
    assert "Plus de 5" in page
