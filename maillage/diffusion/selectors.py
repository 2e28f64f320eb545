"""Reads for diffusion: public lists, items to pick for a newsletter, and audience recipients."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from maillage.agreements.models import Agreement, AgreementStatus
from maillage.core.access import is_staff
from maillage.diffusion.models import Achievement, Audience, Newsletter, NewsletterStatus, Subscriber
from maillage.innovation.models import Solution, SolutionVisibility
from maillage.meetings.models import MeetingSession, SessionStatus
from maillage.meetings.selectors import body_member_person_ids
from maillage.outbox.models import SuppressedAddress
from maillage.people.models import LegalBasis, Person, Position

# How far back the editor offers items to pick.
RECENT_ITEMS = 50


def _staff(user: Any) -> bool:
    return user is not None and is_staff(user)


# --- Achievements ----------------------------------------------------------------------------------


def achievement_list(*, user: Any = None) -> QuerySet[Achievement]:
    """Published achievements; staff also see drafts."""
    qs = Achievement.objects.prefetch_related("themes")
    if not _staff(user):
        qs = qs.filter(is_published=True)
    return qs.order_by("-date", "-pk")


def achievement_detail(*, pk: int, user: Any = None) -> Achievement:
    qs = (
        achievement_list(user=user)
        .select_related("agreement", "cooperation")
        .prefetch_related("communes", "organizations")
    )
    achievement = qs.get(pk=pk)
    # A convention linked to a public achievement is shown only if it is public itself.
    if achievement.agreement_id and not (_staff(user) or achievement.agreement.is_public):
        achievement.agreement = None
    return achievement


def achievements_for_feed(limit: int = 30) -> QuerySet[Achievement]:
    return achievement_list().order_by("-date", "-pk")[:limit]


# --- Newsletters -----------------------------------------------------------------------------------


def public_agreements_recent() -> QuerySet[Agreement]:
    """Signed public conventions: the "signed conventions" items a newsletter may announce."""
    return Agreement.objects.filter(status=AgreementStatus.IN_FORCE, is_public=True).order_by(
        "-signed_on", "-pk"
    )


def public_sessions_upcoming() -> QuerySet[MeetingSession]:
    """Planned sessions of public bodies: the "upcoming meetings" items a newsletter may announce."""
    return (
        MeetingSession.objects.filter(
            body__is_public=True, status=SessionStatus.PLANNED, starts_at__gte=timezone.now()
        )
        .select_related("body")
        .order_by("starts_at", "pk")
    )


def public_solutions_recent() -> QuerySet[Solution]:
    """Public catalogue entries, latest changed first: the "innovation" items of a newsletter."""
    return Solution.objects.filter(visibility=SolutionVisibility.PUBLIC).order_by("-updated_at", "-pk")


def newsletter_list() -> QuerySet[Newsletter]:
    return Newsletter.objects.select_related("audience").order_by("-created_at", "-pk")


def newsletter_archive() -> QuerySet[Newsletter]:
    return Newsletter.objects.filter(status=NewsletterStatus.SENT).order_by("-sent_at", "-pk")


def newsletter_with_items(*, pk: int, sent_only: bool = False) -> Newsletter:
    qs = Newsletter.objects.select_related("audience").prefetch_related(
        "sections", "achievements", "agreements", "sessions__body", "solutions__origin_commune"
    )
    if sent_only:
        qs = qs.filter(status=NewsletterStatus.SENT)
    return qs.get(pk=pk)


def audience_list() -> QuerySet[Audience]:
    return Audience.objects.order_by("name", "pk")


# --- Audiences -------------------------------------------------------------------------------------


def _not_suppressed() -> Q:
    return ~Q(Exists(SuppressedAddress.objects.filter(email__iexact=OuterRef("email"))))


def consenting_people() -> QuerySet[Person]:
    """People who may receive a newsletter: a valid legal basis (known, data still within its
    retention period), newsletter consent with its date, an address, not anonymised or suppressed."""
    return (
        Person.objects.filter(
            newsletter_consent=True,
            newsletter_consent_at__isnull=False,
            anonymized_at__isnull=True,
            legal_basis__in=LegalBasis.values,
            retention_until__gte=timezone.localdate(),
        )
        .exclude(email="")
        .filter(_not_suppressed())
    )


def active_subscribers() -> QuerySet[Subscriber]:
    return Subscriber.objects.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True).filter(
        _not_suppressed()
    )


def _current_positions() -> QuerySet[Position]:
    today = timezone.localdate()
    return Position.objects.filter(
        Q(start_date__isnull=True) | Q(start_date__lte=today),
        Q(end_date__isnull=True) | Q(end_date__gte=today),
    )


def audience_people(audience: Audience) -> QuerySet[Person]:
    if not audience.include_people:
        return Person.objects.none()
    people = consenting_people()
    roles, kinds = audience.roles or [], audience.organization_kinds or []
    territory_ids = [t.pk for t in audience.territories.all()]
    if roles or kinds or territory_ids:
        # One current position must satisfy every filter at once.
        positions = _current_positions()
        if roles:
            positions = positions.filter(role__in=roles)
        if kinds:
            positions = positions.filter(organization__kind__in=kinds)
        if territory_ids:
            positions = positions.filter(
                Q(organization__territory_id__in=territory_ids)
                | Q(organization__commune__territory_id__in=territory_ids)
            )
        people = people.filter(pk__in=positions.values("person_id"))
    body_ids = [b.pk for b in audience.bodies.all()]
    if body_ids:
        people = people.filter(pk__in=body_member_person_ids(body_ids))
    theme_ids = [t.pk for t in audience.themes.all()]
    if theme_ids:
        people = people.filter(
            pk__in=Person.themes.through.objects.filter(theme_id__in=theme_ids).values("person_id")
        )
    return people


def audience_subscribers(audience: Audience) -> QuerySet[Subscriber]:
    """Public subscribers: only the theme filter applies (they hold no position); a subscriber
    who chose no theme receives every newsletter."""
    if not audience.include_subscribers:
        return Subscriber.objects.none()
    subscribers = active_subscribers()
    theme_ids = [t.pk for t in audience.themes.all()]
    if theme_ids:
        through = Subscriber.themes.through.objects
        subscribers = subscribers.filter(
            Exists(through.filter(subscriber_id=OuterRef("pk"), theme_id__in=theme_ids))
            | ~Exists(through.filter(subscriber_id=OuterRef("pk")))
        )
    return subscribers


def _people_emails(audience: Audience) -> QuerySet:
    return audience_people(audience).annotate(address=Lower("email")).values("address").distinct()


def audience_count(audience: Audience) -> int:
    """Distinct addresses the audience reaches, counted in SQL (an address is written to once)."""
    people = _people_emails(audience)
    subscribers = audience_subscribers(audience).annotate(address=Lower("email")).exclude(address__in=people)
    return people.count() + subscribers.values("address").distinct().count()


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str


def audience_recipients(audience: Audience) -> Iterator[Recipient]:
    """Each distinct address once (case-insensitive), people first."""
    seen: set[str] = set()
    people = audience_people(audience).order_by("pk").values_list("email", "first_name", "last_name")
    for email, first_name, last_name in people.iterator(chunk_size=2000):
        if email.lower() not in seen:
            seen.add(email.lower())
            yield Recipient(email, f"{first_name} {last_name}".strip())
    for email in (
        audience_subscribers(audience)
        .order_by("pk")
        .values_list("email", flat=True)
        .iterator(chunk_size=2000)
    ):
        if email.lower() not in seen:
            seen.add(email.lower())
            yield Recipient(email, "")
