import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.utils.html import escape

from maillage.core.concurrency import ConcurrentEditError
from maillage.core.identifiers import siren_error, siret_error
from maillage.organizations.models import Organization, OrganizationKind
from maillage.organizations.services import organization_create, organization_update
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("200054781", True),
        ("217500016", True),
        ("200054782", False),
        ("20005478", False),
        ("2000547811", False),
        ("20005478A", False),
    ],
)
def test_siren_format_and_luhn_key(value, valid):
    assert (siren_error(value) is None) is valid


def test_siret_key_including_la_poste():
    assert siret_error("73282932000074") is None
    assert siret_error("73282932000075") is not None
    assert siret_error("35600000000001") is None  # La Poste: digits sum divisible by 5


def test_malformed_siren_gives_a_french_message_and_writes_nothing(agent_client):
    before = Organization.objects.count()
    response = agent_client.post(
        "/organisations/nouvelle/", {"kind": "association", "name": "Les Amis du Canal", "siren": "123456789"}
    )
    assert response.status_code == 200
    assert "clé de contrôle invalide" in response.content.decode()
    assert Organization.objects.count() == before


def test_duplicate_organisation_is_refused(agent_client):
    organization_create(data={"kind": OrganizationKind.ASSOCIATION, "name": "Les Amis du Canal"})
    response = agent_client.post(
        "/organisations/nouvelle/", {"kind": "association", "name": "LES AMIS DU  CANAL"}
    )
    assert response.status_code == 200
    assert Organization.objects.filter(name__iexact="les amis du canal").count() == 1
    response = agent_client.post(
        "/organisations/nouvelle/", {"kind": "syndicate", "name": "Doublon", "siren": "200054781"}
    )
    assert "200054781" in response.content.decode()
    assert not Organization.objects.filter(name="Doublon").exists()


def test_agent_creates_an_organisation_with_a_former_commune_code(agent_client):
    response = agent_client.post(
        "/organisations/nouvelle/",
        {
            "kind": "association",
            "name": "Tiers-lieu de Pierrefitte",
            "commune": "93059",
            "siren": "732829320",
        },
        follow=True,
    )
    organization = Organization.objects.get(name="Tiers-lieu de Pierrefitte")
    assert organization.commune_id == "93066"
    assert "93059" in response.content.decode()


def test_unknown_commune_code_is_refused(agent_client):
    response = agent_client.post(
        "/organisations/nouvelle/", {"kind": "association", "name": "X", "commune": "99999"}
    )
    assert "99999" in response.content.decode()
    assert not Organization.objects.filter(name="X").exists()


def test_correspondent_edits_own_organisation_not_another(personas, correspondent_client):
    own = personas.montreuil
    data = {
        "kind": own.kind,
        "name": own.name,
        "website": "https://www.montreuil.fr",
        "version": own.version,
        "commune": own.commune_id,
        "territory": own.territory_id,
    }
    response = correspondent_client.post(f"/organisations/{own.pk}/modifier/", data)
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.website == "https://www.montreuil.fr"
    other = personas.vincennes
    response = correspondent_client.post(f"/organisations/{other.pk}/modifier/", {**data, "name": "Piratée"})
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.name == "Ville de Vincennes"


def test_concurrent_edits_never_overwrite_each_other(personas):
    first = Organization.objects.get(pk=personas.montreuil.pk)
    second = Organization.objects.get(pk=personas.montreuil.pk)
    organization_update(organization=first, data={"phone": "01 11 11 11 11"}, expected_version=first.version)
    with pytest.raises(ConcurrentEditError):
        organization_update(
            organization=second, data={"phone": "02 22 22 22 22"}, expected_version=second.version
        )
    assert Organization.objects.get(pk=personas.montreuil.pk).phone == "01 11 11 11 11"


def test_a_stale_form_gets_a_clear_message(personas, agent_client):
    own = personas.montreuil
    data = {"kind": own.kind, "name": own.name, "commune": own.commune_id, "territory": own.territory_id}
    agent_client.post(f"/organisations/{own.pk}/modifier/", {**data, "phone": "1", "version": own.version})
    response = agent_client.post(
        f"/organisations/{own.pk}/modifier/", {**data, "phone": "2", "version": own.version}
    )
    assert escape(ConcurrentEditError().args[0]) in response.content.decode()
    assert "Vos modifications n&#x27;ont pas été enregistrées" in response.content.decode()


def test_every_change_is_audited_with_actor_and_fields(personas, agent_client):
    own = personas.montreuil
    data = {"kind": own.kind, "name": own.name, "commune": own.commune_id, "territory": own.territory_id}
    agent_client.post(
        f"/organisations/{own.pk}/modifier/", {**data, "email": "contact@montreuil.fr", "version": 1}
    )
    entry = LogEntry.objects.get_for_object(own).latest("timestamp")
    assert entry.actor == personas.arthur
    assert "email" in entry.changes_dict
    page = agent_client.get(f"/organisations/{own.pk}/").content.decode()
    assert "(courriel)" in page  # the history names the changed field


def test_exports_follow_the_filters(client):
    response = client.get("/organisations/?kind=ept&format=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 1 + 11
    response = client.get("/organisations/?kind=ept&format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_search_is_accent_and_case_insensitive(client):
    page = client.get("/organisations/?q=ILE+SAINT+denis").content.decode()
    assert "Ville de L&#x27;Île-Saint-Denis" in page or "Île-Saint-Denis" in page


def test_membership_dates_are_checked(personas, agent_client):
    response = agent_client.post(
        f"/organisations/{personas.montreuil.pk}/adhesions/ajouter/",
        {"group": personas.vincennes.pk, "start_date": "2024-01-01", "end_date": "2023-01-01"},
    )
    assert response.status_code == 200
    assert not personas.montreuil.memberships.exists()


def test_service_rejects_invalid_siren():
    with pytest.raises(ValidationError):
        organization_create(data={"kind": "association", "name": "Y", "siren": "111111111"})


def test_anonymous_cannot_create(client):
    assert client.get("/organisations/nouvelle/").status_code == 302
    assert login(None).post("/organisations/nouvelle/", {"name": "Z"}).status_code == 302


def test_correspondent_cannot_change_the_identity_of_their_commune(personas, correspondent_client):
    own = personas.montreuil
    data = {
        "kind": "association",
        "name": "Autre nom",
        "siren": "732829320",
        "version": own.version,
        "website": "https://montreuil.fr",
    }
    response = correspondent_client.post(f"/organisations/{own.pk}/modifier/", data)
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.kind, own.name, own.siren) == ("commune", "Ville de Montreuil", "")
    assert own.website == "https://montreuil.fr"
