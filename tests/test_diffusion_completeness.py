"""Newsletter items from meetings, audiences by body, feeds read by a real feed reader, personal data
held by meetings, diffusion and the outbox (export, erasure, retention), audit of meetings and
diffusion, and the checks on agenda documents."""

from __future__ import annotations

import datetime as dt

import feedparser
import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from maillage.diffusion import selectors as diffusion_selectors
from maillage.diffusion import services as diffusion_services
from maillage.diffusion.forms import NewsletterForm
from maillage.diffusion.models import Achievement, Audience, Subscriber
from maillage.meetings import services as meeting_services
from maillage.meetings.models import AgendaItem, Invitation, MeetingSession
from maillage.outbox.models import MessageStatus, OutboxMessage
from maillage.outbox.services import message_enqueue, outbox_purge
from maillage.people.models import PositionRole
from maillage.people.services import person_anonymize, person_export
from tests.conftest import login
from tests.factories import PersonFactory, PositionFactory
from tests.i18n import fr

pytestmark = pytest.mark.django_db

SITE = "https://maillage.example.fr"
DGS_RULE = {"rule_role": PositionRole.DGS, "rule_kinds": ["commune"]}


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def consenting(**fields):
    return PersonFactory(newsletter_consent=True, newsletter_consent_at=timezone.now(), **fields)


def session_in(body, *, days: int, **extra) -> MeetingSession:
    start = (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0)
    return MeetingSession.objects.create(
        body=body,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        address="Hôtel de la métropole",
        **extra,
    )


# --- Newsletter items and audiences ------------------------------------------------------------------


def test_newsletter_announces_upcoming_public_meetings_only(personas):
    public = meeting_services.body_create(data={"name": "G 131", "is_public": True})
    private = meeting_services.body_create(data={"name": "Comité restreint"})
    upcoming = session_in(public, days=12, title="Séance de rentrée")
    past = session_in(public, days=-12)
    hidden = session_in(private, days=5)

    offered = set(NewsletterForm().fields["sessions"].queryset)
    assert upcoming in offered and past not in offered and hidden not in offered

    newsletter = diffusion_services.newsletter_save(data={"title": "Lettre", "sessions": [upcoming, hidden]})
    newsletter = diffusion_selectors.newsletter_with_items(pk=newsletter.pk)
    text, html = diffusion_services.newsletter_render(newsletter)
    url = f"{SITE}{reverse('meetings:session_detail', kwargs={'pk': upcoming.pk})}"
    assert fr("Upcoming meetings") in text and "G 131 – Séance de rentrée" in text and url in text
    assert f'href="{url}"' in html
    # A session of a private body never reaches a newsletter, even when forged into the form data.
    assert "Comité restreint" not in text and "Comité restreint" not in html


def test_audience_by_body_membership_follows_the_directory(personas):
    body = meeting_services.body_create(data={"name": "Conférence des DGS", **DGS_RULE})
    sitting = PositionFactory(
        organization=personas.montreuil, role=PositionRole.DGS, person=consenting()
    ).person
    by_hand = consenting()
    meeting_services.body_member_add(body=body, person=by_hand, organization=personas.vincennes)
    outsider = PositionFactory(
        organization=personas.montreuil, role=PositionRole.MAYOR, person=consenting()
    ).person
    not_consenting = PositionFactory(organization=personas.vincennes, role=PositionRole.DGS).person

    audience = Audience.objects.create(name="Membres de la conférence", include_subscribers=False)
    audience.bodies.add(body)
    people = set(diffusion_selectors.audience_people(audience))
    assert sitting in people and by_hand in people
    assert outsider not in people and not_consenting not in people

    # The DGS leaves: the audience follows on the next send.
    sitting.positions.update(end_date=timezone.localdate() - dt.timedelta(days=1))
    assert sitting not in set(diffusion_selectors.audience_people(audience))


def test_audience_form_offers_bodies(personas):
    body = meeting_services.body_create(data={"name": "G 131"})
    client = login(personas.arthur)
    response = client.post(
        reverse("diffusion:audience_create"),
        {"name": "Membres du G 131", "include_people": "on", "bodies": [body.pk]},
    )
    assert response.status_code == 302
    assert list(Audience.objects.get(name="Membres du G 131").bodies.all()) == [body]


# --- Feeds read by a real feed reader ----------------------------------------------------------------


def test_achievement_feeds_are_read_by_feedparser(personas):
    Achievement.objects.create(
        title="Réseau de chaleur « partagé »",
        summary="Mise en service & extension.",
        date=dt.date(2025, 3, 1),
        is_published=True,
    )
    client = Client()
    for name, version in (("diffusion:achievement_rss", "rss20"), ("diffusion:achievement_atom", "atom10")):
        parsed = feedparser.parse(client.get(reverse(name)).content)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.version == version
        [entry] = parsed.entries
        assert entry.title == "Réseau de chaleur « partagé »"
        assert entry.link.startswith("http") and entry.published_parsed is not None or entry.updated_parsed


# --- Personal data -----------------------------------------------------------------------------------


def test_export_and_erasure_cover_meetings_subscriptions_and_emails(personas):
    body = meeting_services.body_create(data={"name": "G 131"})
    session = session_in(body, days=3)
    person = PersonFactory(first_name="Inès", last_name="Marchal", email="ines.marchal@example.org")
    colleague = PersonFactory()
    invitation = Invitation.objects.create(
        session=session, person=person, role="member", response="represented", proxy_name="Paul Durand"
    )
    Invitation.objects.create(session=session, person=colleague, role="member", proxy_name="Inès Marchal")
    Subscriber.objects.create(email="Ines.Marchal@example.org", confirmed_at=timezone.now())
    message_enqueue(
        to="ines.marchal@example.org", subject="Invitation", body_text="Bonjour Inès Marchal", category="test"
    )
    message_enqueue(to="autre@example.org", subject="Autre", body_text="x", category="test")

    exported = person_export(person=person)
    assert exported["meetings"]["invitations"][0]["represented_by"] == "Paul Durand"
    assert exported["newsletters"][0]["email"] == "Ines.Marchal@example.org"
    assert [m["subject"] for m in exported["emails"]] == ["Invitation"]

    old_token = invitation.token
    person_anonymize(person=person, reason="Demande de la personne")

    invitation.refresh_from_db()
    assert invitation.token != old_token and invitation.proxy_name == ""
    assert Invitation.objects.get(person=colleague).proxy_name == "[anonymisé]"
    assert not Subscriber.objects.filter(email__iexact="ines.marchal@example.org").exists()
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == ["autre@example.org"]
    # The attendance record stays, for the participation statistics.
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_retention_purges_old_messages_and_stale_subscriptions(settings):
    settings.OUTBOX_RETENTION_DAYS = 90
    settings.SUBSCRIBER_RETENTION_DAYS = 30
    now = timezone.now()
    old_sent = message_enqueue(to="a@example.org", subject="Vieux", body_text="x", category="test")
    recent_sent = message_enqueue(to="b@example.org", subject="Récent", body_text="x", category="test")
    old_queued = message_enqueue(to="c@example.org", subject="En attente", body_text="x", category="test")
    OutboxMessage.objects.filter(pk=old_sent.pk).update(
        status=MessageStatus.SENT, sent_at=now - dt.timedelta(days=91)
    )
    OutboxMessage.objects.filter(pk=recent_sent.pk).update(status=MessageStatus.SENT, sent_at=now)
    OutboxMessage.objects.filter(pk=old_queued.pk).update(created_at=now - dt.timedelta(days=200))

    assert outbox_purge(now=now) == 1
    assert set(OutboxMessage.objects.values_list("subject", flat=True)) == {"Récent", "En attente"}

    pending = Subscriber.objects.create(email="jamais@example.org")
    left = Subscriber.objects.create(
        email="parti@example.org",
        confirmed_at=now - dt.timedelta(days=100),
        unsubscribed_at=now - dt.timedelta(days=40),
    )
    active = Subscriber.objects.create(email="fidele@example.org", confirmed_at=now - dt.timedelta(days=400))
    Subscriber.objects.filter(pk=pending.pk).update(updated_at=now - dt.timedelta(days=31))
    assert diffusion_services.subscribers_purge(now=now) == 2
    assert list(Subscriber.objects.all()) == [active]
    assert not Subscriber.objects.filter(pk=left.pk).exists()


def test_purge_jobs_are_scheduled(settings):
    tasks = {spec["task"] for spec in settings.PERIODIC_JOBS.values()}
    assert {"maillage.outbox.tasks.purge_outbox", "maillage.diffusion.tasks.purge_subscribers"} <= tasks


# --- Audit ---------------------------------------------------------------------------------------------


def test_meetings_and_diffusion_changes_are_in_the_audit_trail(personas):
    body = meeting_services.body_create(data={"name": "G 131"})
    meeting_services.body_update(body=body, data={"name": "G 131 élargi"}, expected_version=body.version)
    newsletter = diffusion_services.newsletter_save(data={"title": "Lettre"})
    for instance in (body, newsletter):
        entries = LogEntry.objects.get_for_object(instance)
        assert entries.exists()
    [update] = LogEntry.objects.get_for_object(body).filter(action=LogEntry.Action.UPDATE)
    assert update.changes_dict["name"] == ["G 131", "G 131 élargi"]


# --- Agenda documents ----------------------------------------------------------------------------------


def test_agenda_document_type_and_content_are_checked(personas):
    body = meeting_services.body_create(data={"name": "G 131"})
    session = session_in(body, days=3)
    client = login(personas.arthur)
    url = reverse("meetings:agenda_item_add", kwargs={"pk": session.pk})

    script = SimpleUploadedFile("ordre.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = client.post(url, {"title": "Point 1", "document": script})
    assert response.status_code == 200
    assert fr("Files of type « %(extension)s » are not accepted. %(accepted)s").split("«")[0] in (
        response.content.decode()
    )
    fake_pdf = SimpleUploadedFile("note.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = client.post(url, {"title": "Point 1", "document": fake_pdf})
    assert response.status_code == 200 and "note.pdf" in response.content.decode()
    assert not AgendaItem.objects.filter(session=session).exists()

    pdf = SimpleUploadedFile(
        "note.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n", content_type="application/pdf"
    )
    assert client.post(url, {"title": "Point 1", "document": pdf}).status_code == 302
    assert AgendaItem.objects.get(session=session).document.name.endswith(".pdf")


def test_attendance_pdf_embeds_a_unicode_font(personas):
    from maillage.core.pdf import pdf_fonts

    body = meeting_services.body_create(data={"name": "Conférence des maires"})
    session = session_in(body, days=-1)
    person = PersonFactory(first_name="Œdipe", last_name="L’Hôte")
    Invitation.objects.create(session=session, person=person, role="member", attendance="present")
    response = login(personas.arthur).get(reverse("meetings:attendance_pdf", kwargs={"pk": session.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    if pdf_fonts()[0] == "MaillageSans":  # DejaVu is installed (CI installs fonts-dejavu-core)
        assert b"DejaVuSans" in response.content


# --- Agenda items proposed by members ------------------------------------------------------------------


def test_member_proposes_an_item_and_the_team_accepts_or_declines(personas):
    from maillage.meetings.models import AgendaProposal, ProposalStatus

    body = meeting_services.body_create(data={"name": "G 131"})
    member = PositionFactory(organization=personas.montreuil, role=PositionRole.DGS).person
    meeting_services.body_member_add(body=body, person=member, organization=personas.montreuil)
    session = session_in(body, days=20)
    url = reverse("meetings:proposal_create", kwargs={"pk": session.pk})

    camille = login(personas.camille)
    assert (
        fr("Propose an agenda item")
        in camille.get(reverse("meetings:session_detail", kwargs={"pk": session.pk})).content.decode()
    )
    response = camille.post(url, {"title": "Mutualiser les achats d'énergie", "description": "Groupement."})
    assert response.status_code == 302
    proposal = AgendaProposal.objects.get()
    assert proposal.organization == personas.montreuil and proposal.author == personas.camille
    assert not AgendaItem.objects.filter(session=session).exists()

    # Vincennes does not sit in the body: refused, nothing written.
    assert login(personas.bruno).post(url, {"title": "Intrus"}).status_code in (403, 404)
    assert AgendaProposal.objects.count() == 1

    agent = login(personas.arthur)
    decide = reverse("meetings:proposal_decide", kwargs={"pk": proposal.pk})
    agent.post(decide, {"action": "accept", "note": "Inscrit en fin d'ordre du jour."})
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.decided_by == personas.arthur
    assert proposal.agenda_item.title == "Mutualiser les achats d'énergie"
    # A second decision is refused with a message, and changes nothing.
    response = agent.post(decide, {"action": "decline"}, follow=True)
    assert fr("This proposal was already handled (%(status)s).").split("(")[0] in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert AgendaItem.objects.filter(session=session).count() == 1


def test_no_proposal_for_a_past_session(personas):
    body = meeting_services.body_create(data={"name": "G 131"})
    meeting_services.body_member_add(
        body=body,
        person=PositionFactory(organization=personas.montreuil, role=PositionRole.DGS).person,
        organization=personas.montreuil,
    )
    past = session_in(body, days=-3)
    response = login(personas.camille).post(
        reverse("meetings:proposal_create", kwargs={"pk": past.pk}), {"title": "Trop tard"}
    )
    assert response.status_code == 200
    assert fr("Items can only be proposed for a planned session still to come.") in response.content.decode()


def test_preview_and_archive_frames_hold_the_whole_escaped_email(personas):
    """The e-mail's HTML goes into the frame's srcdoc attribute: escaped, or its first quote would end it."""
    from maillage.diffusion.models import NewsletterStatus

    newsletter = diffusion_services.newsletter_save(data={"title": "Lettre « test »", "intro": "Bonjour."})
    preview = login(personas.arthur).get(
        reverse("diffusion:newsletter_preview", kwargs={"pk": newsletter.pk})
    )
    html = preview.content.decode()
    assert 'srcdoc="&lt;!DOCTYPE html&gt;' in html and "&lt;/html&gt;" in html
    type(newsletter).objects.filter(pk=newsletter.pk).update(
        status=NewsletterStatus.SENT, sent_at=timezone.now()
    )
    archive = Client().get(reverse("diffusion:archive_detail", kwargs={"pk": newsletter.pk})).content.decode()
    assert 'srcdoc="&lt;!DOCTYPE html&gt;' in archive and "&lt;/html&gt;" in archive


def test_newsletter_announces_public_catalogue_solutions_only(personas):
    from maillage.innovation.models import Solution

    public = Solution.objects.create(
        title="Cours oasis", summary="Végétaliser les cours d'école.", kind="method", visibility="public"
    )
    internal = Solution.objects.create(
        title="Outil interne", summary="Pas pour la lettre.", kind="method", visibility="internal"
    )
    offered = set(NewsletterForm().fields["solutions"].queryset)
    assert public in offered and internal not in offered

    newsletter = diffusion_services.newsletter_save(data={"title": "Lettre", "solutions": [public, internal]})
    text, html = diffusion_services.newsletter_render(
        diffusion_selectors.newsletter_with_items(pk=newsletter.pk)
    )
    url = f"{SITE}{reverse('innovation:solution_detail', kwargs={'pk': public.pk})}"
    assert fr("Public innovation") in text and "Cours oasis" in text and url in text and url in html
    assert "Outil interne" not in text and "Outil interne" not in html
