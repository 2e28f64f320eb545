"""Interactions and follow-up actions: services, visibility, pages, exports and query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from maillage.core.concurrency import ConcurrentEditError
from maillage.interactions import services
from maillage.interactions.models import FollowUpAction, Interaction, InteractionKind
from maillage.people.models import Person, PositionRole
from maillage.themes.models import Theme
from tests.conftest import login
from tests.factories import FollowUpActionFactory, InteractionFactory, PositionFactory
from tests.i18n import CONCURRENT_EDIT, fr, fr_escaped

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def client():
    return login(None)


def _data(personas, **overrides):
    data = {
        "kind": InteractionKind.MEETING,
        "date": dt.date(2025, 3, 12),
        "subject": "Comité de pilotage fibre",
        "notes": "Compte rendu à diffuser.",
        "organizations": [personas.montreuil],
        "people": [],
        "themes": [],
    }
    data.update(overrides)
    return data


def _form(personas, **overrides):
    form = {
        "kind": InteractionKind.MEETING,
        "date": "2025-03-12",
        "subject": "Comité de pilotage fibre",
        "notes": "",
        "organizations": [personas.montreuil.pk],
        "actions-TOTAL_FORMS": "3",
        "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "3",
    }
    form.update(overrides)
    return form


# --- services -------------------------------------------------------------------------------------


def test_interaction_create_saves_everything_and_touches_the_people(personas):
    person = PositionFactory(organization=personas.montreuil).person
    theme = Theme.objects.first()
    interaction = services.interaction_create(
        author=personas.arthur,
        data=_data(
            personas, people=[person], themes=[theme], organizations=[personas.montreuil, personas.vincennes]
        ),
        actions=[
            {
                "description": "Envoyer le compte rendu",
                "owner": personas.camille,
                "due_date": dt.date(2025, 3, 20),
            }
        ],
    )
    assert interaction.author == personas.arthur
    assert set(interaction.organizations.all()) == {personas.montreuil, personas.vincennes}
    assert list(interaction.people.all()) == [person] and list(interaction.themes.all()) == [theme]
    action = interaction.actions.get()
    assert (action.owner, action.due_date, action.done_at) == (personas.camille, dt.date(2025, 3, 20), None)
    person.refresh_from_db()
    assert person.last_interaction_at == dt.date(2025, 3, 12)


def test_the_last_interaction_only_moves_forward_and_extends_retention(personas):
    person = PositionFactory(organization=personas.montreuil).person
    services.interaction_create(author=None, data=_data(personas, people=[person], date=TODAY()))
    person.refresh_from_db()
    assert person.last_interaction_at == TODAY()
    assert person.retention_until == Person.retention_from(TODAY())
    services.interaction_create(author=None, data=_data(personas, people=[person], date=dt.date(2020, 1, 1)))
    person.refresh_from_db()
    assert person.last_interaction_at == TODAY()
    assert person.retention_until == Person.retention_from(TODAY())


def test_an_invalid_action_writes_nothing(personas):
    count = Interaction.objects.count()
    with pytest.raises(ValidationError):
        services.interaction_create(
            author=personas.arthur,
            data=_data(personas),
            actions=[{"description": "Sans échéance", "owner": personas.camille, "due_date": None}],
        )
    assert Interaction.objects.count() == count


def test_a_second_concurrent_update_is_refused(personas):
    interaction = InteractionFactory(organizations=[personas.montreuil])
    first = Interaction.objects.get(pk=interaction.pk)
    second = Interaction.objects.get(pk=interaction.pk)
    services.interaction_update(
        interaction=first, data=_data(personas, subject="Premier"), expected_version=first.version
    )
    with pytest.raises(ConcurrentEditError):
        services.interaction_update(
            interaction=second, data=_data(personas, subject="Second"), expected_version=second.version
        )
    interaction.refresh_from_db()
    assert interaction.subject == "Premier"


# --- visibility -----------------------------------------------------------------------------------


@pytest.fixture
def exchanges(personas):
    return {
        "montreuil": InteractionFactory(organizations=[personas.montreuil], subject="Réunion Montreuil"),
        "vincennes": InteractionFactory(organizations=[personas.vincennes], subject="Réunion Vincennes"),
        "both": InteractionFactory(
            organizations=[personas.montreuil, personas.vincennes], subject="Réunion commune"
        ),
    }


def _listed(client, **params):
    response = client.get(reverse("interactions:list"), params)
    assert response.status_code == 200
    return {interaction.pk for interaction in response.context["page"]}


def test_anonymous_visitors_are_sent_to_log_in(client, exchanges):
    for url in (
        reverse("interactions:list"),
        reverse("interactions:detail", args=[exchanges["both"].pk]),
        reverse("interactions:my_actions"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/comptes/" in response["Location"]


def test_a_correspondent_sees_the_interactions_of_their_organisation(personas, exchanges):
    client = login(personas.camille)
    assert _listed(client) == {exchanges["montreuil"].pk, exchanges["both"].pk}
    assert client.get(reverse("interactions:detail", args=[exchanges["both"].pk])).status_code == 200
    assert client.get(reverse("interactions:detail", args=[exchanges["vincennes"].pk])).status_code == 404
    assert client.get(reverse("interactions:update", args=[exchanges["vincennes"].pk])).status_code == 403


def test_staff_see_every_interaction(personas, exchanges):
    assert {i.pk for i in exchanges.values()} <= _listed(login(personas.arthur))


def test_an_action_owner_sees_the_interaction_of_their_action(personas, exchanges):
    FollowUpActionFactory(interaction=exchanges["vincennes"], owner=personas.camille)
    client = login(personas.camille)
    assert client.get(reverse("interactions:detail", args=[exchanges["vincennes"].pk])).status_code == 200


def test_list_filters(personas, exchanges):
    theme = Theme.objects.first()
    exchanges["both"].themes.add(theme)
    person = PositionFactory(organization=personas.montreuil).person
    exchanges["montreuil"].people.add(person)
    old = InteractionFactory(
        organizations=[personas.montreuil], date=dt.date(2020, 5, 1), kind=InteractionKind.CALL
    )
    client = login(personas.arthur)
    assert _listed(client, organization=personas.vincennes.pk) == {
        exchanges["vincennes"].pk,
        exchanges["both"].pk,
    }
    assert _listed(client, theme=theme.slug) == {exchanges["both"].pk}
    assert _listed(client, kind="call", organization=personas.montreuil.pk) == {old.pk}
    assert _listed(
        client, date_from="2020-01-01", date_to="2020-12-31", organization=personas.montreuil.pk
    ) == {old.pk}
    assert _listed(client, q="Vincennes") == {exchanges["vincennes"].pk}
    assert _listed(client, person=person.pk) == {exchanges["montreuil"].pk}


def test_an_inverted_period_gives_a_clear_message(personas):
    response = login(personas.arthur).get(
        reverse("interactions:list"), {"date_from": "2025-05-01", "date_to": "2025-01-01"}
    )
    assert fr_escaped("The end of the period must come after its start.") in response.content.decode()


# --- pages: create, update, actions ---------------------------------------------------------------


def test_a_correspondent_logs_an_interaction_with_actions(personas):
    person = PositionFactory(organization=personas.montreuil).person
    client = login(personas.camille)
    response = client.get(reverse("interactions:create"))
    assert response.status_code == 200
    response = client.post(
        reverse("interactions:create"),
        _form(
            personas,
            people=[person.pk],
            **{
                "actions-0-description": "Envoyer le compte rendu",
                "actions-0-owner": personas.camille.pk,
                "actions-0-due_date": "2025-03-20",
            },
        ),
    )
    assert response.status_code == 302
    interaction = Interaction.objects.get(subject="Comité de pilotage fibre")
    assert interaction.author == personas.camille
    assert [a.description for a in interaction.actions.all()] == ["Envoyer le compte rendu"]
    person.refresh_from_db()
    assert person.last_interaction_at == dt.date(2025, 3, 12)


def test_a_correspondent_must_include_their_organisation(personas):
    response = login(personas.camille).post(
        reverse("interactions:create"), _form(personas, organizations=[personas.vincennes.pk])
    )
    assert response.status_code == 200
    assert (
        fr_escaped("Include your own organisation among the organisations involved.")
        in response.content.decode()
    )
    assert not Interaction.objects.filter(subject="Comité de pilotage fibre").exists()


def test_an_incomplete_action_row_is_refused_and_nothing_is_written(personas):
    response = login(personas.arthur).post(
        reverse("interactions:create"), _form(personas, **{"actions-0-description": "Relancer"})
    )
    assert response.status_code == 200
    assert response.context["formset"].errors[0]["owner"]
    assert not Interaction.objects.filter(subject="Comité de pilotage fibre").exists()


def test_update_with_optimistic_locking(personas):
    interaction = InteractionFactory(organizations=[personas.montreuil], author=personas.arthur)
    client = login(personas.camille)
    url = reverse("interactions:update", args=[interaction.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, _form(personas, subject="Premier", version=1)).status_code == 302
    response = client.post(url, _form(personas, subject="Second", version=1))
    assert response.status_code == 200
    assert fr_escaped(CONCURRENT_EDIT) in response.content.decode()
    response = client.post(url, _form(personas, subject="Falsifié", version=42))
    assert response.status_code == 200
    interaction.refresh_from_db()
    assert (interaction.subject, interaction.version) == ("Premier", 2)


def test_the_author_may_edit_even_without_the_organisation(personas):
    interaction = InteractionFactory(organizations=[personas.montreuil], author=personas.bruno)
    client = login(personas.bruno)
    url = reverse("interactions:update", args=[interaction.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, _form(personas, subject="Par l'auteur", version=1)).status_code == 302
    camille = login(personas.camille)
    assert camille.get(url).status_code == 200
    response = camille.post(url, _form(personas, organizations=[personas.vincennes.pk], version=2))
    assert (
        fr_escaped("Include your own organisation among the organisations involved.")
        in response.content.decode()
    )
    interaction.refresh_from_db()
    assert list(interaction.organizations.all()) == [personas.montreuil]


def test_action_complete_by_owner_or_staff_only(personas):
    action = FollowUpActionFactory(
        interaction=InteractionFactory(organizations=[personas.montreuil]), owner=personas.camille
    )
    url = reverse("interactions:action_complete", args=[action.pk])
    assert login(personas.camille).get(url).status_code == 405
    assert login(personas.bruno).post(url).status_code == 403
    response = login(personas.camille).post(url, {"next": reverse("interactions:my_actions")})
    assert response.status_code == 302 and response["Location"] == reverse("interactions:my_actions")
    action.refresh_from_db()
    assert action.done_at is not None
    other = FollowUpActionFactory(interaction=action.interaction, owner=personas.camille)
    response = login(personas.arthur).post(
        reverse("interactions:action_complete", args=[other.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("interactions:detail", args=[action.interaction_id])
    assert FollowUpAction.objects.get(pk=other.pk).done


def test_my_actions_lists_open_actions_by_due_date_marking_overdue_ones(personas):
    interaction = InteractionFactory(organizations=[personas.montreuil], subject="Suivi fibre")
    late = FollowUpActionFactory(
        interaction=interaction,
        owner=personas.camille,
        due_date=TODAY() - dt.timedelta(days=2),
        description="Relancer la mairie",
    )
    soon = FollowUpActionFactory(
        interaction=interaction,
        owner=personas.camille,
        due_date=TODAY() + dt.timedelta(days=2),
        description="Bientôt",
    )
    FollowUpActionFactory(interaction=interaction, owner=personas.arthur, description="Pas à moi")
    done = FollowUpActionFactory(
        interaction=interaction, owner=personas.camille, done_at=timezone.now(), description="Déjà faite"
    )
    response = login(personas.camille).get(reverse("interactions:my_actions"))
    assert [a.pk for a in response.context["page"]] == [late.pk, soon.pk]
    assert [a.pk for a in response.context["done"]] == [done.pk]
    content = response.content.decode()
    assert content.count('class="overdue"') == 1
    assert fr("Overdue") in content
    assert reverse("interactions:action_complete", args=[late.pk]) in content
    assert reverse("interactions:detail", args=[interaction.pk]) in content
    assert "Pas à moi" not in content


# --- exports and query counts ---------------------------------------------------------------------


def test_csv_and_xlsx_exports_follow_visibility(personas, exchanges):
    client = login(personas.camille)
    response = client.get(reverse("interactions:list"), {"format": "csv"})
    rows = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    headers = ["Date", "Kind", "Subject", "Organisations", "People", "Themes", "Author", "Notes"]
    assert rows[0] == [fr(header) for header in headers]
    assert {row[2] for row in rows[1:]} == {"Réunion Montreuil", "Réunion commune"}
    response = client.get(reverse("interactions:list"), {"format": "xlsx", "q": "commune"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == fr("Date")
    assert [row[2] for row in rows[1:]] == ["Réunion commune"]


def _interactions(personas, count):
    theme = Theme.objects.first()
    people = [
        PositionFactory(organization=personas.montreuil, role=PositionRole.DGS).person for _ in range(2)
    ]
    for _ in range(count):
        interaction = InteractionFactory(
            organizations=[personas.montreuil, personas.vincennes], people=people, author=personas.arthur
        )
        interaction.themes.add(theme)
        FollowUpActionFactory(interaction=interaction, owner=personas.camille)


def _count_queries(client, url, params=None):
    client.get(url, params)  # warm the per-process caches
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("who", ["agent", "correspondent"])
def test_interaction_list_query_count_does_not_grow_with_rows(personas, who):
    client = login(personas.arthur if who == "agent" else personas.camille)
    url = reverse("interactions:list")
    filtered = {"organization": personas.montreuil.pk, "theme": Theme.objects.first().slug}
    _interactions(personas, 5)
    small, small_filtered = _count_queries(client, url), _count_queries(client, url, filtered)
    _interactions(personas, 195)
    large, large_filtered = _count_queries(client, url), _count_queries(client, url, filtered)
    assert small == large
    assert small_filtered == large_filtered


def test_my_actions_query_count_does_not_grow_with_rows(personas):
    client = login(personas.camille)
    url = reverse("interactions:my_actions")
    _interactions(personas, 5)
    FollowUpAction.objects.filter(pk__in=FollowUpAction.objects.values("pk")[:2]).update(
        done_at=timezone.now()
    )
    small = _count_queries(client, url)
    _interactions(personas, 195)
    FollowUpAction.objects.filter(done_at__isnull=True).filter(
        pk__in=FollowUpAction.objects.filter(done_at__isnull=True).values("pk")[:20]
    ).update(done_at=timezone.now())
    large = _count_queries(client, url)
    assert small == large


def test_the_form_renders_a_bounded_set_of_choices(personas):
    """With many organisations and people, the form does not send them all: search adds more."""
    from tests.factories import OrganizationFactory, PositionFactory

    for _ in range(20):
        PositionFactory(organization=OrganizationFactory())
    client = login(personas.arthur)
    page = client.get("/echanges/nouveau/").content.decode()
    assert "Association fictive" not in page  # associations are found through the search box
    assert "Ville de Montreuil" in page
    found = client.get("/recherche/suggestions/?kind=organizations&q=association+fictive").json()
    assert len(found["results"]) == 20
    people = client.get("/recherche/suggestions/?kind=people&q=a").json()
    assert people["results"] == []  # at least 2 characters
    anonymous = login(None).get("/recherche/suggestions/?kind=people&q=du")
    assert anonymous.status_code == 302
