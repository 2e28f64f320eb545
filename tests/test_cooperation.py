"""Common topics and cooperations: services, visibility, pages, map, exports and query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from openpyxl import load_workbook

from maillage.accounts.roles import Role
from maillage.agreements.models import Agreement, AgreementKind, AgreementParty, AgreementStatus, PartyRole
from maillage.cooperation import services
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
from maillage.core.concurrency import ConcurrentEditError
from maillage.organizations.models import Organization, OrganizationKind
from maillage.territories.selectors import home_communes
from maillage.themes.models import Theme
from tests.conftest import login
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

EST_ENSEMBLE = "200057875"  # T8: Montreuil, Bobigny
PEMB = "200057941"  # T10: Vincennes
PLAINE_COMMUNE = "200057867"  # T6: Saint-Denis


def fr(msgid):
    """The French text of ``msgid`` from the catalogue, as templates print it."""
    return gettext(msgid)


def fr_escaped(msgid):
    return escape(gettext(msgid))


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


def city_hall(code: str) -> Organization:
    return Organization.objects.get(kind=OrganizationKind.COMMUNE, commune_id=code)


def _topic(proposer, title="Mutualiser les achats d'énergie", **extra) -> CommonTopic:
    return services.topic_create(
        data={"title": title, "description": "Groupement de commandes.", "proposer": proposer, **extra}
    )


def _refresh(topic: CommonTopic) -> CommonTopic:
    return CommonTopic.objects.get(pk=topic.pk)


def _status(value):
    return str(TopicStatus(value).label)


# --- services: counters ---------------------------------------------------------------------------


def test_the_proposer_is_the_first_supporter(personas):
    topic = _topic(personas.montreuil)
    assert (topic.support_count, topic.territory_count) == (1, 1)
    assert topic.search_text == "mutualiser les achats d energie"


def test_counters_follow_interests_and_withdrawals(personas):
    topic = _topic(personas.montreuil)
    bobigny = city_hall("93008")  # same territory as Montreuil
    association = OrganizationFactory(commune=personas.vincennes.commune)  # located in T10
    ept = Organization.objects.get(kind=OrganizationKind.EPT, territory_id=PLAINE_COMMUNE)  # territory only
    nowhere = OrganizationFactory()  # neither commune nor territory

    services.topic_interest_declare(topic=topic, organization=personas.vincennes)
    assert (_refresh(topic).support_count, _refresh(topic).territory_count) == (2, 2)
    services.topic_interest_declare(topic=topic, organization=bobigny, comment="  Partant  ")
    assert (_refresh(topic).support_count, _refresh(topic).territory_count) == (3, 2)
    assert TopicInterest.objects.get(topic=topic, organization=bobigny).comment == "Partant"
    services.topic_interest_declare(topic=topic, organization=association)
    services.topic_interest_declare(topic=topic, organization=ept)
    services.topic_interest_declare(topic=topic, organization=nowhere)
    assert (_refresh(topic).support_count, _refresh(topic).territory_count) == (6, 3)

    services.topic_interest_withdraw(topic=topic, organization=ept)
    assert (_refresh(topic).support_count, _refresh(topic).territory_count) == (5, 2)
    services.topic_interest_withdraw(topic=topic, organization=personas.vincennes)
    # The association keeps T10 counted.
    assert (_refresh(topic).support_count, _refresh(topic).territory_count) == (4, 2)
    services.topic_interest_withdraw(topic=topic, organization=association)
    assert (_refresh(topic).support_count, _refresh(topic).territory_count) == (3, 1)


def test_counters_are_recomputed_from_the_rows(personas):
    topic = _topic(personas.montreuil)
    CommonTopic.objects.filter(pk=topic.pk).update(support_count=99, territory_count=42)
    services.topic_interest_declare(topic=topic, organization=personas.vincennes)
    assert (_refresh(topic).support_count, _refresh(topic).territory_count) == (2, 2)


def test_a_duplicate_interest_is_refused_with_a_message(personas):
    topic = _topic(personas.montreuil)
    services.topic_interest_declare(topic=topic, organization=personas.vincennes)
    with pytest.raises(ValidationError) as error:
        services.topic_interest_declare(topic=topic, organization=personas.vincennes)
    assert error.value.message_dict["organization"] == [
        fr("« %(name)s » has already declared its interest in this topic.") % {"name": "Ville de Vincennes"}
    ]
    with pytest.raises(ValidationError) as error:
        services.topic_interest_declare(topic=topic, organization=personas.montreuil)
    assert error.value.message_dict["organization"] == [
        fr("« %(name)s » proposed this topic: its support is already counted.")
        % {"name": "Ville de Montreuil"}
    ]
    assert TopicInterest.objects.filter(topic=topic).count() == 1
    assert _refresh(topic).support_count == 2


def test_withdrawing_what_was_not_declared_is_refused(personas):
    topic = _topic(personas.montreuil)
    with pytest.raises(ValidationError) as error:
        services.topic_interest_withdraw(topic=topic, organization=personas.vincennes)
    assert error.value.messages == [
        fr("« %(name)s » had not declared its interest in this topic.") % {"name": "Ville de Vincennes"}
    ]
    with pytest.raises(ValidationError):
        services.topic_interest_withdraw(topic=topic, organization=personas.montreuil)


def test_an_interest_row_of_the_proposer_counts_once(personas):
    """Data loaded in bulk (the demo) may give the proposer an interest row too: it counts once,
    shows once, and does not make the proposer a partner of its own cooperation."""
    topic = _topic(personas.montreuil)
    TopicInterest.objects.create(topic=topic, organization=personas.montreuil)
    services.topic_interest_declare(topic=topic, organization=personas.vincennes)
    assert (_refresh(topic).support_count, _refresh(topic).territory_count) == (2, 2)
    client = login(personas.arthur)
    page = client.get(reverse("cooperation:topic_detail", args=[topic.pk])).content.decode()
    supporters = page[page.index("supporters-title") : page.index("map-title")]
    assert supporters.count("Ville de Montreuil") == 1
    data = client.get(reverse("cooperation:topic_map_data", args=[topic.pk])).json()
    montreuil = next(f for f in data["features"] if f["properties"]["code"] == "93048")
    assert montreuil["properties"]["organizations"] == ["Ville de Montreuil"]
    services.topic_transition(topic=topic, to_status=TopicStatus.STUDYING)
    services.topic_transition(topic=topic, to_status=TopicStatus.RETAINED)
    cooperation = services.topic_convert(topic=topic)
    assert sorted(cooperation.participants.values_list("organization_id", "role")) == sorted(
        [(personas.montreuil.pk, ParticipantRole.PILOT), (personas.vincennes.pk, ParticipantRole.PARTNER)]
    )


# --- services: status ----------------------------------------------------------------------------


def test_transitions_follow_the_workflow(personas):
    topic = _topic(personas.montreuil)
    with pytest.raises(ValidationError) as error:
        services.topic_transition(topic=topic, to_status=TopicStatus.RETAINED)
    expected = fr(
        "A topic « %(current)s » cannot become « %(target)s ». From « %(current)s » it may become: "
        "%(allowed)s."
    ) % {
        "current": _status("proposed"),
        "target": _status("retained"),
        "allowed": f"« {_status('studying')} », « {_status('dismissed')} »",
    }
    assert error.value.messages == [expected]
    assert _refresh(topic).status == TopicStatus.PROPOSED

    services.topic_transition(topic=topic, to_status=TopicStatus.STUDYING)
    services.topic_transition(topic=topic, to_status=TopicStatus.RETAINED)
    with pytest.raises(ValidationError) as error:
        services.topic_transition(topic=topic, to_status=TopicStatus.CONVERTED)
    assert error.value.messages == [fr("Use « Turn into a cooperation » to convert a retained topic.")]
    assert _refresh(topic).status == TopicStatus.RETAINED


def test_dismissal_needs_a_reason_and_a_dismissed_topic_may_be_reopened(personas):
    topic = _topic(personas.montreuil)
    with pytest.raises(ValidationError) as error:
        services.topic_transition(topic=topic, to_status=TopicStatus.DISMISSED, reason="   ")
    assert error.value.message_dict["reason"] == [fr("Give the reason why the topic is dismissed.")]
    services.topic_transition(
        topic=topic, to_status=TopicStatus.DISMISSED, reason="Déjà traité par le SIPPEREC"
    )
    assert (_refresh(topic).status, _refresh(topic).dismissal_reason) == (
        TopicStatus.DISMISSED,
        "Déjà traité par le SIPPEREC",
    )
    with pytest.raises(ValidationError):  # no interest on a dismissed topic
        services.topic_interest_declare(topic=topic, organization=personas.vincennes)
    services.topic_transition(topic=topic, to_status=TopicStatus.PROPOSED)
    assert (_refresh(topic).status, _refresh(topic).dismissal_reason) == (TopicStatus.PROPOSED, "")


def test_conversion_creates_the_cooperation_with_its_participants(personas):
    theme = Theme.objects.get(slug="climat-air-energie")
    topic = _topic(personas.montreuil)
    topic.themes.set([theme])
    bobigny = city_hall("93008")
    services.topic_interest_declare(topic=topic, organization=personas.vincennes)
    services.topic_interest_declare(topic=topic, organization=bobigny)
    with pytest.raises(ValidationError) as error:
        services.topic_convert(topic=topic, owner=personas.arthur)
    assert _status("proposed") in error.value.messages[0]
    assert not Cooperation.objects.exists()

    services.topic_transition(topic=topic, to_status=TopicStatus.STUDYING)
    services.topic_transition(topic=topic, to_status=TopicStatus.RETAINED)
    cooperation = services.topic_convert(topic=topic, owner=personas.arthur)

    assert (cooperation.title, cooperation.description, cooperation.owner) == (
        topic.title,
        topic.description,
        personas.arthur,
    )
    assert cooperation.status == CooperationStatus.PREPARING
    assert list(cooperation.themes.all()) == [theme]
    assert {(p.organization_id, p.role) for p in cooperation.participants.all()} == {
        (personas.montreuil.pk, ParticipantRole.PILOT),
        (personas.vincennes.pk, ParticipantRole.PARTNER),
        (bobigny.pk, ParticipantRole.PARTNER),
    }
    topic = _refresh(topic)
    assert (topic.status, topic.cooperation) == (TopicStatus.CONVERTED, cooperation)
    assert list(cooperation.source_topics.all()) == [topic]
    with pytest.raises(ValidationError):
        services.topic_convert(topic=topic, owner=personas.arthur)
    with pytest.raises(ValidationError):
        services.topic_transition(topic=topic, to_status=TopicStatus.DISMISSED, reason="Trop tard")
    assert Cooperation.objects.count() == 1


# --- services: concurrency ------------------------------------------------------------------------


def test_a_second_concurrent_topic_update_is_refused_and_counters_stay_exact(personas):
    topic = _topic(personas.montreuil)
    first, second = _refresh(topic), _refresh(topic)
    services.topic_interest_declare(topic=topic, organization=personas.vincennes)
    services.topic_update(topic=first, data={"title": "Premier"}, expected_version=first.version)
    with pytest.raises(ConcurrentEditError):
        services.topic_update(topic=second, data={"title": "Second"}, expected_version=second.version)
    topic = _refresh(topic)
    assert topic.title == "Premier"
    # ``first`` was read before the interest: the update did not write its stale counters.
    assert (topic.support_count, topic.territory_count) == (2, 2)


def test_a_second_concurrent_cooperation_update_is_refused(personas):
    cooperation = services.cooperation_create(data={"title": "Coopération"}, pilot=personas.montreuil)
    first = Cooperation.objects.get(pk=cooperation.pk)
    second = Cooperation.objects.get(pk=cooperation.pk)
    services.cooperation_update(cooperation=first, data={"objectives": "Un"}, expected_version=first.version)
    with pytest.raises(ConcurrentEditError):
        services.cooperation_update(
            cooperation=second, data={"objectives": "Deux"}, expected_version=second.version
        )
    assert Cooperation.objects.get(pk=cooperation.pk).objectives == "Un"


def test_a_participant_role_is_recorded_once(personas):
    cooperation = services.cooperation_create(data={"title": "Coopération"}, pilot=personas.montreuil)
    services.participant_add(
        cooperation=cooperation, organization=personas.vincennes, role=ParticipantRole.FUNDER
    )
    with pytest.raises(ValidationError) as error:
        services.participant_add(
            cooperation=cooperation, organization=personas.vincennes, role=ParticipantRole.FUNDER
        )
    assert "Ville de Vincennes" in error.value.message_dict["organization"][0]


# --- visibility and rights ------------------------------------------------------------------------


def test_topics_are_for_signed_in_users_only(personas):
    topic = _topic(personas.vincennes)
    anonymous = login(None)
    for url in (
        reverse("cooperation:topic_list"),
        reverse("cooperation:topic_detail", args=[topic.pk]),
        reverse("cooperation:topic_map_data", args=[topic.pk]),
    ):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/comptes/" in response["Location"]
    for user in (personas.alice, personas.arthur, personas.camille, personas.bruno):
        client = login(user)
        assert topic.pk in {t.pk for t in client.get(reverse("cooperation:topic_list")).context["page"]}
        assert client.get(reverse("cooperation:topic_detail", args=[topic.pk])).status_code == 200


def test_cooperations_are_public_but_topics_owner_and_drafts_stay_hidden(personas):
    topic = _topic(personas.montreuil, title="Sujet source")
    services.topic_transition(topic=topic, to_status=TopicStatus.STUDYING)
    services.topic_transition(topic=topic, to_status=TopicStatus.RETAINED)
    cooperation = services.topic_convert(topic=topic, owner=UserFactory(username="odile", last_name="Agente"))
    services.milestone_add(
        cooperation=cooperation, data={"title": "Comité de lancement", "due_date": dt.date(2030, 3, 1)}
    )
    kind = AgreementKind.objects.get(slug="cooperation-thematique")
    draft = Agreement.objects.create(
        reference="CONV-TEST-1",
        title="Convention en préparation",
        purpose="Objet",
        kind=kind,
        owner=personas.arthur,
        cooperation=cooperation,
    )
    AgreementParty.objects.create(agreement=draft, organization=personas.montreuil, role=PartyRole.SIGNATORY)
    Agreement.objects.create(
        reference="CONV-TEST-2",
        title="Convention signée publique",
        purpose="Objet",
        kind=kind,
        owner=personas.arthur,
        cooperation=cooperation,
        status=AgreementStatus.IN_FORCE,
        is_public=True,
    )
    url = reverse("cooperation:cooperation_detail", args=[cooperation.pk])

    page = login(None).get(url).content.decode()
    assert "Sujet source" in page and "Ville de Montreuil" in page and "Comité de lancement" in page
    assert "Convention signée publique" in page and "Convention en préparation" not in page
    assert "Agente" not in page
    assert reverse("cooperation:topic_detail", args=[topic.pk]) not in page
    assert reverse("cooperation:cooperation_update", args=[cooperation.pk]) not in page

    page = login(personas.camille).get(url).content.decode()  # Montreuil is party to the draft
    assert "Convention en préparation" in page
    assert reverse("cooperation:topic_detail", args=[topic.pk]) in page
    page = login(personas.bruno).get(url).content.decode()
    assert "Convention en préparation" not in page
    page = login(personas.arthur).get(url).content.decode()
    assert "Convention en préparation" in page and "Agente" in page


def test_a_pilot_correspondent_edits_objectives_and_milestones_only(personas):
    cooperation = services.cooperation_create(data={"title": "Titre d'origine"}, pilot=personas.montreuil)
    services.participant_add(
        cooperation=cooperation, organization=personas.vincennes, role=ParticipantRole.PARTNER
    )
    camille, bruno = login(personas.camille), login(personas.bruno)
    update = reverse("cooperation:cooperation_update", args=[cooperation.pk])
    form = camille.get(update).context["form"]
    assert set(form.fields) == {"objectives", "version"}
    response = camille.post(
        update, {"objectives": "Réduire la facture", "title": "Piraté", "version": cooperation.version}
    )
    assert response.status_code == 302
    cooperation.refresh_from_db()
    assert (cooperation.title, cooperation.objectives) == ("Titre d'origine", "Réduire la facture")

    response = camille.post(
        reverse("cooperation:milestone_add", args=[cooperation.pk]),
        {"title": "Premier comité", "due_date": "2030-01-15"},
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get(cooperation=cooperation)
    assert camille.post(reverse("cooperation:milestone_complete", args=[milestone.pk])).status_code == 302
    milestone.refresh_from_db()
    assert milestone.done_on is not None

    # A partner's correspondent reads but does not edit.
    assert bruno.get(update).status_code == 403
    assert bruno.get(reverse("cooperation:milestone_add", args=[cooperation.pk])).status_code == 403
    assert bruno.post(reverse("cooperation:milestone_complete", args=[milestone.pk])).status_code == 403
    # Participants and cooperations are staff business.
    assert camille.get(reverse("cooperation:participant_add", args=[cooperation.pk])).status_code == 403
    assert camille.get(reverse("cooperation:cooperation_create")).status_code == 403


def test_a_stale_cooperation_form_gets_a_clear_message(personas):
    cooperation = services.cooperation_create(data={"title": "Coopération"}, pilot=personas.montreuil)
    services.cooperation_update(cooperation=cooperation, data={"objectives": "Autre"}, expected_version=1)
    response = login(personas.camille).post(
        reverse("cooperation:cooperation_update", args=[cooperation.pk]), {"objectives": "Moi", "version": 1}
    )
    assert response.status_code == 200
    assert fr_escaped(str(ConcurrentEditError())) in response.content.decode()
    assert Cooperation.objects.get(pk=cooperation.pk).objectives == "Autre"


def test_a_correspondent_declares_for_their_own_organisation_only(personas):
    topic = _topic(personas.vincennes)
    bobigny = city_hall("93008")
    client = login(personas.camille)
    url = reverse("cooperation:topic_interest", args=[topic.pk])
    # An organisation slipped into the form is ignored: camille acts for Montreuil.
    response = client.post(url, {"organization": bobigny.pk, "comment": "Intéressés"})
    assert response.status_code == 302
    assert list(TopicInterest.objects.filter(topic=topic).values_list("organization_id", flat=True)) == [
        personas.montreuil.pk
    ]
    # ... and withdraws for Montreuil only.
    services.topic_interest_declare(topic=topic, organization=bobigny)
    response = client.post(
        reverse("cooperation:topic_withdraw", args=[topic.pk]), {"organization": bobigny.pk}
    )
    assert response.status_code == 403
    assert TopicInterest.objects.filter(topic=topic).count() == 2


def test_staff_declare_on_behalf_of_any_organisation(personas):
    topic = _topic(personas.vincennes)
    bobigny = city_hall("93008")
    client = login(personas.arthur)
    url = reverse("cooperation:topic_interest", args=[topic.pk])
    assert client.post(url, {"organization": bobigny.pk}).status_code == 302
    response = client.post(url, {"organization": bobigny.pk})
    assert response.status_code == 200
    assert escape(
        fr("« %(name)s » has already declared its interest in this topic.") % {"name": bobigny.name}
    ) in (response.content.decode())
    assert (
        client.post(
            reverse("cooperation:topic_withdraw", args=[topic.pk]), {"organization": bobigny.pk}
        ).status_code
        == 302
    )
    assert not TopicInterest.objects.filter(topic=topic).exists()


def test_correspondents_cannot_change_the_status_or_convert(personas):
    topic = _topic(personas.montreuil)
    client = login(personas.camille)
    response = client.post(reverse("cooperation:topic_transition", args=[topic.pk]), {"status": "studying"})
    assert response.status_code == 403
    assert client.post(reverse("cooperation:topic_convert", args=[topic.pk])).status_code == 403
    page = client.get(reverse("cooperation:topic_detail", args=[topic.pk])).content.decode()
    assert reverse("cooperation:topic_transition", args=[topic.pk]) not in page
    # The proposer's correspondent edits the wording, the other correspondent may not.
    assert reverse("cooperation:topic_update", args=[topic.pk]) in page
    assert login(personas.bruno).get(reverse("cooperation:topic_update", args=[topic.pk])).status_code == 403


def test_a_refused_transition_names_the_current_and_allowed_statuses(personas):
    topic = _topic(personas.montreuil)
    client = login(personas.arthur)
    response = client.post(reverse("cooperation:topic_transition", args=[topic.pk]), {"status": "retained"})
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(_status("proposed")) in page and escape(_status("studying")) in page
    response = client.post(reverse("cooperation:topic_transition", args=[topic.pk]), {"status": "dismissed"})
    assert fr_escaped("Give the reason why the topic is dismissed.") in response.content.decode()
    assert _refresh(topic).status == TopicStatus.PROPOSED


# --- the whole flow through the pages -------------------------------------------------------------


def test_propose_support_retain_and_convert(personas):
    paris = city_hall("75056")
    corinne = UserFactory(username="corinne", role=Role.CORRESPONDENT, organization=paris)
    theme = Theme.objects.get(slug="numerique")

    camille = login(personas.camille)
    form = camille.get(reverse("cooperation:topic_create")).context["form"]
    assert form.fields["proposer"].disabled and form.fields["proposer"].initial == personas.montreuil.pk
    response = camille.post(
        reverse("cooperation:topic_create"),
        {
            "title": "Inclusion numérique",
            "description": "Conseillers numériques partagés.",
            "themes": [theme.pk],
            "proposer": personas.vincennes.pk,  # ignored: the field is fixed for a correspondent
        },
    )
    topic = CommonTopic.objects.get(title="Inclusion numérique")
    assert response["Location"] == reverse("cooperation:topic_detail", args=[topic.pk])
    assert (topic.proposer, topic.proposed_by, topic.support_count) == (
        personas.montreuil,
        personas.camille,
        1,
    )

    for user in (personas.bruno, corinne):
        client = login(user)
        page = client.get(reverse("cooperation:topic_detail", args=[topic.pk])).content.decode()
        assert reverse("cooperation:topic_interest", args=[topic.pk]) in page
        response = client.post(
            reverse("cooperation:topic_interest", args=[topic.pk]), {"comment": "Nous aussi"}
        )
        assert response.status_code == 302
    topic = _refresh(topic)
    assert (topic.support_count, topic.territory_count) == (3, 3)
    page = login(personas.bruno).get(reverse("cooperation:topic_detail", args=[topic.pk])).content.decode()
    assert fr_escaped("Your organisation already supports this topic.") in page

    arthur = login(personas.arthur)
    for status in ("studying", "retained"):
        response = arthur.post(reverse("cooperation:topic_transition", args=[topic.pk]), {"status": status})
        assert response.status_code == 302
    page = arthur.get(reverse("cooperation:topic_detail", args=[topic.pk])).content.decode()
    assert reverse("cooperation:topic_convert", args=[topic.pk]) in page
    response = arthur.post(reverse("cooperation:topic_convert", args=[topic.pk]))
    cooperation = Cooperation.objects.get()
    assert response["Location"] == reverse("cooperation:cooperation_detail", args=[cooperation.pk])
    assert {
        (p.organization_id, p.role) for p in CooperationParticipant.objects.filter(cooperation=cooperation)
    } == {
        (personas.montreuil.pk, ParticipantRole.PILOT),
        (personas.vincennes.pk, ParticipantRole.PARTNER),
        (paris.pk, ParticipantRole.PARTNER),
    }
    assert (_refresh(topic).status, cooperation.owner) == (TopicStatus.CONVERTED, personas.arthur)
    page = login(None).get(response["Location"]).content.decode()
    assert "Inclusion numérique" in page and "Ville de Paris" in page

    # The topic and the cooperation appear on Montreuil's profile, the topic for signed-in users only.
    profile = reverse("organizations:detail", args=[personas.montreuil.pk])
    page = login(personas.bruno).get(profile).content.decode()
    assert reverse("cooperation:cooperation_detail", args=[cooperation.pk]) in page
    assert reverse("cooperation:topic_detail", args=[topic.pk]) in page
    page = login(None).get(reverse("territories:commune_detail", args=["93048"])).content.decode()
    assert reverse("cooperation:cooperation_detail", args=[cooperation.pk]) in page
    assert reverse("cooperation:topic_detail", args=[topic.pk]) not in page


def test_staff_create_and_edit_a_cooperation(personas):
    theme = Theme.objects.get(slug="mobilite")
    client = login(personas.arthur)
    response = client.post(
        reverse("cooperation:cooperation_create"),
        {
            "title": "Pistes cyclables intercommunales",
            "description": "",
            "objectives": "Relier les réseaux.",
            "themes": [theme.pk],
            "status": CooperationStatus.ACTIVE,
            "start_date": "2026-01-01",
            "end_date": "2025-01-01",
            "owner": personas.arthur.pk,
            "pilot": personas.vincennes.pk,
        },
    )
    assert response.status_code == 200
    assert fr_escaped("The end date must come after the start date.") in response.content.decode()
    assert not Cooperation.objects.exists()
    response = client.post(
        reverse("cooperation:cooperation_create"),
        {
            "title": "Pistes cyclables intercommunales",
            "objectives": "Relier les réseaux.",
            "themes": [theme.pk],
            "status": CooperationStatus.ACTIVE,
            "start_date": "2026-01-01",
            "owner": personas.arthur.pk,
            "pilot": personas.vincennes.pk,
        },
    )
    cooperation = Cooperation.objects.get()
    assert response.status_code == 302
    assert cooperation.search_text == "pistes cyclables intercommunales"
    assert list(cooperation.participants.values_list("organization_id", "role")) == [
        (personas.vincennes.pk, ParticipantRole.PILOT)
    ]
    response = client.post(
        reverse("cooperation:participant_add", args=[cooperation.pk]),
        {"organization": personas.montreuil.pk, "role": ParticipantRole.FUNDER},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("cooperation:cooperation_update", args=[cooperation.pk]),
        {
            "title": "Réseau cyclable",
            "objectives": "Relier.",
            "status": CooperationStatus.COMPLETED,
            "version": cooperation.version,
        },
    )
    assert response.status_code == 302
    cooperation.refresh_from_db()
    assert (cooperation.title, cooperation.status, cooperation.version) == (
        "Réseau cyclable",
        CooperationStatus.COMPLETED,
        2,
    )
    page = client.get(reverse("cooperation:cooperation_detail", args=[cooperation.pk])).content.decode()
    assert fr("History") in page


# --- lists: sorting, filters, exports -------------------------------------------------------------


@pytest.fixture
def ranked(personas):
    """Three topics: ``wide`` has fewer supporters than ``crowded`` but from more territories."""
    est = [city_hall(code) for code in ("93008", "93010", "93045")]  # Bobigny, Bondy, Les Lilas: T8
    crowded = _topic(personas.montreuil, title="Beaucoup de voisins")
    for organization in est:
        services.topic_interest_declare(topic=crowded, organization=organization)
    wide = _topic(personas.montreuil, title="Plusieurs territoires")
    for code in ("94080", "75056"):
        services.topic_interest_declare(topic=wide, organization=city_hall(code))
    alone = _topic(personas.vincennes, title="Un seul soutien")
    return {"crowded": _refresh(crowded), "wide": _refresh(wide), "alone": _refresh(alone)}


def _titles(client, **params):
    response = client.get(reverse("cooperation:topic_list"), params)
    assert response.status_code == 200
    return [topic.title for topic in response.context["page"]]


def test_topics_sort_by_support_or_by_territories(personas, ranked):
    assert (ranked["crowded"].support_count, ranked["crowded"].territory_count) == (4, 1)
    assert (ranked["wide"].support_count, ranked["wide"].territory_count) == (3, 3)
    client = login(personas.camille)
    assert _titles(client) == ["Beaucoup de voisins", "Plusieurs territoires", "Un seul soutien"]
    assert _titles(client, sort="territories") == [
        "Plusieurs territoires",
        "Beaucoup de voisins",
        "Un seul soutien",
    ]


def test_topic_filters(personas, ranked):
    theme = Theme.objects.get(slug="numerique")
    ranked["alone"].themes.add(theme)
    services.topic_transition(topic=ranked["wide"], to_status=TopicStatus.STUDYING)
    client = login(personas.arthur)
    assert _titles(client, theme="numerique") == ["Un seul soutien"]
    assert _titles(client, status="studying") == ["Plusieurs territoires"]
    assert _titles(client, q="TERRITOIRE") == ["Plusieurs territoires"]
    # Paris (T1) supports only the "wide" topic; Vincennes (T10) proposes one and supports another.
    assert _titles(client, territory="217500016") == ["Plusieurs territoires"]
    assert _titles(client, territory=PEMB) == ["Plusieurs territoires", "Un seul soutien"]
    assert _titles(client, organization=city_hall("93008").pk) == ["Beaucoup de voisins"]


def test_topic_exports(personas, ranked):
    client = login(personas.camille)
    response = client.get(reverse("cooperation:topic_list"), {"format": "csv", "sort": "territories"})
    rows = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    assert rows[0][:6] == [
        fr("Title"),
        fr("Status"),
        fr("Proposing organisation"),
        fr("Supporting organisations"),
        fr("Distinct territories"),
        fr("Interested organisations"),
    ]
    assert [row[0] for row in rows[1:]] == ["Plusieurs territoires", "Beaucoup de voisins", "Un seul soutien"]
    assert rows[1][2:6] == ["Ville de Montreuil", "3", "3", "Ville de Vincennes; Ville de Paris"]
    response = client.get(reverse("cooperation:topic_list"), {"format": "xlsx", "q": "seul"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == fr("Title")
    assert [row[0] for row in rows[1:]] == ["Un seul soutien"]
    assert login(None).get(reverse("cooperation:topic_list"), {"format": "csv"}).status_code == 302


def test_cooperation_list_filters_and_exports(personas):
    theme = Theme.objects.get(slug="mobilite")
    first = services.cooperation_create(
        data={"title": "Vélo", "status": CooperationStatus.ACTIVE}, pilot=personas.montreuil, themes=[theme]
    )
    services.participant_add(cooperation=first, organization=personas.vincennes, role=ParticipantRole.FUNDER)
    services.cooperation_create(data={"title": "Eau"}, pilot=personas.vincennes)
    client = login(None)

    def titles(**params):
        return [c.title for c in client.get(reverse("cooperation:cooperation_list"), params).context["page"]]

    assert titles() == ["Eau", "Vélo"]
    assert titles(theme="mobilite") == ["Vélo"]
    assert titles(status="active") == ["Vélo"]
    assert titles(territory=EST_ENSEMBLE) == ["Vélo"]
    assert titles(organization=personas.vincennes.pk) == ["Eau", "Vélo"]
    assert titles(q="velo") == ["Vélo"]
    response = client.get(reverse("cooperation:cooperation_list"), {"format": "csv", "q": "velo"})
    rows = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    assert rows[0][:3] == [fr("Title"), fr("Status"), fr("Pilots")]
    assert rows[1][:3] == ["Vélo", str(CooperationStatus.ACTIVE.label), "Ville de Montreuil"]
    assert "Ville de Vincennes (" in rows[1][3]
    response = client.get(reverse("cooperation:cooperation_list"), {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["Eau", "Vélo"]


# --- the map ----------------------------------------------------------------------------------


def test_map_data_highlights_the_communes_involved(personas):
    topic = _topic(personas.montreuil)
    association = OrganizationFactory(commune=personas.vincennes.commune, name="Vélo Vincennes")
    services.topic_interest_declare(topic=topic, organization=personas.vincennes)
    services.topic_interest_declare(topic=topic, organization=association)
    ept = Organization.objects.get(kind=OrganizationKind.EPT, territory_id=PLAINE_COMMUNE)
    services.topic_interest_declare(topic=topic, organization=ept)

    client = login(personas.bruno)
    data = client.get(reverse("cooperation:topic_map_data", args=[topic.pk])).json()
    assert data["type"] == "FeatureCollection"
    features = {f["properties"]["code"]: f for f in data["features"]}
    assert len(features) == home_communes().filter(geometry__isnull=False).count() == 130
    assert features["93048"]["properties"]["state"] == "proposer"
    assert features["93048"]["properties"]["organizations"] == ["Ville de Montreuil"]
    assert features["94080"]["properties"]["state"] == "interested"
    assert features["94080"]["properties"]["organizations"] == ["Ville de Vincennes", "Vélo Vincennes"]
    assert features["94080"]["properties"]["url"] == reverse("territories:commune_detail", args=["94080"])
    assert features["94080"]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    others = {code for code, f in features.items() if f["properties"]["state"] == "other"}
    assert len(others) == 128  # Plaine Commune's EPT has no commune: listed, not drawn

    page = client.get(reverse("cooperation:topic_detail", args=[topic.pk])).content.decode()
    assert reverse("cooperation:topic_map_data", args=[topic.pk]) in page
    assert reverse("territories:commune_detail", args=["94080"]) in page  # the text list
    assert "Vélo Vincennes" in page and ept.name in page
    assert client.get(reverse("cooperation:topic_map_data", args=[999999])).status_code == 404


# --- query counts ---------------------------------------------------------------------------------


def _count_queries(client, url, params=None):
    client.get(url, params)  # warm the per-process caches
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def _grow(personas, topic, cooperation, rows):
    theme = Theme.objects.first()
    for index in range(rows):
        organization = OrganizationFactory(commune=personas.vincennes.commune)
        TopicInterest.objects.create(topic=topic, organization=organization, comment=f"c{index}")
        CooperationParticipant.objects.create(
            cooperation=cooperation, organization=organization, role=ParticipantRole.PARTNER
        )
        Milestone.objects.create(
            cooperation=cooperation, title=f"Jalon {index}", due_date=dt.date(2030, 1, 1)
        )
        other_topic = _topic(personas.montreuil, title=f"Sujet {index}")
        other_topic.themes.add(theme)
        TopicInterest.objects.create(topic=other_topic, organization=personas.vincennes)
        other = services.cooperation_create(data={"title": f"Coopération {index}"}, pilot=personas.montreuil)
        other.themes.add(theme)
        CooperationParticipant.objects.create(
            cooperation=other, organization=organization, role=ParticipantRole.PARTNER
        )


@pytest.mark.parametrize("who", ["anonymous", "agent", "correspondent"])
def test_pages_keep_their_query_count(personas, who):
    user = {"anonymous": None, "agent": personas.arthur, "correspondent": personas.camille}[who]
    client = login(user)
    topic = _topic(personas.montreuil, title="Le sujet suivi")
    cooperation = services.cooperation_create(
        data={"title": "La coopération suivie"}, pilot=personas.montreuil
    )
    urls = [
        reverse("cooperation:cooperation_list"),
        reverse("cooperation:cooperation_list") + "?territory=" + EST_ENSEMBLE,
        reverse("cooperation:cooperation_detail", args=[cooperation.pk]),
        reverse("organizations:detail", args=[personas.montreuil.pk]),
        reverse("territories:commune_detail", args=["93048"]),
    ]
    if user is not None:
        urls += [
            reverse("cooperation:topic_list"),
            reverse("cooperation:topic_list") + "?sort=territories&territory=" + PEMB,
            reverse("cooperation:topic_detail", args=[topic.pk]),
            reverse("cooperation:topic_map_data", args=[topic.pk]),
        ]
    _grow(personas, topic, cooperation, 5)
    small = {url: _count_queries(client, url) for url in urls}
    _grow(personas, topic, cooperation, 195)
    large = {url: _count_queries(client, url) for url in urls}
    assert small == large
