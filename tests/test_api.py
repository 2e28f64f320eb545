"""The read-only JSON API under /api/v1/: resources, filters, roles, query counts, OpenAPI."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from maillage.organizations.models import Organization
from maillage.people.models import Person, PositionRole
from maillage.people.perms import can_view_person_details
from tests.conftest import MONTREUIL, VINCENNES, login
from tests.factories import OrganizationFactory, PositionFactory

pytestmark = pytest.mark.django_db

SAINT_DENIS = "93066"
PIERREFITTE = "93059"
EST_ENSEMBLE = "200057875"
LYON = "69123"
PERSONAL_FIELDS = {
    "email",
    "phone",
    "legal_basis",
    "source",
    "newsletter_consent",
    "last_interaction_at",
    "retention_until",
}


def get(client: Client, url: str, **params):
    return client.get(url, params)


def codes(response) -> list[str]:
    return [row["code"] for row in response.json()["results"]]


# --- Communes ------------------------------------------------------------------------------------


def test_commune_list_is_the_home_territory_by_default(client):
    response = get(client, reverse("api:commune-list"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 130
    assert len(body["results"]) == 50
    first = body["results"][0]
    assert set(first) == {"code", "name", "department", "territory", "epci", "population"}
    assert first["epci"] == "200054781"


def test_commune_list_in_the_national_scope(client):
    response = get(client, reverse("api:commune-list"), scope="france", department="69", q="lyon")
    assert LYON in codes(response)
    assert get(client, reverse("api:commune-list"), q="lyon").json()["count"] == 0
    body = get(client, reverse("api:commune-list"), scope="france").json()
    assert body["count"] == 34_875


def test_page_size_is_capped_at_200(client):
    body = get(client, reverse("api:commune-list"), scope="france", page_size=1000).json()
    assert len(body["results"]) == 200
    assert "page=2" in body["next"]
    body = get(client, reverse("api:commune-list"), page_size=7, page=2).json()
    assert len(body["results"]) == 7 and body["previous"]


def test_commune_name_filter_ignores_accents_and_case(client):
    response = get(client, reverse("api:commune-list"), q="EPINAY")
    assert codes(response) == ["93031"]  # Épinay-sur-Seine, the only Épinay of the home territory
    response = get(client, reverse("api:commune-list"), scope="france", q="épinay sur")
    assert set(codes(response)) == {"93031", "76237", "14241", "91216"}


def test_commune_filters_by_territory_department_and_orders_by_population(client):
    montreuil = get(client, reverse("api:commune-list"), territory=EST_ENSEMBLE, page_size=200).json()
    assert montreuil["count"] == 9
    assert all(row["territory"]["siren"] == EST_ENSEMBLE for row in montreuil["results"])
    assert MONTREUIL in [row["code"] for row in montreuil["results"]]
    assert montreuil["results"][0]["territory"] == {
        "siren": EST_ENSEMBLE,
        "number": "T8",
        "name": "Est Ensemble",
    }

    val_de_marne = get(client, reverse("api:commune-list"), department="94", page_size=200).json()
    assert val_de_marne["count"] == 47
    assert {row["department"] for row in val_de_marne["results"]} == {"94"}

    biggest = get(client, reverse("api:commune-list"), ordering="-population").json()["results"]
    assert biggest[0]["code"] == "75056"
    populations = [row["population"] for row in biggest]
    assert populations == sorted(populations, reverse=True)
    by_name = [
        row["name"] for row in get(client, reverse("api:commune-list"), ordering="name").json()["results"]
    ]
    assert by_name[0] == "Ablon-sur-Seine"


def test_commune_list_search_follows_a_former_code(client):
    response = get(client, reverse("api:commune-list"), q=PIERREFITTE)
    assert codes(response) == [SAINT_DENIS]
    assert "93059" in response["X-Maillage-Notice"]


def test_bad_filter_values_give_a_400_naming_the_parameter(client):
    response = get(client, reverse("api:commune-list"), ordering="altitude")
    assert response.status_code == 400
    assert "altitude" in response.json()["ordering"][0]
    assert get(client, reverse("api:commune-list"), scope="europe").status_code == 400


def test_commune_detail(client):
    response = get(client, reverse("api:commune-detail", kwargs={"code": MONTREUIL}))
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Montreuil"
    assert body["department"] == "93"
    assert body["territory"]["siren"] == EST_ENSEMBLE
    assert body["population"] > 100_000
    assert {"93006", VINCENNES, "75056"} <= set(body["neighbours"])
    assert body["notice"] == ""
    assert "Link" not in response


def test_a_former_code_answers_with_saint_denis_and_a_notice(client):
    response = get(client, reverse("api:commune-detail", kwargs={"code": PIERREFITTE}))
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == SAINT_DENIS
    assert body["name"] == "Saint-Denis"
    assert PIERREFITTE in body["notice"] and "Saint-Denis" in body["notice"]
    assert response["Link"] == f'<http://testserver/api/v1/communes/{SAINT_DENIS}/>; rel="canonical"'
    assert response["X-Maillage-Notice"]


def test_an_unknown_code_is_a_404_with_a_clear_message(client):
    response = get(client, reverse("api:commune-detail", kwargs={"code": "99999"}))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "99999" in response.json()["detail"]


def test_a_commune_outside_the_home_territory_needs_the_national_scope(client):
    response = get(client, reverse("api:commune-detail", kwargs={"code": LYON}))
    assert response.status_code == 404
    assert "scope=france" in response.json()["detail"]
    response = get(client, reverse("api:commune-detail", kwargs={"code": LYON}), scope="france")
    assert response.status_code == 200
    assert response.json()["name"] == "Lyon"
    assert response.json()["territory"] is None


# --- Territories ---------------------------------------------------------------------------------


def test_territory_list(client):
    body = get(client, reverse("api:territory-list")).json()
    assert body["count"] == 12
    assert [row["number"] for row in body["results"]][:3] == ["T1", "T2", "T3"]
    assert set(body["results"][0]) == {"siren", "number", "name", "population", "commune_count"}
    assert sum(row["commune_count"] for row in body["results"]) == 130


def test_territory_detail_lists_its_communes(client):
    body = get(client, reverse("api:territory-detail", kwargs={"siren": EST_ENSEMBLE})).json()
    assert body["name"] == "Est Ensemble"
    assert MONTREUIL in body["communes"]
    assert len(body["communes"]) == body["commune_count"] == 9


def test_an_unknown_territory_is_a_404_with_a_clear_message(client):
    response = get(client, reverse("api:territory-detail", kwargs={"siren": "123456789"}))
    assert response.status_code == 404
    assert "123456789" in response.json()["detail"]


# --- Organisations -------------------------------------------------------------------------------


def test_organization_list_and_filters(client, personas):
    association = OrganizationFactory(name="Les Ateliers de l'Écologie", commune_id=MONTREUIL)
    url = reverse("api:organization-list")

    body = get(client, url, kind="commune").json()
    assert body["count"] == 130
    row = next(r for r in get(client, url, q="montreuil", kind="commune").json()["results"])
    assert row == {
        "id": personas.montreuil.pk,
        "kind": "commune",
        "kind_label": str(personas.montreuil.get_kind_display()),
        "name": personas.montreuil.name,
        "siren": personas.montreuil.siren,
        "siret": personas.montreuil.siret,
        "address": personas.montreuil.address,
        "postal_code": personas.montreuil.postal_code,
        "city": personas.montreuil.city,
        "website": personas.montreuil.website,
        "commune": MONTREUIL,
        "territory": personas.montreuil.territory_id,
    }

    ids = [r["id"] for r in get(client, url, q="ecologie").json()["results"]]
    assert ids == [association.pk]
    ids = {r["id"] for r in get(client, url, commune=MONTREUIL).json()["results"]}
    assert ids == {personas.montreuil.pk, association.pk}
    ids = {r["id"] for r in get(client, url, territory=EST_ENSEMBLE, page_size=200).json()["results"]}
    assert {personas.montreuil.pk, association.pk} <= ids and personas.vincennes.pk not in ids
    assert get(client, url, kind="club").status_code == 400


def test_organization_commune_filter_follows_a_former_code(client):
    response = get(client, reverse("api:organization-list"), commune=PIERREFITTE)
    assert [r["commune"] for r in response.json()["results"]] == [SAINT_DENIS]
    assert PIERREFITTE in response["X-Maillage-Notice"]


def test_organization_detail_and_404(client, personas):
    response = get(client, reverse("api:organization-detail", kwargs={"pk": personas.vincennes.pk}))
    assert response.status_code == 200
    assert response.json()["commune"] == VINCENNES
    for missing in ("999999", "abc"):
        response = client.get(f"/api/v1/organizations/{missing}/")
        assert response.status_code == 404
        assert response.json()["detail"]


# --- People --------------------------------------------------------------------------------------


@pytest.fixture
def directory(personas):
    """Elected officials (public) and staff (private) of Montreuil and Vincennes."""
    association = OrganizationFactory(name="Régie de quartier fictive")
    mayor = PositionFactory(
        organization=personas.montreuil, role=PositionRole.MAYOR, person__last_name="Maire-Montreuil"
    ).person
    # The mayor's job elsewhere is not an elected office: only staff see it.
    PositionFactory(person=mayor, organization=association, role=PositionRole.PROJECT_OFFICER)
    officer = PositionFactory(
        organization=personas.montreuil,
        role=PositionRole.PROJECT_OFFICER,
        person__last_name="Agent-Montreuil",
    ).person
    former = PositionFactory(
        organization=personas.montreuil,
        role=PositionRole.DIRECTOR,
        start_date=dt.date(2015, 1, 1),
        end_date=dt.date(2020, 1, 1),
        person__last_name="Ancien-Montreuil",
    ).person
    vincennes_mayor = PositionFactory(
        organization=personas.vincennes, role=PositionRole.MAYOR, person__last_name="Maire-Vincennes"
    ).person
    vincennes_officer = PositionFactory(
        organization=personas.vincennes, role=PositionRole.DIRECTOR, person__last_name="Agent-Vincennes"
    ).person
    return {
        "association": association,
        "mayor": mayor,
        "officer": officer,
        "former": former,
        "vincennes_mayor": vincennes_mayor,
        "vincennes_officer": vincennes_officer,
    }


def people_by_name(client: Client, **params) -> dict[str, dict]:
    response = get(client, reverse("api:person-list"), **params)
    assert response.status_code == 200
    return {row["last_name"]: row for row in response.json()["results"]}


def test_anonymous_visitors_see_elected_officials_without_personal_data(client, directory):
    people = people_by_name(client)
    assert set(people) == {"Maire-Montreuil", "Maire-Vincennes"}
    mayor = people["Maire-Montreuil"]
    assert set(mayor) == {"id", "first_name", "last_name", "positions", "details_visible"}
    assert mayor["details_visible"] is False
    # Only the elected office shows, not the job at the association.
    assert [(p["organization"]["name"], p["role"]) for p in mayor["positions"]] == [
        ("Ville de Montreuil", "mayor")
    ]
    assert set(mayor["positions"][0]) == {
        "organization",
        "role",
        "role_label",
        "title",
        "start_date",
        "end_date",
    }


def test_a_correspondent_sees_the_personal_data_of_their_organisation_only(personas, directory):
    people = people_by_name(login(personas.camille))
    assert set(people) == {"Maire-Montreuil", "Agent-Montreuil", "Ancien-Montreuil", "Maire-Vincennes"}
    officer = people["Agent-Montreuil"]
    assert officer["details_visible"] is True
    assert PERSONAL_FIELDS <= set(officer)
    assert officer["email"] == directory["officer"].email
    assert officer["retention_until"] == directory["officer"].retention_until.isoformat()
    assert people["Ancien-Montreuil"]["details_visible"] is True
    assert people["Ancien-Montreuil"]["positions"] == []  # the position has ended
    # Vincennes's mayor is public, but their contact details belong to Vincennes.
    assert people["Maire-Vincennes"]["details_visible"] is False
    assert not PERSONAL_FIELDS & set(people["Maire-Vincennes"])
    # Camille sees the Montreuil mayor's data, but not the association job (another organisation).
    assert [p["role"] for p in people["Maire-Montreuil"]["positions"]] == ["mayor"]


def test_the_other_correspondent_sees_the_mirror_image(personas, directory):
    people = people_by_name(login(personas.bruno))
    assert set(people) == {"Maire-Montreuil", "Maire-Vincennes", "Agent-Vincennes"}
    assert people["Agent-Vincennes"]["details_visible"] is True
    assert "email" not in people["Maire-Montreuil"]


def test_agents_see_everyone_with_personal_data(personas, directory):
    people = people_by_name(login(personas.arthur))
    assert len(people) == 5
    assert all(row["details_visible"] and PERSONAL_FIELDS <= set(row) for row in people.values())
    assert {p["role"] for p in people["Maire-Montreuil"]["positions"]} == {"mayor", "project_officer"}


@pytest.mark.parametrize("role", ["anonymous", "admin", "agent", "correspondent", "other"])
def test_the_api_applies_the_same_rule_as_perms(personas, directory, role):
    user = personas.for_role(role)
    people = people_by_name(login(user), page_size=200)
    for row in people.values():
        person = Person.objects.get(pk=row["id"])
        expected = can_view_person_details(user, person) if user else False
        assert row["details_visible"] is expected, row["last_name"]
        assert ("email" in row) is expected


def test_person_detail_follows_the_same_rules(client, personas, directory):
    url = reverse("api:person-detail", kwargs={"pk": directory["officer"].pk})
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["detail"]
    assert login(personas.bruno).get(url).status_code == 404
    body = login(personas.camille).get(url).json()
    assert body["email"] == directory["officer"].email
    body = client.get(reverse("api:person-detail", kwargs={"pk": directory["mayor"].pk})).json()
    assert body["last_name"] == "Maire-Montreuil" and "email" not in body


def test_people_filters(client, personas, directory):
    assert set(people_by_name(client, q="maire montreuil")) == {"Maire-Montreuil"}
    assert set(people_by_name(client, role="mayor")) == {"Maire-Montreuil", "Maire-Vincennes"}
    agent = login(personas.arthur)
    assert set(people_by_name(agent, organization=personas.montreuil.pk)) == {
        "Maire-Montreuil",
        "Agent-Montreuil",
        "Ancien-Montreuil",
    }
    assert set(people_by_name(agent, role="project_officer")) == {"Maire-Montreuil", "Agent-Montreuil"}
    camille = login(personas.camille)
    assert set(people_by_name(camille, role="project_officer")) == {"Agent-Montreuil"}
    assert get(client, reverse("api:person-list"), organization="montreuil").status_code == 400
    assert get(client, reverse("api:person-list"), role="king").status_code == 400


def test_filters_do_not_reveal_positions_hidden_from_the_viewer(client, directory):
    # The mayor's association job is not public: filtering on it must not find the mayor.
    assert people_by_name(client, organization=directory["association"].pk) == {}
    assert people_by_name(client, role="project_officer") == {}


# --- Read only, OpenAPI --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["commune", "territory", "organization", "person"])
def test_the_api_is_read_only(agent_client, name):
    url = reverse(f"api:{name}-list")
    assert agent_client.post(url, {}, content_type="application/json").status_code == 405
    assert Client().post(url, {}).status_code == 405
    assert agent_client.head(url).status_code == 200
    assert agent_client.options(url).status_code == 200


def test_writes_on_a_detail_are_refused(agent_client, personas):
    url = reverse("api:organization-detail", kwargs={"pk": personas.montreuil.pk})
    for method in (agent_client.put, agent_client.patch, agent_client.delete):
        assert method(url, {}, content_type="application/json").status_code == 405
    assert Organization.objects.filter(pk=personas.montreuil.pk).exists()


def test_the_openapi_document_lists_every_endpoint_and_its_parameters(client):
    response = client.get(reverse("api:openapi"))
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/v1/communes/",
        "/api/v1/communes/{code}/",
        "/api/v1/territories/",
        "/api/v1/territories/{siren}/",
        "/api/v1/organizations/",
        "/api/v1/organizations/{id}/",
        "/api/v1/people/",
        "/api/v1/people/{id}/",
    ):
        assert set(paths[path]) == {"get"}, path
    names = {p["name"] for p in paths["/api/v1/communes/"]["get"]["parameters"]}
    assert {"q", "scope", "territory", "department", "ordering", "page", "page_size"} <= names
    names = {p["name"] for p in paths["/api/v1/organizations/"]["get"]["parameters"]}
    assert {"q", "kind", "territory", "commune"} <= names
    names = {p["name"] for p in paths["/api/v1/people/"]["get"]["parameters"]}
    assert {"q", "organization", "role"} <= names


def test_the_openapi_document_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


# --- Query counts --------------------------------------------------------------------------------


def count_queries(client: Client, url: str, expected_rows: int, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    assert len(response.json()["results"]) == expected_rows
    return len(queries)


@pytest.mark.parametrize(
    ("name", "params", "few", "many"),
    [
        ("commune", {}, 5, 60),
        ("commune", {"scope": "france", "department": "69"}, 5, 60),
        ("territory", {}, 5, 12),  # the MGP has 12 territories
        ("organization", {"kind": "commune"}, 5, 60),
    ],
)
def test_referential_lists_run_a_constant_number_of_queries(client, name, params, few, many):
    url = reverse(f"api:{name}-list")
    assert count_queries(client, url, few, page_size=few, **params) == count_queries(
        client, url, many, page_size=many, **params
    )


@pytest.fixture
def crowd(personas):
    """65 people, each with a public office, a private job elsewhere and a former position."""
    associations = OrganizationFactory.create_batch(3)
    for index in range(65):
        town = personas.montreuil if index % 2 else personas.vincennes
        position = PositionFactory(organization=town, role=PositionRole.COUNCILLOR)
        PositionFactory(person=position.person, organization=associations[index % 3])
        PositionFactory(
            person=position.person,
            organization=associations[(index + 1) % 3],
            start_date=dt.date(2010, 1, 1),
            end_date=dt.date(2012, 1, 1),
        )


@pytest.mark.parametrize("role", ["anonymous", "agent", "correspondent"])
def test_people_list_runs_a_constant_number_of_queries(personas, crowd, role):
    client = login(personas.for_role(role))
    url = reverse("api:person-list")
    assert count_queries(client, url, 5, page_size=5) == count_queries(client, url, 60, page_size=60)
    assert count_queries(client, url, 5, page_size=5, role="councillor") == count_queries(
        client, url, 60, page_size=60, role="councillor"
    )
