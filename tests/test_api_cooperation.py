"""The read API over common topics, cooperations and agreements: roles, filters, query counts, OpenAPI."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from maillage.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    Commitment,
    PartyRole,
)
from maillage.agreements.selectors import agreement_visible_to
from maillage.cooperation.models import (
    CommonTopic,
    Cooperation,
    CooperationParticipant,
    CooperationStatus,
    Milestone,
    ParticipantRole,
    TopicInterest,
    TopicStatus,
)
from maillage.themes.models import Theme
from tests.access_targets_insights import make_agreement, make_cooperation, make_topic
from tests.conftest import MONTREUIL, VINCENNES, login
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "admin", "agent", "correspondent", "other"]


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def register(personas):
    nature = Theme.objects.get(slug="nature-en-ville")
    club = OrganizationFactory(name="Club fictif de Vincennes", commune_id=VINCENNES)
    agent = personas.arthur
    public_montreuil = make_agreement(
        owner=agent,
        kind="financiere",
        parties=[(personas.montreuil, PartyRole.BENEFICIARY), (club, PartyRole.FUNDER)],
        commitments={0: [(2025, 1000), (2026, 2500)]},
        themes=[nature],
    )
    private_montreuil = make_agreement(
        owner=agent, public=False, parties=[(personas.montreuil, PartyRole.SIGNATORY)]
    )
    private_vincennes = make_agreement(
        owner=agent, public=False, parties=[(personas.vincennes, PartyRole.SIGNATORY)]
    )
    public_draft = make_agreement(
        owner=agent, status=AgreementStatus.DRAFT, parties=[(personas.vincennes, PartyRole.SIGNATORY)]
    )
    public_expired = make_agreement(
        owner=agent, status=AgreementStatus.EXPIRED, parties=[(club, PartyRole.SIGNATORY)]
    )
    return {
        "nature": nature,
        "club": club,
        "public_montreuil": public_montreuil,
        "private_montreuil": private_montreuil,
        "private_vincennes": private_vincennes,
        "public_draft": public_draft,
        "public_expired": public_expired,
    }


# --- Agreements ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_agreements_are_those_the_selector_lets_each_role_see(personas, register, role):
    user = personas.for_role(role)
    client = login(user)
    expected = set(agreement_visible_to(user or AnonymousUser()).values_list("pk", flat=True))
    assert ids(client.get(reverse("api:agreement-list"), {"page_size": 200})) == expected
    for agreement in Agreement.objects.all():
        response = client.get(reverse("api:agreement-detail", args=[agreement.pk]))
        assert response.status_code == (200 if agreement.pk in expected else 404)
        if response.status_code == 404:
            assert response.json()["detail"]


def test_the_visibility_rule_in_plain_words(client, personas, register):
    public = {register["public_montreuil"].pk, register["public_expired"].pk}
    assert ids(client.get(reverse("api:agreement-list"))) == public
    camille = ids(login(personas.camille).get(reverse("api:agreement-list")))
    assert camille == public | {register["private_montreuil"].pk}
    assert len(ids(login(personas.arthur).get(reverse("api:agreement-list")))) == 5


def test_an_agreement_shows_parties_roles_amounts_status_and_dates(client, personas, register):
    agreement = register["public_montreuil"]
    body = client.get(reverse("api:agreement-detail", args=[agreement.pk])).json()
    assert body["reference"] == agreement.reference
    assert body["kind"] == {"slug": "financiere", "name": agreement.kind.name, "is_financial": True}
    assert (body["status"], body["is_public"]) == ("in_force", True)
    assert body["status_label"]
    assert body["signed_on"] == agreement.signed_on.isoformat()
    assert body["expires_on"] == agreement.expires_on.isoformat()
    assert body["total_amount"] == "3500.00"
    assert body["themes"] == ["nature-en-ville"]
    parties = {party["organization"]["name"]: party for party in body["parties"]}
    montreuil = parties["Ville de Montreuil"]
    assert montreuil["role"] == "beneficiary" and montreuil["role_label"]
    assert montreuil["organization"] == {
        "id": personas.montreuil.pk,
        "name": "Ville de Montreuil",
        "kind": "commune",
        "commune": MONTREUIL,
    }
    assert montreuil["commitments"] == [
        {"year": 2025, "amount": "1000.00"},
        {"year": 2026, "amount": "2500.00"},
    ]
    assert montreuil["committed_amount"] == "3500.00"
    assert parties["Club fictif de Vincennes"]["committed_amount"] == "0.00"


def test_agreement_filters(personas, register):
    agent = login(personas.arthur)
    url = reverse("api:agreement-list")
    assert ids(agent.get(url, {"status": "draft"})) == {register["public_draft"].pk}
    assert ids(agent.get(url, {"kind": "financiere"})) == {register["public_montreuil"].pk}
    assert ids(agent.get(url, {"theme": "nature-en-ville"})) == {register["public_montreuil"].pk}
    assert ids(agent.get(url, {"party": personas.montreuil.pk})) == {
        register["public_montreuil"].pk,
        register["private_montreuil"].pk,
    }
    # A commune counts its own organisation and those located in it.
    assert ids(agent.get(url, {"commune": VINCENNES})) == {
        register["public_montreuil"].pk,
        register["private_vincennes"].pk,
        register["public_draft"].pk,
        register["public_expired"].pk,
    }
    # Filters never widen what the user may see.
    assert ids(Client().get(url, {"party": personas.vincennes.pk})) == set()
    for name, value in (
        ("status", "lost"),
        ("kind", "unknown"),
        ("theme", "x"),
        ("party", "abc"),
        ("commune", "1"),
    ):
        response = agent.get(url, {name: value})
        assert response.status_code == 400, name
        assert name in response.json()


# --- Cooperations --------------------------------------------------------------------------------


@pytest.fixture
def cooperations(personas, register):
    first = make_cooperation(
        "Plan fraîcheur fictif", [personas.montreuil, register["club"]], [register["nature"]]
    )
    Milestone.objects.create(cooperation=first, title="Lancement", due_date=dt.date(2026, 1, 10))
    second = make_cooperation("Achat d'énergie fictif", [personas.vincennes])
    Cooperation.objects.filter(pk=second.pk).update(status=CooperationStatus.COMPLETED)
    return first, second


def test_cooperations_are_public_with_participants_and_milestones(client, personas, cooperations):
    first, second = cooperations
    response = client.get(reverse("api:cooperation-list"))
    assert ids(response) == {first.pk, second.pk}
    body = client.get(reverse("api:cooperation-detail", args=[first.pk])).json()
    assert body["themes"] == ["nature-en-ville"]
    assert {(p["organization"]["name"], p["role"]) for p in body["participants"]} == {
        ("Ville de Montreuil", "pilot"),
        ("Club fictif de Vincennes", "partner"),
    }
    assert body["milestones"] == [{"title": "Lancement", "due_date": "2026-01-10", "done_on": None}]
    assert client.get(reverse("api:cooperation-detail", args=[999999])).status_code == 404


def test_cooperation_filters(client, personas, cooperations):
    first, second = cooperations
    url = reverse("api:cooperation-list")
    assert ids(client.get(url, {"status": "completed"})) == {second.pk}
    assert ids(client.get(url, {"theme": "nature-en-ville"})) == {first.pk}
    assert ids(client.get(url, {"party": personas.vincennes.pk})) == {second.pk}
    assert ids(client.get(url, {"commune": VINCENNES})) == {first.pk, second.pk}
    assert ids(client.get(url, {"commune": MONTREUIL})) == {first.pk}
    assert client.get(url, {"status": "paused"}).status_code == 400


# --- Topics --------------------------------------------------------------------------------------


@pytest.fixture
def topics(personas):
    first = make_topic("Végétaliser les cours", personas.montreuil, [personas.montreuil, personas.vincennes])
    first.themes.set([Theme.objects.get(slug="nature-en-ville")])
    second = make_topic("Acheter l'énergie", personas.vincennes, [personas.vincennes])
    CommonTopic.objects.filter(pk=second.pk).update(status=TopicStatus.STUDYING)
    return first, second


def test_topics_are_for_signed_in_users_only(client, topics):
    for url in (reverse("api:topic-list"), reverse("api:topic-detail", args=[topics[0].pk])):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json()["detail"]


@pytest.mark.parametrize("role", ["admin", "agent", "correspondent"])
def test_signed_in_users_see_topics_and_interests(personas, topics, role):
    client = login(personas.for_role(role))
    first, second = topics
    response = client.get(reverse("api:topic-list"))
    assert [row["id"] for row in response.json()["results"]] == [first.pk, second.pk]  # most supported first
    body = client.get(reverse("api:topic-detail", args=[first.pk])).json()
    assert body["support_count"] == 2
    assert body["proposer"] == {"id": personas.montreuil.pk, "name": "Ville de Montreuil"}
    assert {i["organization"]["name"] for i in body["interests"]} == {
        "Ville de Montreuil",
        "Ville de Vincennes",
    }
    assert body["themes"] == ["nature-en-ville"]


def test_topic_filters(personas, topics):
    agent = login(personas.arthur)
    url = reverse("api:topic-list")
    assert ids(agent.get(url, {"status": "studying"})) == {topics[1].pk}
    assert ids(agent.get(url, {"theme": "nature-en-ville"})) == {topics[0].pk}
    assert agent.get(url, {"status": "won"}).status_code == 400


# --- Read only, OpenAPI, query counts --------------------------------------------------------------


@pytest.mark.parametrize("name", ["topic", "cooperation", "agreement"])
def test_the_new_endpoints_are_read_only(agent_client, name):
    url = reverse(f"api:{name}-list")
    assert agent_client.post(url, {}, content_type="application/json").status_code == 405
    assert agent_client.head(url).status_code == 200


def test_the_openapi_document_lists_the_new_endpoints(client):
    paths = client.get(reverse("api:openapi")).json()["paths"]
    for path in ("/api/v1/topics/", "/api/v1/cooperations/", "/api/v1/agreements/"):
        assert set(paths[path]) == {"get"}
        assert set(paths[path + "{id}/"]) == {"get"}
    names = {p["name"] for p in paths["/api/v1/agreements/"]["get"]["parameters"]}
    assert {"status", "kind", "theme", "party", "commune", "page", "page_size"} <= names
    names = {p["name"] for p in paths["/api/v1/cooperations/"]["get"]["parameters"]}
    assert {"status", "theme", "party", "commune"} <= names
    assert "403" in paths["/api/v1/topics/"]["get"]["responses"]


def count_queries(client: Client, url: str, rows: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": rows})
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows
    return len(queries)


@pytest.fixture
def volume(personas):
    """205 public agreements, cooperations and topics, each with parties, amounts, themes, milestones."""
    kind = AgreementKind.objects.get(slug="financiere")
    themes = list(Theme.objects.all()[:2])
    today = dt.date.today()
    agreements = Agreement.objects.bulk_create(
        Agreement(
            reference=f"VOL-{index:04d}",
            title=f"Convention en volume {index}",
            purpose="Volume",
            kind=kind,
            owner=personas.arthur,
            status=AgreementStatus.IN_FORCE,
            is_public=True,
            signed_on=today,
            total_amount=Decimal(100),
        )
        for index in range(205)
    )
    parties = AgreementParty.objects.bulk_create(
        AgreementParty(agreement=agreement, organization=organization, role=PartyRole.BENEFICIARY)
        for agreement in agreements
        for organization in (personas.montreuil, personas.vincennes)
    )
    Commitment.objects.bulk_create(
        Commitment(agreement_id=party.agreement_id, party=party, year=2026, amount=Decimal(50))
        for party in parties
    )
    Agreement.themes.through.objects.bulk_create(
        Agreement.themes.through(agreement=agreement, theme=theme)
        for agreement in agreements
        for theme in themes
    )
    cooperations = Cooperation.objects.bulk_create(Cooperation(title=f"Coopération {i}") for i in range(205))
    CooperationParticipant.objects.bulk_create(
        CooperationParticipant(
            cooperation=cooperation, organization=organization, role=ParticipantRole.PARTNER
        )
        for cooperation in cooperations
        for organization in (personas.montreuil, personas.vincennes)
    )
    Milestone.objects.bulk_create(
        Milestone(cooperation=cooperation, title="Étape", due_date=today) for cooperation in cooperations
    )
    Cooperation.themes.through.objects.bulk_create(
        Cooperation.themes.through(cooperation=c, theme=theme) for c in cooperations for theme in themes
    )
    topics = CommonTopic.objects.bulk_create(
        CommonTopic(title=f"Sujet {i}", description="Volume", proposer=personas.montreuil) for i in range(205)
    )
    TopicInterest.objects.bulk_create(
        TopicInterest(topic=topic, organization=organization)
        for topic in topics
        for organization in (personas.montreuil, personas.vincennes)
    )
    CommonTopic.themes.through.objects.bulk_create(
        CommonTopic.themes.through(commontopic=topic, theme=theme) for topic in topics for theme in themes
    )


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("agreement", "anonymous"),
        ("agreement", "correspondent"),
        ("agreement", "agent"),
        ("cooperation", "anonymous"),
        ("topic", "correspondent"),
        ("topic", "agent"),
    ],
)
def test_lists_run_a_constant_number_of_queries(personas, volume, name, role):
    client = login(personas.for_role(role))
    url = reverse(f"api:{name}-list")
    assert count_queries(client, url, 5) == count_queries(client, url, 200)
