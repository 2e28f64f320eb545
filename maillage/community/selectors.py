"""Reads of the community app, scoped by who asks.

- Profiles are personal data published with consent to signed-in accounts only: anonymous visitors
  see none. The directory searches in SQL (normalised text, skill, interest, territory of the
  member's organisation) and prefetches what its rows show, so its query count is constant.
- Events: public ones for everyone, internal ones for signed-in accounts.
- Resources: public ones for everyone, internal ones for signed-in accounts.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from maillage.community.models import (
    Event,
    MemberProfile,
    Registration,
    RegistrationStatus,
    Resource,
    Skill,
)
from maillage.core.access import is_staff, organization_ids_of
from maillage.organizations.selectors import search_filter
from maillage.people.models import Person, Position
from maillage.people.selectors import person_visible_to

SECTION_LIMIT = 10


def _signed_in(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active)


def _current_positions() -> Q:
    today = timezone.localdate()
    return (Q(end_date__isnull=True) | Q(end_date__gte=today)) & (
        Q(start_date__isnull=True) | Q(start_date__lte=today)
    )


def person_of_account(user: Any) -> Person | None:
    """The directory record of a signed-in account: the one non-anonymised person whose e-mail is the
    account's (accounts are created by administrators, so their address is vouched for). None when
    there is no such record or when several share the address. Cached on the user object."""
    if not _signed_in(user) or not user.email:
        return None
    if not hasattr(user, "_community_person"):
        matches = list(
            Person.objects.filter(email__iexact=user.email.strip(), anonymized_at__isnull=True).order_by(
                "pk"
            )[:2]
        )
        user._community_person = matches[0] if len(matches) == 1 else None
    return user._community_person


def current_organization_ids(person: Person) -> set[int]:
    return set(
        Position.objects.filter(_current_positions(), person=person).values_list("organization_id", flat=True)
    )


def current_organizations(person: Person) -> list[Any]:
    positions = Position.objects.filter(_current_positions(), person=person).select_related("organization")
    return list(dict.fromkeys(p.organization for p in positions.order_by("organization__name")))


def manageable_people(user: Any) -> QuerySet[Person]:
    """People a user may record a profile for: staff everyone visible; a correspondent the people
    holding a current position in their organisation."""
    people = person_visible_to(user)
    if is_staff(user):
        return people
    own = organization_ids_of(user)
    holders = (
        Position.objects.filter(_current_positions(), organization_id__in=own).order_by().values("person_id")
    )
    return people.filter(pk__in=holders)


# --- Profiles ------------------------------------------------------------------------------------


def profile_visible_to(user: Any) -> QuerySet[MemberProfile]:
    if not _signed_in(user):
        return MemberProfile.objects.none()
    return MemberProfile.objects.filter(person__anonymized_at__isnull=True)


def _in_territory(territory: str, prefix: str = "organization__") -> Q:
    return Q(**{f"{prefix}territory_id": territory}) | Q(**{f"{prefix}commune__territory_id": territory})


def profile_list(
    *, user: Any, query: str = "", skill: str = "", theme: str = "", territory: str = ""
) -> QuerySet[MemberProfile]:
    profiles = profile_visible_to(user)
    if query:
        profiles = profiles.filter(search_filter("search_text", query))
    if skill:
        through = MemberProfile.skills.through
        profiles = profiles.filter(
            Exists(through.objects.filter(memberprofile=OuterRef("pk"), skill__normalized=skill))
        )
    if theme:
        through = MemberProfile.interests.through
        profiles = profiles.filter(
            Exists(through.objects.filter(memberprofile=OuterRef("pk"), theme__slug=theme))
        )
    if territory:
        profiles = profiles.filter(_in_territory(territory))
    return (
        profiles.select_related("person", "organization__commune__territory", "organization__territory")
        .defer(
            "organization__commune__geometry",
            "organization__commune__territory__geometry",
            "organization__territory__geometry",
        )
        .prefetch_related("skills", "interests")
        .order_by("person__last_name", "person__first_name", "pk")
    )


def profile_detail(*, user: Any, pk: int) -> MemberProfile:
    return (
        profile_visible_to(user)
        .select_related("person", "organization", "consent_recorded_by")
        .prefetch_related("skills", "interests", "projects")
        .get(pk=pk)
    )


def skills_in_use() -> QuerySet[Skill]:
    """Skills at least one profile declares, for the directory filter."""
    return Skill.objects.filter(Exists(MemberProfile.skills.through.objects.filter(skill=OuterRef("pk"))))


# --- Events --------------------------------------------------------------------------------------


def event_visible_to(user: Any) -> QuerySet[Event]:
    if _signed_in(user):
        return Event.objects.all()
    return Event.objects.filter(is_public=True)


def _with_counts(events: QuerySet[Event]) -> QuerySet[Event]:
    return events.annotate(
        confirmed_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)),
        waiting_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITING)),
    )


def event_list(*, user: Any, when: str = "upcoming", kind: str = "") -> QuerySet[Event]:
    now = timezone.now()
    events = event_visible_to(user)
    if kind:
        events = events.filter(kind=kind)
    if when == "past":
        events = events.filter(starts_at__lt=now).order_by("-starts_at", "-pk")
    else:
        events = events.filter(starts_at__gte=now).order_by("starts_at", "pk")
    return _with_counts(events).select_related("organizer").prefetch_related("themes")


def event_detail_queryset(*, user: Any) -> QuerySet[Event]:
    return _with_counts(event_visible_to(user)).select_related("organizer").prefetch_related("themes")


def event_detail(*, user: Any, pk: int) -> Event:
    return event_detail_queryset(user=user).get(pk=pk)


def event_registrations(event: Event) -> list[Registration]:
    """Confirmed, then waiting list in order of arrival (the order of promotion)."""
    return list(
        Registration.objects.filter(event=event)
        .exclude(status=RegistrationStatus.CANCELLED)
        .order_by("status", "created_at", "pk")  # "confirmed" sorts before "waiting"
    )


# --- Resources -----------------------------------------------------------------------------------


def resource_visible_to(user: Any) -> QuerySet[Resource]:
    if _signed_in(user):
        return Resource.objects.all()
    return Resource.objects.filter(is_public=True)


def resource_list(
    *,
    user: Any,
    query: str = "",
    theme: str = "",
    licence: str = "",
    organization: int | None = None,
    solution: int | None = None,
) -> QuerySet[Resource]:
    resources = resource_visible_to(user)
    if query:
        resources = resources.filter(search_filter("search_text", query))
    if theme:
        through = Resource.themes.through
        resources = resources.filter(
            Exists(through.objects.filter(resource=OuterRef("pk"), theme__slug=theme))
        )
    if licence:
        resources = resources.filter(licence=licence)
    if organization:
        resources = resources.filter(author_organization_id=organization)
    if solution:
        resources = resources.filter(solution_id=solution)
    return (
        resources.select_related("author_organization", "solution")
        .only(
            "pk",
            "title",
            "summary",
            "licence",
            "is_public",
            "file",
            "filename",
            "created_at",
            "author_organization__id",
            "author_organization__name",
            "solution__id",
            "solution__title",
        )
        .prefetch_related("themes")
        .order_by("-created_at", "-pk")
    )


def resource_detail(*, user: Any, pk: int) -> Resource:
    return (
        resource_visible_to(user)
        .select_related("author_organization", "solution", "created_by")
        .prefetch_related("themes")
        .get(pk=pk)
    )


# --- Solution section ----------------------------------------------------------------------------


def solution_resources(*, user: Any, solution_id: int, limit: int = SECTION_LIMIT) -> list[Resource]:
    return list(
        resource_visible_to(user)
        .filter(solution_id=solution_id)
        .select_related("author_organization")
        .only("pk", "title", "licence", "is_public", "author_organization__id", "author_organization__name")
        .order_by("-created_at", "-pk")[: limit + 1]
    )


def solution_members(*, user: Any, solution_id: int, limit: int = SECTION_LIMIT) -> list[MemberProfile]:
    return list(
        profile_visible_to(user)
        .filter(
            Exists(
                MemberProfile.projects.through.objects.filter(
                    memberprofile=OuterRef("pk"), solution_id=solution_id
                )
            )
        )
        .select_related("person", "organization")
        .only(
            "pk",
            "job_title",
            "person__id",
            "person__first_name",
            "person__last_name",
            "organization__id",
            "organization__name",
        )
        .order_by("person__last_name", "person__first_name", "pk")[: limit + 1]
    )
