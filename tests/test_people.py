"""People: the directory pages, the services behind them, and who sees what."""

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
from maillage.people import services
from maillage.people.models import LegalBasis, Person, PositionRole
from maillage.themes.models import Theme
from tests.conftest import login
from tests.factories import OrganizationFactory, PositionFactory
from tests.i18n import CONCURRENT_EDIT, fr, fr_escaped

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return login(None)


def _person_data(**overrides):
    data = {
        "first_name": "Hélène",
        "last_name": "Fictive",
        "email": "helene.fictive@example.org",
        "phone": "01 02 03 04 05",
        "notes": "",
        "legal_basis": LegalBasis.PUBLIC_INTEREST,
        "source": "Carte de visite (test)",
        "newsletter_consent": False,
    }
    data.update(overrides)
    return data


def _create_form(organization, **overrides):
    form = {
        "first_name": "Hélène",
        "last_name": "Fictive",
        "email": "helene.fictive@example.org",
        "phone": "",
        "organization": organization.pk,
        "role": PositionRole.PROJECT_OFFICER,
        "title": "Cheffe de projet numérique",
        "start_date": "2024-01-15",
        "notes": "",
        "legal_basis": LegalBasis.PUBLIC_INTEREST,
        "source": "Réunion du 12/03 (test)",
    }
    form.update(overrides)
    return form


def _update_form(person, **overrides):
    form = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "phone": person.phone,
        "notes": person.notes,
        "legal_basis": person.legal_basis,
        "source": person.source,
        "version": person.version,
    }
    form.update(overrides)
    return form


# --- services -------------------------------------------------------------------------------------


def test_person_create_saves_the_person_and_a_first_position(personas):
    theme = Theme.objects.first()
    person = services.person_create(
        data=_person_data(),
        position={
            "organization": personas.montreuil,
            "role": PositionRole.DGS,
            "start_date": dt.date(2024, 1, 1),
        },
        themes=[theme],
    )
    assert person.search_text == "helene fictive helene fictive@example org"
    assert person.retention_until == Person.retention_from(None)
    assert person.newsletter_consent_at is None
    assert list(person.themes.all()) == [theme]
    position = person.positions.get()
    assert (position.organization, position.role) == (personas.montreuil, PositionRole.DGS)


def test_person_create_dates_the_newsletter_consent(personas):
    before = timezone.now()
    person = services.person_create(
        data=_person_data(newsletter_consent=True, legal_basis=LegalBasis.CONSENT),
        position={"organization": personas.montreuil, "role": PositionRole.OTHER},
    )
    assert person.newsletter_consent_at is not None and person.newsletter_consent_at >= before


def test_person_create_writes_nothing_when_the_position_is_invalid(personas):
    count = Person.objects.count()
    with pytest.raises(ValidationError) as error:
        services.person_create(
            data=_person_data(),
            position={"organization": personas.montreuil, "role": "not-a-role"},
        )
    assert "role" in error.value.message_dict
    assert Person.objects.count() == count


def test_person_update_bumps_the_version_and_keeps_the_consent_date(personas):
    person = services.person_create(
        data=_person_data(newsletter_consent=True),
        position={"organization": personas.montreuil, "role": PositionRole.OTHER},
    )
    consent_at = person.newsletter_consent_at
    services.person_update(person=person, data={"last_name": "Renommée"}, expected_version=person.version)
    person.refresh_from_db()
    assert (person.last_name, person.version, person.newsletter_consent_at) == ("Renommée", 2, consent_at)
    assert "renommee" in person.search_text
    services.person_update(person=person, data={"newsletter_consent": False}, expected_version=2)
    person.refresh_from_db()
    assert person.newsletter_consent_at is None


def test_a_second_concurrent_update_is_refused(personas):
    person = PositionFactory(organization=personas.montreuil).person
    first = Person.objects.get(pk=person.pk)
    second = Person.objects.get(pk=person.pk)
    services.person_update(person=first, data={"last_name": "Premier"}, expected_version=first.version)
    with pytest.raises(ConcurrentEditError):
        services.person_update(person=second, data={"last_name": "Second"}, expected_version=second.version)
    person.refresh_from_db()
    assert person.last_name == "Premier"


def test_position_dates_must_be_ordered(personas):
    person = PositionFactory(organization=personas.montreuil).person
    with pytest.raises(ValidationError) as error:
        services.position_create(
            person=person,
            data={
                "organization": personas.montreuil,
                "role": PositionRole.DIRECTOR,
                "start_date": dt.date(2024, 5, 1),
                "end_date": dt.date(2024, 1, 1),
            },
        )
    assert error.value.message_dict["end_date"] == [fr("The end date must come after the start date.")]
    assert person.positions.count() == 1


# --- visibility -----------------------------------------------------------------------------------


@pytest.fixture
def directory(personas):
    """A mayor of Vincennes (public), a DGS of Vincennes and a project officer of Montreuil (not public)."""
    return {
        "mayor": PositionFactory(organization=personas.vincennes, role=PositionRole.MAYOR).person,
        "vincennes_dgs": PositionFactory(organization=personas.vincennes, role=PositionRole.DGS).person,
        "montreuil_officer": PositionFactory(organization=personas.montreuil).person,
    }


def _listed(client, **params):
    response = client.get(reverse("people:list"), params)
    assert response.status_code == 200
    return {person.pk for person in response.context["page"]}


def test_anonymous_visitors_see_elected_officials_only(client, directory):
    listed = _listed(client)
    assert directory["mayor"].pk in listed
    assert directory["vincennes_dgs"].pk not in listed and directory["montreuil_officer"].pk not in listed
    assert client.get(reverse("people:detail", args=[directory["vincennes_dgs"].pk])).status_code == 404
    response = client.get(reverse("people:detail", args=[directory["mayor"].pk]))
    assert response.status_code == 200
    assert directory["mayor"].email not in response.content.decode()


def test_a_correspondent_sees_their_own_organisation_and_elected_officials(personas, directory):
    client = login(personas.camille)
    listed = _listed(client)
    assert {directory["mayor"].pk, directory["montreuil_officer"].pk} <= listed
    assert directory["vincennes_dgs"].pk not in listed
    own = client.get(reverse("people:detail", args=[directory["montreuil_officer"].pk]))
    assert directory["montreuil_officer"].email in own.content.decode()
    assert own.context["details"] and own.context["history"] is not None
    other = client.get(reverse("people:detail", args=[directory["mayor"].pk]))
    assert directory["mayor"].email not in other.content.decode()
    assert not other.context["details"] and other.context["history"] is None
    assert client.get(reverse("people:detail", args=[directory["vincennes_dgs"].pk])).status_code == 404


def test_staff_see_everyone_with_contact_details(personas, directory):
    client = login(personas.arthur)
    assert {p.pk for p in directory.values()} <= _listed(client)
    response = client.get(reverse("people:detail", args=[directory["vincennes_dgs"].pk]))
    content = response.content.decode()
    assert directory["vincennes_dgs"].email in content
    assert "Saisie manuelle (test)" in content  # the source of the data


def test_a_filter_does_not_reveal_a_hidden_position(client, personas):
    association = OrganizationFactory()
    mayor = PositionFactory(organization=personas.vincennes, role=PositionRole.MAYOR).person
    PositionFactory(person=mayor, organization=association, role=PositionRole.DIRECTOR)
    assert mayor.pk not in _listed(client, organization=association.pk)
    assert mayor.pk not in _listed(client, role=PositionRole.DIRECTOR)
    assert mayor.pk in _listed(login(personas.arthur), role=PositionRole.DIRECTOR)


def test_search_ignores_accents_and_case(personas):
    person = services.person_create(
        data=_person_data(first_name="Éloïse", last_name="D'Œillet-Fictive"),
        position={"organization": personas.montreuil, "role": PositionRole.OTHER},
    )
    client = login(personas.arthur)
    assert person.pk in _listed(client, q="eloise oeillet")
    assert person.pk not in _listed(client, q="eloise martin")


def test_filters_by_organisation_role_and_theme(personas):
    theme = Theme.objects.first()
    dgs = PositionFactory(organization=personas.montreuil, role=PositionRole.DGS).person
    dgs.themes.add(theme)
    officer = PositionFactory(organization=personas.vincennes).person
    client = login(personas.arthur)
    assert _listed(client, organization=personas.montreuil.pk) >= {dgs.pk}
    assert officer.pk not in _listed(client, organization=personas.montreuil.pk)
    assert dgs.pk in _listed(client, role=PositionRole.DGS) and officer.pk not in _listed(client, role="dgs")
    assert _listed(client, theme=theme.slug) == {dgs.pk}


# --- pages: create, update, positions -------------------------------------------------------------


def test_a_correspondent_creates_a_person_in_their_organisation(personas):
    client = login(personas.camille)
    response = client.get(reverse("people:create"))
    assert response.status_code == 200
    assert response.context["form"]["organization"].value() == personas.montreuil.pk
    response = client.post(
        reverse("people:create"), _create_form(personas.montreuil, newsletter_consent="on")
    )
    assert response.status_code == 302
    person = Person.objects.get(email="helene.fictive@example.org")
    assert response["Location"] == reverse("people:detail", args=[person.pk])
    assert person.positions.get().organization == personas.montreuil
    assert person.newsletter_consent and person.newsletter_consent_at is not None


def test_a_correspondent_cannot_create_a_person_in_another_organisation(personas):
    client = login(personas.camille)
    response = client.post(reverse("people:create"), _create_form(personas.vincennes))
    assert response.status_code == 403
    assert not Person.objects.filter(email="helene.fictive@example.org").exists()


def test_staff_may_create_in_any_organisation_and_the_query_preselects_it(personas):
    client = login(personas.arthur)
    response = client.get(reverse("people:create"), {"organization": personas.vincennes.pk})
    assert response.context["form"]["organization"].value() == personas.vincennes.pk
    response = client.post(reverse("people:create"), _create_form(personas.vincennes))
    assert response.status_code == 302


def test_the_source_is_required(personas):
    response = login(personas.arthur).post(
        reverse("people:create"), _create_form(personas.montreuil, source="")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["source"]
    assert not Person.objects.filter(email="helene.fictive@example.org").exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("people:create"))
    assert response.status_code == 302 and "/comptes/" in response["Location"]


def test_update_with_the_version_then_a_stale_copy_is_refused(personas):
    person = PositionFactory(organization=personas.montreuil).person
    client = login(personas.camille)
    url = reverse("people:update", args=[person.pk])
    assert client.post(url, _update_form(person, last_name="Premier")).status_code == 302
    response = client.post(url, _update_form(person, last_name="Second"))  # still carries version 1
    assert response.status_code == 200
    assert fr_escaped(CONCURRENT_EDIT) in response.content.decode()
    person.refresh_from_db()
    assert (person.last_name, person.version) == ("Premier", 2)


def test_a_tampered_version_is_refused(personas):
    person = PositionFactory(organization=personas.montreuil).person
    response = login(personas.arthur).post(
        reverse("people:update", args=[person.pk]), _update_form(person, last_name="Pirate", version=999)
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    person.refresh_from_db()
    assert person.last_name != "Pirate"


def test_a_correspondent_cannot_edit_another_organisations_person(personas):
    person = PositionFactory(organization=personas.vincennes, role=PositionRole.MAYOR).person
    client = login(personas.camille)
    assert client.get(reverse("people:update", args=[person.pk])).status_code == 403
    assert client.post(reverse("people:update", args=[person.pk]), _update_form(person)).status_code == 403


def test_position_end_before_start_gives_a_clear_message(personas):
    person = PositionFactory(organization=personas.montreuil).person
    response = login(personas.camille).post(
        reverse("people:position_create", args=[person.pk]),
        {
            "organization": personas.montreuil.pk,
            "role": PositionRole.DIRECTOR,
            "start_date": "2024-06-01",
            "end_date": "2024-01-01",
        },
    )
    assert response.status_code == 200
    assert fr_escaped("The end date must come after the start date.") in response.content.decode()
    assert person.positions.count() == 1


def test_a_correspondent_adds_positions_in_their_organisation_only(personas):
    person = PositionFactory(organization=personas.montreuil).person
    client = login(personas.camille)
    url = reverse("people:position_create", args=[person.pk])
    data = {"organization": personas.vincennes.pk, "role": PositionRole.DIRECTOR, "start_date": "2024-01-01"}
    assert client.post(url, data).status_code == 403
    data["organization"] = personas.montreuil.pk
    assert client.post(url, data).status_code == 302
    assert person.positions.filter(role=PositionRole.DIRECTOR, organization=personas.montreuil).exists()


# --- exports and query counts ---------------------------------------------------------------------


def test_csv_export_has_contact_columns_for_staff_only(personas, directory):
    response = login(personas.arthur).get(reverse("people:list"), {"format": "csv"})
    rows = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    assert rows[0] == [
        fr(h) for h in ("Last name", "First name", "Current positions", "Themes", "Email", "Phone")
    ]
    emails = {row[4] for row in rows[1:]}
    assert {p.email for p in directory.values()} <= emails

    response = login(None).get(reverse("people:list"), {"format": "csv"})
    rows = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    # The public gets names and offices only: no themes, no contact details (docs/roles.md).
    assert rows[0] == [fr(h) for h in ("Last name", "First name", "Current positions")]
    names = {(row[0], row[1]) for row in rows[1:]}
    assert (directory["mayor"].last_name, directory["mayor"].first_name) in names
    assert (directory["vincennes_dgs"].last_name, directory["vincennes_dgs"].first_name) not in names
    assert all(fr("Mayor") in row[2] for row in rows[1:])


def test_xlsx_export_opens_and_follows_the_filters(personas, directory):
    response = login(personas.arthur).get(
        reverse("people:list"), {"format": "xlsx", "organization": personas.montreuil.pk}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == (fr("Last name"), fr("First name"))
    assert [(r[0], r[1]) for r in rows[1:]] == [
        (directory["montreuil_officer"].last_name, directory["montreuil_officer"].first_name)
    ]


def _people_in_montreuil(personas, count):
    theme = Theme.objects.first()
    association = OrganizationFactory()
    for index in range(count):
        person = PositionFactory(
            organization=personas.montreuil, role=PositionRole.MAYOR if index % 2 else PositionRole.DGS
        ).person
        PositionFactory(person=person, organization=association)
        person.themes.add(theme)


def _count_queries(client, url, params=None):
    client.get(url, params)  # warm the per-process caches (home EPCI name, content types)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("who", ["anonymous", "agent", "correspondent"])
def test_people_list_query_count_does_not_grow_with_rows(personas, who):
    client = login({"anonymous": None, "agent": personas.arthur, "correspondent": personas.camille}[who])
    url = reverse("people:list")
    filtered = {"role": "mayor", "organization": personas.montreuil.pk}
    _people_in_montreuil(personas, 5)
    small, small_filtered = _count_queries(client, url), _count_queries(client, url, filtered)
    _people_in_montreuil(personas, 195)
    large, large_filtered = _count_queries(client, url), _count_queries(client, url, filtered)
    assert small == large
    assert small_filtered == large_filtered
