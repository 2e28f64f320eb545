"""The read API over bodies, sessions (with their agenda) and published achievements.

Visibility is the pages' one (meetings selectors): staff see every body; correspondents the bodies
where their organisation sits, and public ones; anonymous visitors public bodies only. Minutes and
decisions are never given for a public body to those who are not members.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from maillage.diffusion.models import Achievement
from maillage.meetings import selectors, services
from maillage.meetings.models import AgendaItem, Body, Decision, MeetingSession, SessionStatus
from maillage.people.models import PositionRole
from maillage.themes.models import Theme
from tests.access_targets_insights import make_agreement, make_cooperation, make_topic
from tests.conftest import login
from tests.factories import PositionFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "admin", "agent", "correspondent", "other"]


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _session(
    body: Body, *, days: int, title: str = "", status: str = SessionStatus.PLANNED
) -> MeetingSession:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
    session = services.session_create(
        body=body,
        data={
            "title": title,
            "starts_at": start,
            "ends_at": start + dt.timedelta(hours=2),
            "address": "Mairie",
        },
    )
    if status != SessionStatus.PLANNED:
        MeetingSession.objects.filter(pk=session.pk).update(status=status)
    return session


@pytest.fixture
def meetings(personas):
    """A body where Montreuil sits (by its DGS, through the rule), one where Vincennes sits (by hand),
    and a public body where nobody of them sits."""
    PositionFactory(organization=personas.montreuil, role=PositionRole.DGS)
    dgs = services.body_create(
        data={
            "name": "Réunion fictive des DGS",
            "rule_role": PositionRole.DGS,
            "rule_kinds": ["commune"],
            "quorum_kind": "percent",
            "quorum_value": 50,
        }
    )
    vincennes_only = services.body_create(data={"name": "Comité fictif de Vincennes"})
    services.body_member_add(
        body=vincennes_only,
        person=PositionFactory(organization=personas.vincennes, role=PositionRole.DGA).person,
        organization=personas.vincennes,
    )
    public = services.body_create(data={"name": "Conférence fictive des maires", "is_public": True})
    topic = make_topic("Végétaliser les cours", personas.montreuil, [personas.montreuil])
    past = _session(dgs, days=-30, title="Séance de rentrée", status=SessionStatus.HELD)
    services.minutes_save(session=past, minutes="Compte rendu confidentiel.")
    services.decision_add(session=past, text="Décision interne.")
    upcoming = _session(dgs, days=20, title="Séance d'automne")
    services.agenda_item_add(session=upcoming, data={"title": "Point d'étape", "order": 2})
    services.agenda_item_add(session=upcoming, data={"title": "Cours d'école", "order": 1, "topic": topic})
    vincennes_session = _session(vincennes_only, days=10)
    public_past = _session(public, days=-10, title="Conférence de printemps", status=SessionStatus.HELD)
    services.minutes_save(session=public_past, minutes="Compte rendu de la conférence.")
    services.decision_add(session=public_past, text="Décision de la conférence.")
    public_next = _session(public, days=40, title="Conférence d'automne")
    services.agenda_item_add(session=public_next, data={"title": "Budget", "order": 1})
    return {
        "dgs": dgs,
        "vincennes": vincennes_only,
        "public": public,
        "topic": topic,
        "past": past,
        "upcoming": upcoming,
        "vincennes_session": vincennes_session,
        "public_past": public_past,
        "public_next": public_next,
    }


# --- Bodies ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_bodies_are_those_the_selector_lets_each_role_see(personas, meetings, role):
    user = personas.for_role(role)
    client = login(user)
    expected = set(selectors.body_visible_to(user or AnonymousUser()).values_list("pk", flat=True))
    assert ids(client.get(reverse("api:body-list"))) == expected
    for body in Body.objects.all():
        response = client.get(reverse("api:body-detail", args=[body.pk]))
        assert response.status_code == (200 if body.pk in expected else 404)


def test_the_body_rule_in_plain_words(client, personas, meetings):
    public, dgs, vincennes = meetings["public"].pk, meetings["dgs"].pk, meetings["vincennes"].pk
    assert ids(client.get(reverse("api:body-list"))) == {public}
    assert ids(login(personas.camille).get(reverse("api:body-list"))) == {public, dgs}
    assert ids(login(personas.bruno).get(reverse("api:body-list"))) == {public, vincennes}
    assert ids(login(personas.arthur).get(reverse("api:body-list"))) == {public, dgs, vincennes}
    body = login(personas.camille).get(reverse("api:body-detail", args=[dgs])).json()
    assert body["rule_role"] == "dgs" and body["rule_kinds"] == ["commune"]
    assert (body["quorum_kind"], body["quorum_value"], body["session_count"]) == ("percent", 50, 2)
    assert body["rule_role_label"] and body["quorum_kind_label"]


# --- Sessions --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_sessions_are_those_the_selector_lets_each_role_see(personas, meetings, role):
    user = personas.for_role(role)
    client = login(user)
    expected = set(selectors.session_visible_to(user or AnonymousUser()).values_list("pk", flat=True))
    assert ids(client.get(reverse("api:session-list"), {"page_size": 200})) == expected
    for session in MeetingSession.objects.all():
        response = client.get(reverse("api:session-detail", args=[session.pk]))
        assert response.status_code == (200 if session.pk in expected else 404)
        if response.status_code == 404:
            assert response.json()["detail"]


def test_a_session_shows_its_agenda_in_order(personas, meetings):
    upcoming = meetings["upcoming"]
    body = login(personas.camille).get(reverse("api:session-detail", args=[upcoming.pk])).json()
    assert body["body"] == {"id": meetings["dgs"].pk, "name": "Réunion fictive des DGS", "is_public": False}
    assert body["title"] == "Séance d'automne" and body["status"] == "planned" and body["status_label"]
    assert body["address"] == "Mairie"
    assert body["agenda_items"] == [
        {"order": 1, "title": "Cours d'école", "description": "", "topic": meetings["topic"].pk},
        {"order": 2, "title": "Point d'étape", "description": "", "topic": None},
    ]
    assert dt.datetime.fromisoformat(body["starts_at"]) == upcoming.starts_at


def test_minutes_and_decisions_only_for_staff_and_members(client, personas, meetings):
    past, public_past = meetings["past"], meetings["public_past"]
    # A member's correspondent and staff see them.
    for user in (personas.camille, personas.arthur):
        body = login(user).get(reverse("api:session-detail", args=[past.pk])).json()
        assert body["internals_visible"] is True
        assert body["minutes"] == "Compte rendu confidentiel."
        assert body["decisions"] == [{"text": "Décision interne."}]
    # A public body's session: sessions and agenda for everyone, never minutes nor decisions.
    for visitor in (client, login(personas.camille), login(personas.bruno)):
        body = visitor.get(reverse("api:session-detail", args=[public_past.pk])).json()
        assert body["internals_visible"] is False
        assert "minutes" not in body and "decisions" not in body
        rows = visitor.get(reverse("api:session-list"), {"body": meetings["public"].pk}).json()["results"]
        assert rows and all("minutes" not in row and "decisions" not in row for row in rows)
    staff = login(personas.arthur).get(reverse("api:session-detail", args=[public_past.pk])).json()
    assert staff["minutes"] == "Compte rendu de la conférence."


def test_session_filters(personas, meetings):
    agent = login(personas.arthur)
    url = reverse("api:session-list")
    assert ids(agent.get(url, {"body": meetings["dgs"].pk})) == {meetings["past"].pk, meetings["upcoming"].pk}
    assert ids(agent.get(url, {"status": "held"})) == {meetings["past"].pk, meetings["public_past"].pk}
    today = timezone.localdate()
    assert ids(agent.get(url, {"date_from": today.isoformat()})) == {
        meetings["upcoming"].pk,
        meetings["vincennes_session"].pk,
        meetings["public_next"].pk,
    }
    assert ids(agent.get(url, {"date_to": today.isoformat()})) == {
        meetings["past"].pk,
        meetings["public_past"].pk,
    }
    window = {
        "date_from": (today + dt.timedelta(days=15)).isoformat(),
        "date_to": (today + dt.timedelta(days=25)).isoformat(),
    }
    assert ids(agent.get(url, window)) == {meetings["upcoming"].pk}
    # Filters never widen what the user may see.
    assert ids(Client().get(url, {"body": meetings["dgs"].pk})) == set()
    for name, value in (
        ("body", "abc"),
        ("status", "lost"),
        ("date_from", "2026-13-01"),
        ("date_to", "demain"),
    ):
        response = agent.get(url, {name: value})
        assert response.status_code == 400, name
        assert name in response.json()


def test_sessions_newest_first(personas, meetings):
    rows = login(personas.arthur).get(reverse("api:session-list")).json()["results"]
    starts = [row["starts_at"] for row in rows]
    assert starts == sorted(starts, reverse=True)


# --- Achievements ----------------------------------------------------------------------------------


@pytest.fixture
def achievements(personas):
    nature = Theme.objects.get(slug="nature-en-ville")
    public_agreement = make_agreement(owner=personas.arthur, parties=[])
    private_agreement = make_agreement(owner=personas.arthur, public=False, parties=[])
    cooperation = make_cooperation("Plan fraîcheur fictif", [personas.montreuil])
    published = Achievement.objects.create(
        title="Cours végétalisées",
        summary="Dix cours.",
        date=dt.date(2025, 6, 1),
        is_published=True,
        agreement=public_agreement,
        cooperation=cooperation,
    )
    published.themes.set([nature])
    published.communes.set(["93048"])
    published.organizations.set([personas.montreuil])
    hidden_link = Achievement.objects.create(
        title="Achat groupé",
        summary="Énergie.",
        date=dt.date(2024, 3, 1),
        is_published=True,
        agreement=private_agreement,
    )
    draft = Achievement.objects.create(title="Brouillon", summary="Pas encore.", date=dt.date(2025, 7, 1))
    return {"published": published, "hidden_link": hidden_link, "draft": draft, "agreement": public_agreement}


@pytest.mark.parametrize("role", ROLES)
def test_only_published_achievements_for_every_role(personas, achievements, role):
    client = login(personas.for_role(role))
    assert ids(client.get(reverse("api:achievement-list"))) == {
        achievements["published"].pk,
        achievements["hidden_link"].pk,
    }
    assert client.get(reverse("api:achievement-detail", args=[achievements["draft"].pk])).status_code == 404


def test_an_achievement_with_its_links(client, personas, achievements):
    body = client.get(reverse("api:achievement-detail", args=[achievements["published"].pk])).json()
    assert body["themes"] == ["nature-en-ville"]
    assert body["communes"] == ["93048"]
    assert body["organizations"] == [{"id": personas.montreuil.pk, "name": "Ville de Montreuil"}]
    assert body["agreement"] == achievements["agreement"].pk
    assert body["cooperation"] == achievements["published"].cooperation_id
    # A convention that is not public is never disclosed by the link.
    other = client.get(reverse("api:achievement-detail", args=[achievements["hidden_link"].pk])).json()
    assert other["agreement"] is None


def test_achievement_filters(client, achievements):
    url = reverse("api:achievement-list")
    published, hidden_link = achievements["published"].pk, achievements["hidden_link"].pk
    assert ids(client.get(url, {"theme": "nature-en-ville"})) == {published}
    assert ids(client.get(url, {"date_from": "2025-01-01"})) == {published}
    assert ids(client.get(url, {"date_to": "2024-12-31"})) == {hidden_link}
    assert client.get(url, {"theme": "inconnu"}).status_code == 400
    assert client.get(url, {"date_from": "hier"}).status_code == 400


# --- Read only, OpenAPI, pagination, query counts ---------------------------------------------------


@pytest.mark.parametrize("name", ["body", "session", "achievement"])
def test_the_new_endpoints_are_read_only(agent_client, name):
    url = reverse(f"api:{name}-list")
    assert agent_client.post(url, {}, content_type="application/json").status_code == 405
    assert agent_client.head(url).status_code == 200


def test_the_openapi_document_lists_the_new_endpoints(client):
    paths = client.get(reverse("api:openapi")).json()["paths"]
    for path in ("/api/v1/bodies/", "/api/v1/sessions/", "/api/v1/achievements/"):
        assert set(paths[path]) == {"get"}
        assert set(paths[path + "{id}/"]) == {"get"}
    names = {p["name"] for p in paths["/api/v1/sessions/"]["get"]["parameters"]}
    assert {"body", "status", "date_from", "date_to", "page", "page_size"} <= names
    names = {p["name"] for p in paths["/api/v1/achievements/"]["get"]["parameters"]}
    assert {"theme", "date_from", "date_to"} <= names


@pytest.fixture
def volume(personas):
    """410 bodies (half public, the other half with a rule where Montreuil sits), a session each with
    agenda items and a decision, and 205 published achievements."""
    PositionFactory(organization=personas.montreuil, role=PositionRole.DGS)
    bodies = Body.objects.bulk_create(
        Body(
            name=f"Instance {i:03d}",
            is_public=i % 2 == 0,
            rule_role=PositionRole.DGS if i % 2 else "",
            rule_kinds=["commune"] if i % 2 else [],
        )
        for i in range(410)
    )
    start = timezone.now()
    sessions = MeetingSession.objects.bulk_create(
        MeetingSession(
            body=body,
            starts_at=start + dt.timedelta(days=i),
            ends_at=start + dt.timedelta(days=i, hours=2),
            address="Mairie",
        )
        for i, body in enumerate(bodies)
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(session=session, order=order, title=f"Point {order}")
        for session in sessions
        for order in (1, 2)
    )
    Decision.objects.bulk_create(Decision(session=session, text="Décidé.") for session in sessions)
    themes = list(Theme.objects.all()[:2])
    achievements = Achievement.objects.bulk_create(
        Achievement(title=f"Réalisation {i}", summary="Volume", date=dt.date(2025, 1, 1), is_published=True)
        for i in range(205)
    )
    Achievement.themes.through.objects.bulk_create(
        Achievement.themes.through(achievement=a, theme=t) for a in achievements for t in themes
    )
    Achievement.organizations.through.objects.bulk_create(
        Achievement.organizations.through(achievement=a, organization=personas.montreuil)
        for a in achievements
    )


def count_queries(client: Client, url: str, rows: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": rows})
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows
    return len(queries)


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("body", "anonymous"),
        ("body", "correspondent"),
        ("body", "agent"),
        ("session", "anonymous"),
        ("session", "correspondent"),
        ("session", "agent"),
        ("achievement", "anonymous"),
        ("achievement", "agent"),
    ],
)
def test_lists_run_a_constant_number_of_queries(personas, volume, name, role):
    client = login(personas.for_role(role))
    url = reverse(f"api:{name}-list")
    assert count_queries(client, url, 5) == count_queries(client, url, 200)


def test_pages_hold_at_most_200(agent_client, volume):
    response = agent_client.get(reverse("api:session-list"), {"page_size": 1000})
    assert len(response.json()["results"]) == 200
    assert response.json()["next"]
