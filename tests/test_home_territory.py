"""Switching the home territory to another EPCI is one setting, and every page follows."""

import pytest

from maillage.organizations.models import Organization
from maillage.organizations.services import organizations_sync_from_referential
from maillage.territories.models import Epci
from maillage.territories.selectors import home_summary

pytestmark = pytest.mark.django_db
LYON = "200046977"


@pytest.fixture
def lyon(settings):
    settings.HOME_EPCI_SIREN = LYON
    return Epci.objects.get(pk=LYON)


def test_lyon_communes_and_population_follow_the_referential(lyon):
    assert home_summary() == {"communes": lyon.commune_count, "population": lyon.population}


def test_pages_follow_the_home_territory(lyon, client):
    page = client.get("/communes/?q=villeurbanne").content.decode()
    assert "Villeurbanne" in page
    assert "Montreuil" not in client.get("/communes/?q=montreuil").content.decode()
    territories = client.get("/territoires/").content.decode()
    # Outside the MGP the member communes play the part of territories.
    assert "Bron" in territories
    assert client.get("/territoires/200057875/").status_code == 404
    assert client.get("/carte/communes.geojson").json()["features"] == []
    assert "Métropole de Lyon" in client.get("/").content.decode()


def test_home_organisations_are_created_once(lyon):
    created = organizations_sync_from_referential()
    assert created == lyon.commune_count + 1
    assert organizations_sync_from_referential() == 0
    assert Organization.objects.filter(siren=LYON).exists()


def test_mgp_syndicates_are_seeded():
    assert Organization.objects.filter(kind="syndicate", name__startswith="SIAAP").exists()
    assert Organization.objects.filter(kind="syndicate").count() >= 5
