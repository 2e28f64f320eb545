"""Insights: the map of conventions in force per commune and the cooperation network, per role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from maillage.agreements.models import AgreementStatus, PartyRole
from maillage.agreements.views_insights import MAP_CLASSES, cooperation_network, map_class
from maillage.organizations.models import Organization, OrganizationKind
from maillage.territories.selectors import home_communes
from maillage.themes.models import Theme
from tests.access_targets_insights import make_agreement, make_cooperation
from tests.conftest import MONTREUIL, VINCENNES, login
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

MAP_DATA = "agreement_insights:map_data"
NETWORK_DATA = "agreement_insights:network_data"


@pytest.fixture
def scene(personas):
    """Conventions around Montreuil and Vincennes, public and private, in force or not."""
    in_montreuil = OrganizationFactory(name="Régie fictive de Montreuil", commune_id=MONTREUIL)
    in_vincennes = OrganizationFactory(name="Club fictif de Vincennes", commune_id=VINCENNES)
    syndicate = OrganizationFactory(name="Syndicat fictif", kind=OrganizationKind.SYNDICATE)
    nature = Theme.objects.get(slug="nature-en-ville")
    agent = personas.arthur
    public = make_agreement(
        owner=agent,
        parties=[(personas.montreuil, PartyRole.SIGNATORY), (in_montreuil, PartyRole.SIGNATORY)],
    )
    private = make_agreement(
        owner=agent,
        public=False,
        parties=[(personas.vincennes, PartyRole.SIGNATORY), (syndicate, PartyRole.OPERATOR)],
    )
    make_agreement(
        owner=agent,
        status=AgreementStatus.EXPIRED,
        parties=[(personas.montreuil, PartyRole.SIGNATORY), (in_vincennes, PartyRole.SIGNATORY)],
    )
    make_agreement(owner=agent, parties=[(in_vincennes, PartyRole.BENEFICIARY)], kind="financiere")
    make_agreement(
        owner=agent,
        public=False,
        status=AgreementStatus.DRAFT,
        parties=[(personas.montreuil, PartyRole.SIGNATORY), (syndicate, PartyRole.SIGNATORY)],
    )
    cooperation = make_cooperation("Coopération fictive", [personas.montreuil, personas.vincennes], [nature])
    return {
        "in_montreuil": in_montreuil,
        "in_vincennes": in_vincennes,
        "syndicate": syndicate,
        "public": public,
        "private": private,
        "cooperation": cooperation,
        "nature": nature,
    }


def map_counts(client) -> dict[str, int]:
    response = client.get(reverse(MAP_DATA))
    assert response.status_code == 200
    return {f["properties"]["code"]: f["properties"]["count"] for f in response.json()["features"]}


# --- Map -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "montreuil", "vincennes"),
    [
        # Public in force only: Montreuil (its own and a local organisation: counted once), Vincennes (a club).
        ("anonymous", 1, 1),
        ("correspondent", 1, 1),
        # Bruno also sees Vincennes's private convention; staff see everything.
        ("other", 1, 2),
        ("agent", 1, 2),
        ("admin", 1, 2),
    ],
)
def test_the_map_counts_the_conventions_in_force_each_role_may_see(
    personas, scene, role, montreuil, vincennes
):
    counts = map_counts(login(personas.for_role(role)))
    assert counts[MONTREUIL] == montreuil
    assert counts[VINCENNES] == vincennes
    assert sum(counts.values()) == montreuil + vincennes


def test_map_features_carry_the_class_colour_and_a_link(client, scene):
    features = client.get(reverse(MAP_DATA)).json()["features"]
    assert len(features) == home_communes().filter(geometry__isnull=False).count() > 100
    montreuil = next(f for f in features if f["properties"]["code"] == MONTREUIL)
    assert montreuil["geometry"]["type"] in ("Polygon", "MultiPolygon")
    properties = montreuil["properties"]
    assert properties["color"] == map_class(1)[2] != map_class(0)[2]
    assert properties["url"] == reverse("territories:commune_detail", args=[MONTREUIL])
    assert properties["territory"]  # the tooltip text of map.js


def test_map_classes_cover_every_count():
    colours = [map_class(count)[2] for count in (0, 1, 2, 4, 5, 9, 10, 500)]
    assert (
        colours
        == [c for _, _, c in MAP_CLASSES[:1]]
        + [MAP_CLASSES[1][2]]
        + [MAP_CLASSES[2][2]] * 2
        + [MAP_CLASSES[3][2]] * 2
        + [MAP_CLASSES[4][2]] * 2
    )


def test_the_map_page_has_a_legend_and_a_text_table(personas, scene):
    response = login(personas.arthur).get(reverse("agreement_insights:map"))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse(MAP_DATA) in page
    assert "vendor/leaflet/leaflet.js" in page and "maillage/map.js" in page
    table = response.context["rows"]
    assert [(row["code"], row["count"]) for row in table] == [(VINCENNES, 2), (MONTREUIL, 1)]
    assert response.context["without"] == response.context["communes"] - 2
    legend = response.context["legend"]
    assert len(legend) == len(MAP_CLASSES)
    assert sum(item["communes"] for item in legend) == response.context["communes"]
    assert reverse("territories:commune_detail", args=[VINCENNES]) in page


def test_the_map_data_runs_a_constant_number_of_queries(client, personas, scene):
    def count(user) -> int:
        with CaptureQueriesContext(connection) as queries:
            login(user).get(reverse(MAP_DATA))
        return len(queries)

    count(personas.camille)  # fills the cache of outlines
    before = {role: count(personas.for_role(role)) for role in ("anonymous", "correspondent", "agent")}
    communes = list(Organization.objects.filter(kind="commune")[:30])
    for commune in communes:
        make_agreement(owner=personas.arthur, parties=[(commune, PartyRole.SIGNATORY)])
    after = {role: count(personas.for_role(role)) for role in ("anonymous", "correspondent", "agent")}
    assert after == before


# --- Network -------------------------------------------------------------------------------------


def links_by_names(data: dict) -> dict[frozenset, tuple[int, int]]:
    names = {node["id"]: node["name"] for node in data["nodes"]}
    return {
        frozenset((names[link["source"]], names[link["target"]])): (link["agreements"], link["cooperations"])
        for link in data["links"]
    }


def test_the_network_links_organisations_by_shared_conventions_and_cooperations(client, personas, scene):
    data = client.get(reverse(NETWORK_DATA)).json()
    links = links_by_names(data)
    assert links == {
        frozenset(("Ville de Montreuil", "Régie fictive de Montreuil")): (1, 0),
        # The expired convention still says who worked with whom.
        frozenset(("Ville de Montreuil", "Club fictif de Vincennes")): (1, 0),
        frozenset(("Ville de Montreuil", "Ville de Vincennes")): (0, 1),
    }
    montreuil = next(node for node in data["nodes"] if node["name"] == "Ville de Montreuil")
    assert montreuil["degree"] == 3
    assert montreuil["url"] == reverse("organizations:detail", args=[personas.montreuil.pk])
    assert data["nodes"][0]["id"] == personas.montreuil.pk  # the most connected first
    assert data["truncated"] is False


def test_the_network_follows_the_visibility_of_conventions(personas, scene):
    pair = frozenset(("Ville de Vincennes", "Syndicat fictif"))
    assert pair not in links_by_names(login(personas.camille).get(reverse(NETWORK_DATA)).json())
    assert links_by_names(login(personas.bruno).get(reverse(NETWORK_DATA)).json())[pair] == (1, 0)
    agent_links = links_by_names(login(personas.arthur).get(reverse(NETWORK_DATA)).json())
    assert agent_links[pair] == (1, 0)
    # The draft shared by Montreuil and the syndicate: only staff and Montreuil's correspondent.
    draft_pair = frozenset(("Ville de Montreuil", "Syndicat fictif"))
    assert draft_pair in agent_links
    assert draft_pair in links_by_names(login(personas.camille).get(reverse(NETWORK_DATA)).json())
    assert draft_pair not in links_by_names(login(personas.bruno).get(reverse(NETWORK_DATA)).json())


def test_the_network_filters_by_theme(client, scene):
    data = client.get(reverse(NETWORK_DATA), {"theme": scene["nature"].slug}).json()
    assert links_by_names(data) == {frozenset(("Ville de Montreuil", "Ville de Vincennes")): (0, 1)}
    assert data["theme"] == scene["nature"].slug
    response = client.get(reverse(NETWORK_DATA), {"theme": "nothing"})
    assert response.status_code == 400
    assert response.json()["detail"]


def test_the_network_keeps_the_best_connected_organisations(personas, scene):
    data = cooperation_network(personas.arthur, limit=2)
    assert len(data["nodes"]) == 2 and data["truncated"] is True
    assert data["organizations"] == 5  # the lone beneficiary has no partner
    kept = {node["id"] for node in data["nodes"]}
    assert personas.montreuil.pk in kept
    assert all(link["source"] in kept and link["target"] in kept for link in data["links"])


def test_the_network_page_lists_the_links_as_text(personas, scene):
    response = login(personas.arthur).get(reverse("agreement_insights:network"), {"theme": "nature-en-ville"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "maillage/network.js" in page
    assert f"{reverse(NETWORK_DATA)}?theme=nature-en-ville" in page
    assert [(link["source_name"], link["target_name"]) for link in response.context["listed"]] == [
        ("Ville de Montreuil", "Ville de Vincennes")
    ]
    # An unknown theme is reported on the form, and the whole network is shown.
    response = login(personas.arthur).get(reverse("agreement_insights:network"), {"theme": "nothing"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert len(response.context["network"]["links"]) == 5


def test_the_network_runs_a_constant_number_of_queries(personas, scene):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert login(personas.camille).get(reverse(NETWORK_DATA)).status_code == 200
        return len(queries)

    before = count()
    communes = list(Organization.objects.filter(kind="commune")[:40])
    for index in range(0, 40, 4):
        make_agreement(
            owner=personas.arthur,
            parties=[(commune, PartyRole.SIGNATORY) for commune in communes[index : index + 4]],
        )
        make_cooperation(f"Coopération {index}", communes[index : index + 3])
    assert count() == before


# --- Demo register -------------------------------------------------------------------------------


def test_the_demo_register_is_plausible_and_loaded_once(personas):
    from django.db.models import Sum

    from maillage.agreements.models import Agreement, AgreementKind, AmendmentChange, Obligation, Transition
    from maillage.cooperation.models import CommonTopic, Cooperation
    from maillage.demo.agreements_demo import REFERENCE_PREFIX, agreements_demo_load

    counts = agreements_demo_load(seed=7)
    assert counts["agreements"] >= 60
    demo = Agreement.objects.filter(reference__startswith=REFERENCE_PREFIX)
    assert set(demo.values_list("status", flat=True)) == set(AgreementStatus.values)
    assert set(demo.values_list("kind__slug", flat=True)) == set(
        AgreementKind.objects.values_list("slug", flat=True)
    )
    for agreement in demo.annotate(committed=Sum("commitments__amount")):
        assert agreement.total_amount == (agreement.committed or 0), agreement.reference
        last_move = agreement.transitions.filter(amendment__isnull=True).last()
        assert (last_move.to_status if last_move else AgreementStatus.DRAFT) == agreement.status
    assert AmendmentChange.objects.exists() and Transition.objects.filter(amendment__isnull=False).exists()
    assert Obligation.objects.filter(status="todo", due_on__lt=dt.date.today()).exists()
    assert demo.filter(tacit_renewal=True).exists()
    for topic in CommonTopic.objects.all():
        assert topic.support_count == topic.interests.count()
    assert CommonTopic.objects.count() == 15 and Cooperation.objects.count() == 10
    assert agreements_demo_load(seed=7) == {}
    assert demo.count() == counts["agreements"]
