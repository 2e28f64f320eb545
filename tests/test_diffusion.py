"""Diffusion: achievements and their feeds, audiences and consent, newsletters sent through the
outbox with RFC 8058 one-click unsubscribe, double opt-in subscription, public archive."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from maillage.agreements.models import AgreementStatus, PartyRole
from maillage.diffusion import selectors, services, tokens
from maillage.diffusion.models import Achievement, Audience, Newsletter, NewsletterStatus, Subscriber
from maillage.organizations.models import OrganizationKind
from maillage.outbox.models import MessageStatus, OutboxMessage, SuppressedAddress
from maillage.people.models import Person, PositionRole
from maillage.themes.models import Theme
from tests.access_targets_agreements import make_agreement
from tests.conftest import login
from tests.factories import OrganizationFactory, PersonFactory, PositionFactory

pytestmark = pytest.mark.django_db

SITE = "https://maillage.example.fr"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def consenting(**fields) -> Person:
    return PersonFactory(newsletter_consent=True, newsletter_consent_at=timezone.now(), **fields)


def holder(organization, role=PositionRole.DGS, person=None, **fields):
    return PositionFactory(
        organization=organization, role=role, person=person or consenting(), **fields
    ).person


def confirmed(email: str, themes=()) -> Subscriber:
    subscriber = Subscriber.objects.create(email=email, confirmed_at=timezone.now())
    subscriber.themes.set(themes)
    return subscriber


def emails(audience: Audience) -> set[str]:
    return {recipient.email.lower() for recipient in selectors.audience_recipients(audience)}


# --- Audiences and consent -------------------------------------------------------------------------


def test_only_valid_consent_receives(personas):
    ok = holder(personas.montreuil)
    no_consent = PositionFactory(organization=personas.montreuil, role=PositionRole.DGS).person
    anonymised = holder(personas.montreuil, person=consenting(anonymized_at=timezone.now()))
    expired = holder(personas.montreuil, person=consenting(retention_until=dt.date(2000, 1, 1)))
    no_email = holder(personas.montreuil, person=consenting(email=""))
    suppressed = holder(personas.montreuil)
    SuppressedAddress.objects.create(email=suppressed.email.upper(), reason="hard bounce")
    audience = Audience.objects.create(name="Tous", include_subscribers=False)

    got = emails(audience)

    assert ok.email in got
    for person in (no_consent, anonymised, expired, suppressed):
        assert person.email not in got
    assert "" not in got and no_email.pk
    assert selectors.audience_count(audience) == len(got)


def test_filters_role_kind_territory_theme(personas):
    mayor = holder(personas.montreuil, PositionRole.MAYOR)
    former_mayor = holder(personas.montreuil, PositionRole.MAYOR, end_date=dt.date(2023, 1, 1))
    dgs = holder(personas.montreuil, PositionRole.DGS)
    vincennes_mayor = holder(personas.vincennes, PositionRole.MAYOR)
    association = OrganizationFactory(kind=OrganizationKind.ASSOCIATION, commune=personas.montreuil.commune)
    association_officer = holder(association, PositionRole.MAYOR)

    by_role = Audience.objects.create(name="Maires", roles=[PositionRole.MAYOR], include_subscribers=False)
    assert {mayor.email, vincennes_mayor.email, association_officer.email} <= emails(by_role)
    assert former_mayor.email not in emails(by_role) and dgs.email not in emails(by_role)

    communes = Audience.objects.create(
        name="Maires des communes",
        roles=[PositionRole.MAYOR],
        organization_kinds=[OrganizationKind.COMMUNE],
        include_subscribers=False,
    )
    assert association_officer.email not in emails(communes) and mayor.email in emails(communes)

    territory = personas.montreuil.commune.territory
    local = Audience.objects.create(name="Est ensemble", include_subscribers=False)
    local.territories.set([territory])
    assert mayor.email in emails(local) and dgs.email in emails(local)
    assert vincennes_mayor.email not in emails(local)

    theme = Theme.objects.first()
    dgs.themes.add(theme)
    themed = Audience.objects.create(name="Thème", include_subscribers=False)
    themed.themes.set([theme])
    assert emails(themed) == {dgs.email}
    assert selectors.audience_count(themed) == 1


def test_subscribers_confirmed_only_and_addresses_counted_once(personas):
    person = holder(personas.montreuil)
    theme, other_theme = Theme.objects.all()[:2]
    all_topics = confirmed("tout@example.org")
    on_theme = confirmed("theme@example.org", [theme])
    off_theme = confirmed("autre@example.org", [other_theme])
    Subscriber.objects.create(email="attente@example.org")  # pending
    Subscriber.objects.create(
        email="parti@example.org", confirmed_at=timezone.now(), unsubscribed_at=timezone.now()
    )
    confirmed(person.email.upper())  # the same address as a person: one message only
    audience = Audience.objects.create(name="Tous")

    got = emails(audience)
    assert got == {person.email, all_topics.email, on_theme.email, off_theme.email}
    assert selectors.audience_count(audience) == 4

    audience.themes.set([theme])
    # The person has no theme; their address stays reachable as a theme-less subscriber.
    assert emails(audience) == {all_topics.email, on_theme.email, person.email}
    assert selectors.audience_count(audience) == 3


def test_count_is_a_constant_number_of_queries(personas):
    audience = Audience.objects.create(name="Tous")
    for _ in range(20):
        holder(personas.montreuil)
    with CaptureQueriesContext(connection) as queries:
        assert selectors.audience_count(audience) == 20
    assert len(queries) <= 6


# --- Newsletters -----------------------------------------------------------------------------------


def newsletter_with_items(personas) -> Newsletter:
    audience = Audience.objects.create(name="Tous")
    achievement = Achievement.objects.create(
        title="Piste cyclable inaugurée", summary="12 km.", date=dt.date(2025, 5, 1), is_published=True
    )
    agreement = make_agreement(
        owner=personas.arthur,
        parties=[(personas.montreuil, PartyRole.SIGNATORY)],
        status=AgreementStatus.IN_FORCE,
        is_public=True,
        title="Convention vélo",
    )
    secret = make_agreement(
        owner=personas.arthur, status=AgreementStatus.IN_FORCE, title="Convention interne"
    )
    newsletter = services.newsletter_save(
        data={
            "title": "Lettre de mai",
            "intro": "Bonjour à toutes et à tous.",
            "audience": audience,
            "achievements": [achievement],
            "agreements": [agreement, secret],
        },
        sections=[{"heading": "Édito", "body": "Un mois chargé."}],
    )
    return newsletter


def test_send_enqueues_one_message_per_recipient_with_rfc8058_headers(personas):
    newsletter = newsletter_with_items(personas)
    people = [holder(personas.montreuil) for _ in range(3)]
    PositionFactory(organization=personas.montreuil)  # no consent
    subscriber = confirmed("lecteur@example.org")

    assert services.newsletter_send(newsletter=newsletter, user=personas.arthur) == 4

    messages = OutboxMessage.objects.filter(category=services.CATEGORY_NEWSLETTER)
    assert sorted(m.to for m in messages) == sorted([p.email for p in people] + [subscriber.email])
    for message in messages:
        unsubscribe = message.headers["List-Unsubscribe"]
        assert unsubscribe.startswith(f"<{SITE}/diffusion/desinscription/") and unsubscribe.endswith("/>")
        assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        token = urlparse(unsubscribe.strip("<>")).path.rstrip("/").rsplit("/", 1)[-1]
        assert tokens.email_for_token(token) == message.to.lower()
        assert message.subject == "Lettre de mai"
        assert (
            "Piste cyclable inaugurée" in message.body_text
            and "Piste cyclable inaugurée" in message.body_html
        )
        assert "Convention vélo" in message.body_html and "Convention interne" not in message.body_html
        assert unsubscribe.strip("<>") in message.body_text
        assert message.status == MessageStatus.QUEUED
    by_person = messages.get(to=people[0].email)
    assert people[0].first_name in by_person.body_text  # personalised
    newsletter.refresh_from_db()
    assert newsletter.status == NewsletterStatus.SENT and newsletter.recipient_count == 4
    assert newsletter.sent_by == personas.arthur


def test_send_now_runs_in_the_worker_and_double_send_never_duplicates(
    personas, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    newsletter = newsletter_with_items(personas)
    holder(personas.montreuil)
    holder(personas.vincennes)
    client = login(personas.arthur)
    url = reverse("diffusion:newsletter_send", kwargs={"pk": newsletter.pk})

    # The request only hands the newsletter to the worker: nothing is queued until the task runs.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, {"action": "send"})
    assert response.status_code == 302
    newsletter.refresh_from_db()
    assert newsletter.status == NewsletterStatus.SENDING and newsletter.sent_by == personas.arthur
    assert not OutboxMessage.objects.filter(category=services.CATEGORY_NEWSLETTER).exists()
    assert client.post(url, {"action": "send"}).status_code == 200  # being sent: nothing happens
    for callback in callbacks:
        callback()  # the task, run by the immediate backend
    newsletter.refresh_from_db()
    assert newsletter.status == NewsletterStatus.SENT and newsletter.sent_by == personas.arthur
    assert newsletter.recipient_count == 2
    assert client.post(url, {"action": "send"}).status_code == 200  # already sent: nothing happens
    assert services.newsletter_send(newsletter=newsletter) == 0
    assert OutboxMessage.objects.filter(category=services.CATEGORY_NEWSLETTER).count() == 2

    # Even a retry that bypassed the status check would hit the per-recipient dedupe keys.
    Newsletter.objects.filter(pk=newsletter.pk).update(status=NewsletterStatus.DRAFT)
    services.newsletter_send(newsletter=newsletter)
    assert OutboxMessage.objects.filter(category=services.CATEGORY_NEWSLETTER).count() == 2


def test_sent_newsletter_is_final(personas):
    newsletter = newsletter_with_items(personas)
    services.newsletter_send(newsletter=newsletter)
    response = login(personas.arthur).post(
        reverse("diffusion:newsletter_update", kwargs={"pk": newsletter.pk}), {"title": "Changé"}
    )
    assert response.status_code == 302
    newsletter.refresh_from_db()
    assert newsletter.title == "Lettre de mai"


def test_schedule_then_due_sending(personas):
    newsletter = newsletter_with_items(personas)
    holder(personas.montreuil)
    when = timezone.now() + dt.timedelta(hours=1)
    services.newsletter_schedule(newsletter=newsletter, when=when)
    assert services.newsletters_send_due() == []
    assert services.newsletters_send_due(now=when + dt.timedelta(minutes=1)) == [newsletter.pk]
    newsletter.refresh_from_db()
    assert newsletter.status == NewsletterStatus.SENT
    assert OutboxMessage.objects.filter(category=services.CATEGORY_NEWSLETTER).count() == 1


def test_editor_preview_and_send_page_show_the_count(personas):
    audience = Audience.objects.create(name="Tous")
    holder(personas.montreuil)
    achievement = Achievement.objects.create(
        title="Jardin partagé", summary="Ouvert.", date=dt.date(2025, 5, 2), is_published=True
    )
    client = login(personas.arthur)
    response = client.post(
        reverse("diffusion:newsletter_create"),
        {
            "title": "Lettre de juin",
            "intro": "Des nouvelles.",
            "audience": audience.pk,
            "achievements": [achievement.pk],
            "sections-TOTAL_FORMS": "2",
            "sections-INITIAL_FORMS": "0",
            "sections-MIN_NUM_FORMS": "0",
            "sections-MAX_NUM_FORMS": "20",
            "sections-0-heading": "À la une",
            "sections-0-body": "Le jardin.",
            "sections-1-heading": "",
            "sections-1-body": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    newsletter = Newsletter.objects.get(title="Lettre de juin")
    assert [s.heading for s in newsletter.sections.all()] == ["À la une"]
    preview = client.get(reverse("diffusion:newsletter_preview", kwargs={"pk": newsletter.pk}))
    assert "Jardin partagé" in preview.content.decode() and "srcdoc" in preview.content.decode()
    send_page = client.get(reverse("diffusion:newsletter_send", kwargs={"pk": newsletter.pk}))
    assert send_page.context["recipient_count"] == 1


# --- Unsubscribe, preferences ----------------------------------------------------------------------


def test_one_click_unsubscribe_post_without_csrf_or_login(personas):
    person = holder(personas.montreuil)
    twin = consenting(email=person.email.upper())  # same address twice in the directory
    subscriber = confirmed(person.email)
    token = tokens.unsubscribe_token(person.email)
    client = Client(enforce_csrf_checks=True)
    url = reverse("diffusion:unsubscribe", kwargs={"token": token})

    assert client.get(url).status_code == 200  # confirm button, nothing changed yet
    person.refresh_from_db()
    assert person.newsletter_consent

    response = client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    for record in (person, twin):
        record.refresh_from_db()
        assert not record.newsletter_consent and record.newsletter_consent_at is None
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None
    assert selectors.audience_count(Audience.objects.create(name="Tous")) == 0
    assert (
        client.post(
            url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 200
    )


def test_unsubscribe_with_tampered_token_changes_nothing(personas):
    person = holder(personas.montreuil)
    token = tokens.unsubscribe_token(person.email)
    forged = tokens.unsubscribe_token("someone@else.org").split(":")[0] + ":" + token.split(":")[1]
    response = Client(enforce_csrf_checks=True).post(
        reverse("diffusion:unsubscribe", kwargs={"token": forged})
    )
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.newsletter_consent


def test_preferences_update_subscriber_themes(personas):
    subscriber = confirmed("lectrice@example.org")
    theme = Theme.objects.first()
    url = reverse("diffusion:preferences", kwargs={"token": tokens.unsubscribe_token(subscriber.email)})
    client = Client()
    assert client.get(url).status_code == 200
    assert client.post(url, {"themes": [theme.pk]}).status_code == 302
    assert list(subscriber.themes.all()) == [theme]


# --- Double opt-in ---------------------------------------------------------------------------------


def _confirmation_token(message: OutboxMessage) -> str:
    line = next(line for line in message.body_text.splitlines() if "/inscription/confirmer/" in line)
    return urlparse(line.strip()).path.rstrip("/").rsplit("/", 1)[-1]


def test_double_opt_in(personas):
    theme = Theme.objects.first()
    client = Client(enforce_csrf_checks=False)
    response = client.post(
        reverse("diffusion:subscribe"), {"email": "Nouvelle@Example.org", "themes": [theme.pk]}
    )
    assert response.status_code == 200
    client.post(reverse("diffusion:subscribe"), {"email": "nouvelle@example.org", "themes": [theme.pk]})
    subscriber = Subscriber.objects.get(email="nouvelle@example.org")
    assert subscriber.confirmed_at is None and list(subscriber.themes.all()) == [theme]
    assert selectors.audience_count(Audience.objects.create(name="Tous")) == 0  # pending: receives nothing

    message = OutboxMessage.objects.get(category=services.CATEGORY_SUBSCRIPTION)  # double submit: one e-mail
    assert message.to == "nouvelle@example.org"
    url = reverse("diffusion:subscribe_confirm", kwargs={"token": _confirmation_token(message)})
    assert f"{SITE}{url}" in message.body_text

    assert client.get(url).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None  # a GET (link scanner) confirms nothing

    assert client.post(url).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is not None
    assert selectors.audience_count(Audience.objects.get(name="Tous")) == 1

    # Asking again once confirmed sends nothing (and the page says the same thing).
    client.post(reverse("diffusion:subscribe"), {"email": "nouvelle@example.org"})
    assert OutboxMessage.objects.filter(category=services.CATEGORY_SUBSCRIPTION).count() == 1


def test_tampered_or_expired_confirmation_link(personas, monkeypatch):
    subscriber = Subscriber.objects.create(email="attente@example.org")
    token = tokens.confirm_token(subscriber)
    client = Client()

    tampered = reverse("diffusion:subscribe_confirm", kwargs={"token": token[:-3] + "xyz"})
    response = client.post(tampered)
    assert response.status_code == 400 and not response.context["expired"]

    monkeypatch.setattr(tokens, "CONFIRM_MAX_AGE", -1)
    response = client.post(reverse("diffusion:subscribe_confirm", kwargs={"token": token}))
    assert response.status_code == 400 and response.context["expired"]
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None

    # A newer request replaces the random part: the older link stops working.
    monkeypatch.setattr(tokens, "CONFIRM_MAX_AGE", 7 * 24 * 3600)
    Subscriber.objects.filter(pk=subscriber.pk).update(updated_at=timezone.now() - dt.timedelta(hours=2))
    services.subscription_request(email=subscriber.email)
    assert client.post(reverse("diffusion:subscribe_confirm", kwargs={"token": token})).status_code == 400


# --- Achievements, feeds, archive ------------------------------------------------------------------


def test_achievement_pages_and_staff_editing(personas):
    theme = Theme.objects.first()
    client = login(personas.arthur)
    response = client.post(
        reverse("diffusion:achievement_create"),
        {
            "title": "Tiers-lieu ouvert",
            "summary": "Un lieu partagé.",
            "body": "Détails.",
            "date": "2025-06-01",
            "themes": [theme.pk],
            "communes": [personas.montreuil.commune_id],
            "organizations": [personas.montreuil.pk],
        },
    )
    assert response.status_code == 302
    achievement = Achievement.objects.get(title="Tiers-lieu ouvert")
    assert not achievement.is_published and achievement.published_at is None
    detail = reverse("diffusion:achievement_detail", kwargs={"pk": achievement.pk})
    assert Client().get(detail).status_code == 404
    assert "Tiers-lieu ouvert" not in Client().get(reverse("diffusion:achievement_list")).content.decode()

    response = client.post(
        reverse("diffusion:achievement_update", kwargs={"pk": achievement.pk}),
        {
            "title": "Tiers-lieu ouvert",
            "summary": "Un lieu partagé.",
            "date": "2025-06-01",
            "is_published": "on",
            "version": achievement.version,
        },
    )
    assert response.status_code == 302
    achievement.refresh_from_db()
    assert achievement.is_published and achievement.published_at is not None
    page = Client().get(detail)
    assert page.status_code == 200 and "Tiers-lieu ouvert" in page.content.decode()

    stale = client.post(
        reverse("diffusion:achievement_update", kwargs={"pk": achievement.pk}),
        {"title": "Autre", "summary": "x", "date": "2025-06-01", "version": 1},
    )
    assert stale.status_code == 200  # concurrent edit refused
    achievement.refresh_from_db()
    assert achievement.title == "Tiers-lieu ouvert"


ATOM = "{http://www.w3.org/2005/Atom}"


def test_feeds_parse(personas):
    theme = Theme.objects.first()
    published = Achievement.objects.create(
        title="Publié & fêté", summary="Résumé <court>.", date=dt.date(2025, 5, 1), is_published=True
    )
    published.themes.add(theme)
    Achievement.objects.create(title="Brouillon", summary="x", date=dt.date(2025, 5, 2))
    client = Client()

    rss = client.get(reverse("diffusion:achievement_rss"))
    assert rss.status_code == 200 and rss["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(rss.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for required in ("title", "link", "description"):
        assert channel.find(required) is not None and channel.find(required).text
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Publié & fêté"]
    assert items[0].findtext("link").endswith(f"/diffusion/realisations/{published.pk}/")
    assert items[0].findtext("description") == "Résumé <court>."
    assert items[0].findtext("pubDate") and items[0].findtext("category") == theme.name

    atom = client.get(reverse("diffusion:achievement_atom"))
    assert atom.status_code == 200 and atom["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(atom.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    assert entry.findtext(f"{ATOM}title") == "Publié & fêté"
    assert entry.find(f"{ATOM}id") is not None and entry.find(f"{ATOM}updated") is not None
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/diffusion/realisations/{published.pk}/")


def test_archive_lists_sent_newsletters_only(personas):
    newsletter = newsletter_with_items(personas)
    draft = services.newsletter_save(data={"title": "Brouillon de lettre"})
    services.newsletter_send(newsletter=newsletter)
    client = Client()
    archive = client.get(reverse("diffusion:archive")).content.decode()
    assert "Lettre de mai" in archive and "Brouillon de lettre" not in archive
    detail = client.get(reverse("diffusion:archive_detail", kwargs={"pk": newsletter.pk}))
    assert detail.status_code == 200 and "Piste cyclable" in detail.content.decode()
    assert client.get(reverse("diffusion:archive_detail", kwargs={"pk": draft.pk})).status_code == 404


# --- Query counts ----------------------------------------------------------------------------------


def _count(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _grow(rows: int, audience: Audience) -> None:
    theme = Theme.objects.first()
    for index in range(rows):
        achievement = Achievement.objects.create(
            title=f"R{index}", summary="s", date=dt.date(2025, 1, 1), is_published=True
        )
        achievement.themes.add(theme)
        Newsletter.objects.create(
            title=f"L{index}", audience=audience, status=NewsletterStatus.SENT, sent_at=timezone.now()
        )
        Audience.objects.create(name=f"A{index}")


@pytest.mark.parametrize("role", ["anonymous", "agent"])
def test_list_query_counts_are_constant(personas, role):
    client = login(personas.arthur if role == "agent" else None)
    urls = [
        reverse("diffusion:achievement_list"),
        reverse("diffusion:achievement_rss"),
        reverse("diffusion:achievement_atom"),
        reverse("diffusion:archive"),
    ]
    if role == "agent":
        urls += [reverse("diffusion:newsletter_list"), reverse("diffusion:audience_list")]
    audience = Audience.objects.create(name="Base")
    _grow(5, audience)
    small = {url: _count(client, url) for url in urls}
    _grow(195, audience)
    large = {url: _count(client, url) for url in urls}
    assert small == large
