"""Personal data (GDPR): right of access (JSON export), right to erasure, retention purge."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from maillage.interactions import services as interaction_services
from maillage.interactions.models import InteractionKind
from maillage.organizations.models import Organization
from maillage.people import services
from maillage.people.models import LegalBasis, Person, PositionRole, PurgeLog
from maillage.people.tasks import purge_expired_people
from maillage.themes.models import Theme
from tests.conftest import login
from tests.factories import InteractionFactory, PersonFactory, PositionFactory
from tests.i18n import fr

pytestmark = pytest.mark.django_db


@pytest.fixture
def helene(personas):
    """A person recorded through the services (so the audit trail has entries), with an interaction."""
    person = services.person_create(
        data={
            "first_name": "Hélène",
            "last_name": "Fictive",
            "email": "helene.fictive@example.org",
            "phone": "01 02 03 04 05",
            "notes": "Préfère être contactée le matin.",
            "legal_basis": LegalBasis.CONSENT,
            "source": "Salon des maires 2025 (test)",
            "newsletter_consent": True,
        },
        position={
            "organization": personas.montreuil,
            "role": PositionRole.DGS,
            "start_date": dt.date(2023, 9, 1),
        },
        themes=[Theme.objects.first()],
    )
    interaction = interaction_services.interaction_create(
        author=personas.arthur,
        data={
            "kind": InteractionKind.MEETING,
            "date": dt.date(2025, 3, 12),
            "subject": "Comité de pilotage fibre",
            "notes": "Hélène Fictive présente le calendrier.",
            "organizations": [personas.montreuil],
            "people": [person],
            "themes": [],
        },
        actions=[
            {
                "description": "Envoyer le compte rendu",
                "owner": personas.arthur,
                "due_date": dt.date(2025, 4, 1),
            }
        ],
    )
    person.refresh_from_db()
    return person, interaction


# --- right of access ------------------------------------------------------------------------------


def test_export_holds_everything_about_the_person(helene):
    person, interaction = helene
    data = services.person_export(person=person)
    assert data["identity"]["first_name"] == "Hélène" and data["identity"]["last_name"] == "Fictive"
    assert data["contact"] == {"email": "helene.fictive@example.org", "phone": "01 02 03 04 05"}
    assert data["notes"] == "Préfère être contactée le matin."
    assert data["personal_data"]["legal_basis"] == "consent"
    assert data["personal_data"]["source"] == "Salon des maires 2025 (test)"
    assert data["personal_data"]["newsletter_consent"] is True
    assert data["personal_data"]["newsletter_consent_at"] is not None
    assert data["personal_data"]["last_interaction_at"] == dt.date(2025, 3, 12)
    assert data["personal_data"]["retention_until"] == person.retention_until
    assert [p["role"] for p in data["positions"]] == ["dgs"]
    assert data["positions"][0]["organization"] == "Ville de Montreuil"
    [exported] = data["interactions"]
    assert (exported["id"], exported["subject"], exported["date"]) == (
        interaction.pk,
        "Comité de pilotage fibre",
        dt.date(2025, 3, 12),
    )
    assert exported["notes"] == "Hélène Fictive présente le calendrier."
    assert exported["follow_up_actions"][0]["description"] == "Envoyer le compte rendu"
    assert {entry["record"] for entry in data["history"]} >= {"person", "position"}


def test_export_view_is_a_json_attachment_for_staff_only(personas, helene):
    person, _ = helene
    url = reverse("people:export", args=[person.pk])
    response = login(personas.arthur).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["contact"]["email"] == "helene.fictive@example.org"
    assert body["interactions"][0]["subject"] == "Comité de pilotage fibre"
    assert login(personas.camille).get(url).status_code == 403
    anonymous = login(None).get(url)
    assert anonymous.status_code == 302


# --- right to erasure -----------------------------------------------------------------------------


def test_anonymise_erases_identity_keeps_positions_and_logs(helene, personas):
    person, interaction = helene
    position = person.positions.get()
    log = services.person_anonymize(person=person, reason="Demande par courriel du 01/04")
    person.refresh_from_db()
    assert str(person) == "Personne anonymisée"
    assert (person.email, person.phone, person.notes, person.search_text) == ("", "", "", "")
    assert person.anonymized_at is not None
    assert not person.newsletter_consent and person.newsletter_consent_at is None
    assert not person.themes.exists()
    assert not interaction.people.exists()
    position.refresh_from_db()
    assert (position.organization, position.role, position.start_date) == (
        personas.montreuil,
        PositionRole.DGS,
        dt.date(2023, 9, 1),
    )
    assert (log.anonymized_count, log.person_ids, log.reason) == (
        1,
        [person.pk],
        "Demande par courriel du 01/04",
    )


def test_anonymise_leaves_no_name_in_the_audit_trail(helene):
    person, _ = helene
    assert LogEntry.objects.filter(object_repr__contains="Fictive").exists()
    services.person_anonymize(person=person, reason="Demande")
    leftovers = [
        entry
        for entry in LogEntry.objects.all()
        if "Fictive" in entry.object_repr
        or "Fictive" in json.dumps(entry.changes or {}, ensure_ascii=False)
        or "helene.fictive" in json.dumps(entry.changes or {}, ensure_ascii=False)
    ]
    assert leftovers == []


def test_anonymised_people_disappear_from_lists_and_pages(helene, personas):
    person, _ = helene
    services.person_anonymize(person=person, reason="Demande")
    client = login(personas.arthur)
    response = client.get(reverse("people:list"))
    assert person.pk not in {p.pk for p in response.context["page"]}
    assert client.get(reverse("people:detail", args=[person.pk])).status_code == 404


def test_erase_page_confirms_then_anonymises(helene, personas):
    person, _ = helene
    url = reverse("people:erase", args=[person.pk])
    client = login(personas.arthur)
    response = client.get(url)
    assert response.status_code == 200
    assert fr("This cannot be undone.") in response.content.decode()
    Person.objects.get(pk=person.pk, anonymized_at__isnull=True)  # a GET changes nothing
    response = client.post(url, {"reason": "Demande de la personne"})
    assert response.status_code == 302 and response["Location"] == reverse("people:list")
    assert Person.objects.get(pk=person.pk).anonymized_at is not None
    assert PurgeLog.objects.filter(person_ids=[person.pk]).exists()


def test_erase_is_staff_only(helene, personas):
    person, _ = helene
    url = reverse("people:erase", args=[person.pk])
    assert login(personas.camille).post(url, {"reason": "x"}).status_code == 403
    assert Person.objects.get(pk=person.pk).anonymized_at is None


# --- retention ------------------------------------------------------------------------------------


def test_purge_anonymises_expired_people_only_and_logs_one_row(personas):
    today = timezone.localdate()
    expired = [
        PositionFactory(
            person=PersonFactory(retention_until=today - dt.timedelta(days=d)),
            organization=personas.montreuil,
        ).person
        for d in (1, 30)
    ]
    kept = PersonFactory(retention_until=today)
    before = PurgeLog.objects.count()
    log = services.people_purge_expired(today=today)
    assert log is not None and log.anonymized_count == 2
    assert sorted(log.person_ids) == sorted(p.pk for p in expired)
    assert PurgeLog.objects.count() == before + 1
    assert all(Person.objects.get(pk=p.pk).anonymized_at is not None for p in expired)
    assert Person.objects.get(pk=kept.pk).anonymized_at is None
    assert services.people_purge_expired(today=today) is None  # nothing left to purge, nothing logged
    assert PurgeLog.objects.count() == before + 1


def test_the_purge_task_calls_the_service(personas):
    PersonFactory(retention_until=timezone.localdate() - dt.timedelta(days=1))
    assert purge_expired_people.call() == 1
    assert purge_expired_people.call() == 0


def test_a_recent_interaction_protects_from_the_purge(personas):
    person = PersonFactory(retention_until=timezone.localdate() - dt.timedelta(days=1))
    InteractionFactory(organizations=[personas.montreuil])
    interaction_services.interaction_create(
        author=None,
        data={
            "kind": InteractionKind.CALL,
            "date": timezone.localdate(),
            "subject": "Appel",
            "notes": "",
            "organizations": [personas.montreuil],
            "people": [person],
        },
    )
    person.refresh_from_db()
    assert person.retention_until == Person.retention_from(timezone.localdate())
    assert services.people_purge_expired() is None


def test_detail_shows_the_gdpr_block_to_those_allowed_only(helene, personas):
    person, _ = helene
    own = login(personas.camille).get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "Salon des maires 2025 (test)" in own and fr("Kept until") in own
    assert reverse("interactions:list") + f"?person={person.pk}" in own
    assert login(personas.bruno).get(reverse("people:detail", args=[person.pk])).status_code == 404
    # Once an elected official, visible to everyone, but the personal data stays with those allowed.
    elsewhere = Organization.objects.get(kind="commune", commune_id="93066")  # Saint-Denis
    services.position_create(person=person, data={"organization": elsewhere, "role": PositionRole.MAYOR})
    for user in (None, personas.bruno):
        page = login(user).get(reverse("people:detail", args=[person.pk])).content.decode()
        assert "Fictive" in page
        assert "Salon des maires 2025 (test)" not in page and "helene.fictive@example.org" not in page


def test_anonymise_removes_the_name_typed_in_interactions_and_actions(helene, personas):
    from tests.factories import FollowUpActionFactory

    helene, _ = helene
    name = str(helene)
    interaction = InteractionFactory(
        organizations=[personas.montreuil],
        people=[helene],
        subject=f"Rendez-vous avec {name}",
        notes=f"{name.upper()} viendra.",
    )
    action = FollowUpActionFactory(
        interaction=interaction, description=f"Rappeler {name}", owner=personas.arthur
    )
    services.person_anonymize(person=helene, reason="Demande de la personne")
    interaction.refresh_from_db()
    action.refresh_from_db()
    for text in (interaction.subject, interaction.notes, action.description):
        assert helene.last_name.lower() not in text.lower()
    assert "[anonymisée]" in interaction.subject
