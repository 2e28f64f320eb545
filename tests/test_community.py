"""Community of public innovators: profiles with consent, directory, events and registrations, resources."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from maillage.community import selectors, services
from maillage.community.models import (
    ConsentMethod,
    Event,
    MemberProfile,
    Registration,
    RegistrationStatus,
    Resource,
    Skill,
)
from maillage.community.tokens import cancel_token
from maillage.core.sections import sections_for
from maillage.outbox.models import OutboxMessage
from maillage.people.services import person_anonymize, person_export
from maillage.themes.models import Theme
from tests.conftest import login
from tests.factories_community import (
    PDF_BYTES,
    make_event,
    make_profile,
    make_resource,
    member,
    odt_upload,
    past_event,
    pdf_upload,
)
from tests.i18n import fr, fr_escaped

pytestmark = pytest.mark.django_db


# --- Profiles and consent -------------------------------------------------------------------------


def test_profile_requires_consent(personas):
    person = member(personas.montreuil)
    with pytest.raises(ValidationError) as error:
        services.profile_create(
            person=person,
            data={},
            consent_given=False,
            consent_method=ConsentMethod.RECORDED,
            consent_note="x",
        )
    assert "consent" in error.value.error_dict
    assert not MemberProfile.objects.exists()


def test_recorded_consent_needs_its_evidence(personas):
    person = member(personas.montreuil)
    with pytest.raises(ValidationError) as error:
        services.profile_create(
            person=person, data={}, consent_given=True, consent_method=ConsentMethod.RECORDED
        )
    assert "consent_note" in error.value.error_dict


def test_profile_form_without_consent_shows_french_message(personas, correspondent_client):
    person = member(personas.montreuil)
    url = reverse("community:profile_create")
    response = correspondent_client.post(
        url, {"person": person.pk, "organization": personas.montreuil.pk, "skills_text": "Design"}
    )
    assert response.status_code == 200
    assert (
        fr_escaped(
            "A profile is published only with the person's consent: tick the box to confirm it was given."
        )
        in response.content.decode()
    )
    assert not MemberProfile.objects.exists()


def test_correspondent_records_a_profile_with_skills_deduplicated(personas, correspondent_client):
    person = member(personas.montreuil, first_name="Léa", last_name="Fictive")
    Skill.objects.create(name="Design de services", normalized="design de services")
    response = correspondent_client.post(
        reverse("community:profile_create"),
        {
            "person": person.pk,
            "organization": personas.montreuil.pk,
            "job_title": "Cheffe de projet innovation",
            "skills_text": "design  de Services, Open data; open-data\nMarchés publics",
            "consent": "on",
            "consent_note": "Formulaire signé à l'atelier du 3 avril",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    profile = MemberProfile.objects.get(person=person)
    assert sorted(s.normalized for s in profile.skills.all()) == [
        "design de services",
        "marches publics",
        "open data",
    ]
    assert Skill.objects.filter(normalized="design de services").count() == 1
    assert profile.consent_method == ConsentMethod.RECORDED
    assert profile.consent_recorded_by == personas.camille
    assert profile.consent_at is not None


def test_correspondent_cannot_pick_a_person_of_another_organisation(personas, correspondent_client):
    outsider = member(personas.vincennes)
    response = correspondent_client.post(
        reverse("community:profile_create"),
        {"person": outsider.pk, "consent": "on", "consent_note": "x"},
    )
    assert response.status_code == 200
    assert not MemberProfile.objects.exists()


def test_self_service_profile_through_the_account_email(personas):
    person = member(personas.vincennes, email="bruno@example.org")
    personas.bruno.email = "Bruno@Example.org"
    personas.bruno.save()
    client = login(personas.bruno)
    url = reverse("community:my_profile")
    response = client.get(url)
    assert response.status_code == 200
    response = client.post(url, {"skills_text": "Animation", "organization": personas.vincennes.pk})
    assert not MemberProfile.objects.exists()
    response = client.post(
        url, {"skills_text": "Animation", "organization": personas.vincennes.pk, "consent": "on"}
    )
    profile = MemberProfile.objects.get(person=person)
    assert profile.consent_method == ConsentMethod.SELF_SERVICE
    assert client.get(url)["Location"] == reverse("community:profile_update", kwargs={"pk": profile.pk})
    # The person manages their own profile even without a correspondent's rights on it.
    assert client.get(reverse("community:profile_update", kwargs={"pk": profile.pk})).status_code == 200


def test_account_without_record_is_told_what_to_do(personas, correspondent_client):
    response = correspondent_client.get(reverse("community:my_profile"))
    assert response.status_code == 200
    assert not MemberProfile.objects.exists()


def test_withdrawal_deletes_the_profile_and_its_history(personas, correspondent_client):
    profile = make_profile(member(personas.montreuil), organization=personas.montreuil, skills="Design")
    assert LogEntry.objects.filter(object_pk=str(profile.pk), content_type__model="memberprofile").exists()
    response = correspondent_client.post(reverse("community:profile_withdraw", kwargs={"pk": profile.pk}))
    assert response.status_code == 302
    assert not MemberProfile.objects.exists()
    assert not LogEntry.objects.filter(
        object_pk=str(profile.pk), content_type__model="memberprofile"
    ).exists()


def test_other_correspondent_cannot_withdraw(personas, other_correspondent_client):
    profile = make_profile(member(personas.montreuil), organization=personas.montreuil)
    response = other_correspondent_client.post(
        reverse("community:profile_withdraw", kwargs={"pk": profile.pk})
    )
    assert response.status_code == 403
    assert MemberProfile.objects.filter(pk=profile.pk).exists()


def test_profile_update_with_stale_version_is_refused(personas, agent_client):
    profile = make_profile(member(personas.montreuil), organization=personas.montreuil)
    url = reverse("community:profile_update", kwargs={"pk": profile.pk})
    data = {
        "organization": personas.montreuil.pk,
        "job_title": "A",
        "skills_text": "",
        "version": profile.version,
    }
    assert agent_client.post(url, data).status_code == 302
    response = agent_client.post(url, {**data, "job_title": "B"})
    assert response.status_code == 200
    profile.refresh_from_db()
    assert profile.job_title == "A"


def test_export_and_erasure_through_the_people_services(personas):
    person = member(personas.montreuil, email="lea.fictive@example.org")
    make_profile(person, organization=personas.montreuil, skills="Facilitation", bio="Bio")
    event = make_event()
    services.registration_create(
        event=event, name="Léa Fictive", email="LEA.fictive@example.org", consent=True
    )
    exported = person_export(person=person)["community"]
    assert exported["profile"]["skills"] == ["Facilitation"]
    assert exported["event_registrations"][0]["event"] == event.title
    person_anonymize(person=person, reason="test")
    assert not MemberProfile.objects.exists()
    assert not Registration.objects.exists()


def test_anonymised_person_cannot_get_a_profile(personas):
    person = member(personas.montreuil)
    person_anonymize(person=person, reason="test")
    person.refresh_from_db()
    with pytest.raises(ValidationError):
        make_profile(person)


# --- Directory ------------------------------------------------------------------------------------


def test_directory_is_for_signed_in_accounts_only(client, personas):
    make_profile(member(personas.montreuil), organization=personas.montreuil)
    response = client.get(reverse("community:directory"))
    assert response.status_code == 302
    assert selectors.profile_list(user=client.get("/").wsgi_request.user).count() == 0


def test_directory_search_by_skill_theme_territory_and_text(personas, correspondent_client):
    theme = Theme.objects.order_by("pk").first()
    lea = make_profile(
        member(personas.montreuil, first_name="Léa", last_name="Dufictif"),
        organization=personas.montreuil,
        skills="Design de services",
    )
    lea.interests.set([theme])
    make_profile(
        member(personas.vincennes, first_name="Omar", last_name="Imaginaire"),
        organization=personas.vincennes,
        skills="Open data",
    )
    url = reverse("community:directory")

    def names(**params):
        page = correspondent_client.get(url, params).context["page"]
        return [p.person.last_name for p in page]

    assert names(skill="design de services") == ["Dufictif"]
    assert names(theme=theme.slug) == ["Dufictif"]
    assert names(territory=personas.vincennes.commune.territory_id) == ["Imaginaire"]
    assert names(q="omar") == ["Imaginaire"]
    assert names(q="open data") == ["Imaginaire"]
    assert sorted(names()) == ["Dufictif", "Imaginaire"]


def test_directory_export_is_for_staff(personas, agent_client, correspondent_client):
    make_profile(member(personas.montreuil), organization=personas.montreuil, skills="Design")
    assert agent_client.get(reverse("community:directory"), {"format": "csv"})["Content-Type"].startswith(
        "text/csv"
    )
    response = correspondent_client.get(reverse("community:directory"), {"format": "csv"})
    assert response["Content-Type"].startswith("text/html")


# --- Events and registrations --------------------------------------------------------------------


def _register(client, event, email="ines@example.org", consent=True, name="Inès Fictive"):
    data = {"name": name, "email": email}
    if consent:
        data["consent"] = "on"
    return client.post(reverse("community:registration_create", kwargs={"pk": event.pk}), data)


def test_visitor_registers_and_gets_a_confirmation_with_a_cancel_link(client):
    event = make_event(capacity=10)
    response = _register(client, event)
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.CONFIRMED
    message = OutboxMessage.objects.get(to="ines@example.org")
    assert event.title in message.subject
    assert (
        reverse("community:registration_cancel", kwargs={"token": cancel_token(registration)})
        in message.body_text
    )


def test_registration_needs_the_consent_box(client):
    event = make_event()
    response = _register(client, event, consent=False)
    assert response.status_code == 200
    assert (
        fr_escaped("Tick the box to accept that your name and e-mail are kept to organise the event.")
        in response.content.decode()
    )
    assert not Registration.objects.exists()


def test_duplicate_registration_is_refused_in_french(client):
    event = make_event()
    _register(client, event)
    response = _register(client, event, email="INES@example.org ")
    assert response.status_code == 200
    expected = fr_escaped(
        "The address %(email)s is already registered for this event. To cancel, use the link in the e-mail "
        "you received."
    ) % {"email": "ines@example.org"}
    assert expected in response.content.decode()
    assert Registration.objects.count() == 1


def test_full_event_puts_people_on_the_waiting_list_and_cancellation_promotes(client):
    event = make_event(capacity=1)
    _register(client, event, email="first@example.org")
    _register(client, event, email="second@example.org")
    second = Registration.objects.get(email="second@example.org")
    assert second.status == RegistrationStatus.WAITING
    assert OutboxMessage.objects.filter(to="second@example.org").count() == 1
    first = Registration.objects.get(email="first@example.org")
    url = reverse("community:registration_cancel", kwargs={"token": cancel_token(first)})
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == RegistrationStatus.CANCELLED
    assert second.status == RegistrationStatus.CONFIRMED
    assert OutboxMessage.objects.filter(to="second@example.org").count() == 2
    # Cancelled: the same address may register again (and waits, since the seat was taken).
    _register(client, event, email="first@example.org")
    assert Registration.objects.filter(email="first@example.org").count() == 2


def test_tampered_cancel_link_is_refused_and_changes_nothing(client):
    event = make_event()
    _register(client, event)
    registration = Registration.objects.get()
    token = cancel_token(registration)
    for bad in (
        token[:-2] + "xx",
        signing.dumps({"r": registration.pk, "t": "forged"}, salt="maillage.community.cancel"),
    ):
        response = client.post(reverse("community:registration_cancel", kwargs={"token": bad}))
        assert response.status_code == 400
        assert (
            fr_escaped(
                "This cancellation link is not valid: it may have been altered, or the registration no longer exists. "
                "Copy the whole link from the e-mail, or contact the organisers."
            )
            in response.content.decode()
        )
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_internal_event_hidden_from_visitors(client, correspondent_client):
    event = make_event(is_public=False)
    url = reverse("community:event_detail", kwargs={"pk": event.pk})
    assert client.get(url).status_code == 404
    assert _register(client, event).status_code == 404
    assert correspondent_client.get(url).status_code == 200
    assert event.title not in client.get(reverse("community:event_list")).content.decode()


def test_no_registration_once_started(client):
    event = past_event()
    with pytest.raises(ValidationError):
        services.registration_create(event=event, name="A", email="a@example.org", consent=True)


def test_attendance_ticks_and_forged_ids(personas, agent_client):
    event = make_event(capacity=2)
    one = services.registration_create(event=event, name="Un", email="un@example.org", consent=True)
    two = services.registration_create(event=event, name="Deux", email="deux@example.org", consent=True)
    waiting = services.registration_create(event=event, name="Trois", email="trois@example.org", consent=True)
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now())
    url = reverse("community:attendance", kwargs={"pk": event.pk})
    page = agent_client.get(url)
    assert page.status_code == 200 and "Trois" in page.content.decode()
    assert agent_client.post(url, {"present": [one.pk]}).status_code == 302
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.attended, two.attended) == (True, False)
    other_event = make_event()
    stranger = services.registration_create(event=other_event, name="X", email="x@example.org", consent=True)
    for forged in ([waiting.pk], [stranger.pk], ["abc"], [999999]):
        response = agent_client.post(url, {"present": [one.pk, two.pk, *forged]})
        assert response.status_code == 200
        assert fr("Some ticked people are not confirmed registrations of this event: reload the page.") in (
            response.content.decode().replace("&#x27;", "'")
        )
    two.refresh_from_db()
    assert two.attended is False
    assert agent_client.get(url, {"format": "csv"})["Content-Type"].startswith("text/csv")


def test_attendance_is_staff_only(correspondent_client):
    event = make_event()
    assert (
        correspondent_client.get(reverse("community:attendance", kwargs={"pk": event.pk})).status_code == 403
    )


def test_purge_past_registrations_keeps_counters(client):
    old = make_event(capacity=5)
    recent = make_event()
    services.registration_create(event=old, name="A", email="a@example.org", consent=True)
    services.registration_create(event=recent, name="B", email="b@example.org", consent=True)
    Registration.objects.filter(event=old).update(attended=True)
    Event.objects.filter(pk=old.pk).update(starts_at=timezone.now() - dt.timedelta(days=400))
    assert services.registrations_purge_past() == 1
    old.refresh_from_db()
    assert (old.purged_registrations, old.purged_attendance) == (1, 1)
    assert list(Registration.objects.values_list("email", flat=True)) == ["b@example.org"]
    assert services.registrations_purge_past() == 0


def test_staff_create_event_with_place_or_link(personas, agent_client):
    url = reverse("community:event_create")
    start = (timezone.localtime() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    data = {"title": "Webinaire open data", "kind": "webinar", "starts_at": start, "is_public": "on"}
    response = agent_client.post(url, data)
    assert response.status_code == 200
    assert fr_escaped("Give a place or a video link.") in response.content.decode()
    response = agent_client.post(url, {**data, "video_url": "https://visio.example.org/salle"})
    assert response.status_code == 302
    assert Event.objects.get().created_by == personas.arthur


# --- Resources ------------------------------------------------------------------------------------


def test_resource_file_checks(personas):
    too_big = SimpleUploadedFile(
        "gros.pdf", PDF_BYTES + b"0" * (10 * 1024 * 1024), content_type="application/pdf"
    )
    cases = [
        (SimpleUploadedFile("script.exe", b"MZ"), "file"),
        (SimpleUploadedFile("faux.pdf", b"not a pdf at all"), "file"),
        (SimpleUploadedFile("faux.docx", b"PK\x03\x04garbage"), "file"),
        (too_big, "file"),
        (SimpleUploadedFile("vide.pdf", b""), "file"),
    ]
    for upload, field in cases:
        with pytest.raises(ValidationError) as error:
            make_resource(organization=personas.montreuil, upload=upload)
        assert field in error.value.error_dict
    assert not Resource.objects.exists()
    resource = make_resource(organization=personas.montreuil, upload=odt_upload())
    assert resource.filename == "fiche.odt" and resource.file.name.endswith(".odt")


def test_resource_upload_through_the_form_and_download(personas, correspondent_client, client):
    response = correspondent_client.post(
        reverse("community:resource_create"),
        {
            "title": "Fiche tiers-lieu",
            "summary": "Ouvrir un tiers-lieu numérique",
            "licence": "CC-BY-4.0",
            "is_public": "on",
            "upload": SimpleUploadedFile("notes.txt", b"hello"),
        },
    )
    assert response.status_code == 200
    assert not Resource.objects.exists()
    response = correspondent_client.post(
        reverse("community:resource_create"),
        {
            "title": "Fiche tiers-lieu",
            "summary": "Ouvrir un tiers-lieu numérique",
            "licence": "CC-BY-4.0",
            "is_public": "on",
            "upload": pdf_upload(),
        },
    )
    assert response.status_code == 302
    resource = Resource.objects.get()
    assert resource.author_organization == personas.montreuil
    download = client.get(reverse("community:resource_download", kwargs={"pk": resource.pk}))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_internal_resource_hidden_from_visitors(personas, client, correspondent_client):
    resource = make_resource(organization=personas.vincennes, upload=pdf_upload(), is_public=False)
    for name in ("community:resource_detail", "community:resource_download"):
        url = reverse(name, kwargs={"pk": resource.pk})
        assert client.get(url).status_code == 404
        assert correspondent_client.get(url).status_code == 200


def test_resource_edit_scope(personas, correspondent_client, other_correspondent_client):
    resource = make_resource(organization=personas.montreuil)
    url = reverse("community:resource_update", kwargs={"pk": resource.pk})
    assert other_correspondent_client.get(url).status_code == 403
    response = correspondent_client.post(
        url,
        {
            "title": "Nouveau titre",
            "summary": "Résumé",
            "licence": "CC0-1.0",
            "version": resource.version,
            "upload": odt_upload("v2.odt"),
        },
    )
    assert response.status_code == 302
    resource.refresh_from_db()
    assert (resource.title, resource.filename, resource.is_public) == ("Nouveau titre", "v2.odt", False)


# --- Solution section ----------------------------------------------------------------------------


def _solution(**fields):
    from maillage.innovation.models import Solution

    return Solution.objects.create(
        title=fields.pop("title", "Solution test"), summary="Résumé", kind="method", **fields
    )


def test_solution_section_lists_resources_and_members(personas, rf):
    from django.contrib.auth.models import AnonymousUser

    solution = _solution()
    make_resource(organization=personas.montreuil, solution=solution, title="Fiche publique")
    make_resource(organization=personas.montreuil, solution=solution, title="Fiche interne", is_public=False)
    profile = make_profile(member(personas.montreuil), organization=personas.montreuil)
    profile.projects.set([solution])
    request = rf.get("/")
    request.user = AnonymousUser()
    [section] = [
        s for s in sections_for("solution", request, solution) if s.template.startswith("community/")
    ]
    assert [r.title for r in section.context["resources"]] == ["Fiche publique"]
    assert section.context["members"] == []
    request.user = personas.camille
    [section] = [
        s for s in sections_for("solution", request, solution) if s.template.startswith("community/")
    ]
    assert len(section.context["resources"]) == 2
    assert section.context["members"] == [profile]
    detail = login(personas.camille).get(reverse("community:profile_detail", kwargs={"pk": profile.pk}))
    assert reverse("innovation:solution_detail", kwargs={"pk": solution.pk}) in detail.content.decode()


# --- Query counts --------------------------------------------------------------------------------


def _populate(personas, n: int, solution=None) -> Event:
    theme = Theme.objects.order_by("pk").first()
    event = make_event(capacity=n // 2 + 1, title=f"Événement {n}")
    for i in range(n):
        organization = personas.montreuil if i % 2 else personas.vincennes
        profile = make_profile(
            member(organization), organization=organization, skills=f"Compétence {i}, Design"
        )
        profile.interests.set([theme])
        if solution:
            profile.projects.set([solution])
        make_event(days=20 + i, title=f"Atelier {n}-{i}").themes.set([theme])
        make_resource(organization=organization, title=f"Fiche {n}-{i}", solution=solution).themes.set(
            [theme]
        )
        services.registration_create(event=event, name=f"P{i}", email=f"p{n}-{i}@example.org", consent=True)
    return event


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(context)


@pytest.mark.parametrize("who", ["agent", "correspondent", "anonymous"])
def test_pages_keep_their_query_count(personas, who):
    client = login(personas.for_role(who))
    counts = []
    for n in (5, 50):
        MemberProfile.objects.all().delete()
        Resource.objects.all().delete()
        Event.objects.all().delete()
        event = _populate(personas, n)
        resource = Resource.objects.order_by("pk").first()
        pages = [
            (reverse("community:home"), None),
            (reverse("community:event_list"), None),
            (reverse("community:event_detail", kwargs={"pk": event.pk}), None),
            (reverse("community:resource_list"), None),
            (reverse("community:resource_detail", kwargs={"pk": resource.pk}), None),
        ]
        if who != "anonymous":
            profile = MemberProfile.objects.order_by("pk").first()
            pages += [
                (reverse("community:directory"), None),
                (reverse("community:directory"), {"skill": "design"}),
                (reverse("community:profile_detail", kwargs={"pk": profile.pk}), None),
            ]
        if who == "agent":
            pages += [(reverse("community:attendance", kwargs={"pk": event.pk}), None)]
        client.get(reverse("community:home"))  # warms the context processor's cache
        counts.append([_count(client, url, params) for url, params in pages])
    assert counts[0] == counts[1]


def test_solution_section_query_count(personas, rf):
    counts = []
    for n in (5, 30):
        solution = _solution(title=f"Solution {n}")
        _populate(personas, n, solution=solution)
        request = rf.get("/")
        request.user = personas.camille
        with CaptureQueriesContext(connection) as context:
            sections_for("solution", request, solution)
        counts.append(len([q for q in context.captured_queries if "community_" in q["sql"]]))
    assert counts[0] == counts[1] == 2


def test_purge_task_runs():
    from maillage.community.tasks import purge_past_registrations

    assert purge_past_registrations.call() == 0


def test_demo_loads_once():
    from maillage.demo import community_demo

    counts = community_demo.load()
    assert counts["profils de membres"] == 25
    assert counts["événements"] == 4 and counts["ressources"] == 6
    assert Registration.objects.filter(attended=True).exists()
    assert Registration.objects.filter(status=RegistrationStatus.WAITING).count() == 2
    assert not OutboxMessage.objects.exclude(status="sent").filter(category="community").exists()
    assert Resource.objects.exclude(file="").count() == 2
    assert community_demo.load() == {}


def test_admin_pages(personas, admin_client_):
    profile = make_profile(member(personas.montreuil), organization=personas.montreuil, skills="Design")
    event = make_event()
    services.registration_create(event=event, name="A", email="a@example.org", consent=True)
    make_resource(organization=personas.montreuil, upload=pdf_upload())
    for model in ("skill", "memberprofile", "event", "registration", "resource"):
        assert admin_client_.get(reverse(f"admin:community_{model}_changelist")).status_code == 200
    assert (
        admin_client_.get(reverse("admin:community_memberprofile_change", args=[profile.pk])).status_code
        == 200
    )


def test_resource_list_filtered_by_solution(personas, client):
    solution = _solution(visibility="public")
    linked = make_resource(organization=personas.montreuil, solution=solution, title="Liée")
    make_resource(organization=personas.montreuil, title="Autre")
    detail = client.get(reverse("community:resource_detail", kwargs={"pk": linked.pk})).content.decode()
    assert reverse("innovation:solution_detail", kwargs={"pk": solution.pk}) in detail
    page = client.get(reverse("community:resource_list"), {"solution": solution.pk}).context["page"]
    assert [r.title for r in page] == ["Liée"]


def test_larger_capacity_promotes_the_waiting_list(personas):
    event = make_event(capacity=1)
    services.registration_create(event=event, name="Un", email="un@example.org", consent=True)
    waiting = services.registration_create(event=event, name="Deux", email="deux@example.org", consent=True)
    assert waiting.status == RegistrationStatus.WAITING
    event.refresh_from_db()
    services.event_update(event=event, data={"capacity": 2}, expected_version=event.version)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert OutboxMessage.objects.filter(to="deux@example.org", dedupe_key__endswith=":promoted").exists()


def test_closed_registrations_are_refused(client):
    event = make_event(registration_open=False)
    with pytest.raises(ValidationError) as error:
        services.registration_create(event=event, name="A", email="a@example.org", consent=True)
    assert fr("Registrations for this event are closed.") in error.value.messages
    assert client.get(reverse("community:event_detail", kwargs={"pk": event.pk})).context["form"] is None
