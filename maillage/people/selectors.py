from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from maillage.core.access import is_staff, organization_ids_of
from maillage.organizations.models import Organization
from maillage.organizations.selectors import search_filter
from maillage.people.models import ELECTED_ROLES, Person, Position


def _current(prefix: str = "") -> Q:
    today = timezone.localdate()
    return (Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": today})) & (
        Q(**{f"{prefix}start_date__isnull": True}) | Q(**{f"{prefix}start_date__lte": today})
    )


def public_position_q(prefix: str = "") -> Q:
    return _current(prefix) & Q(**{f"{prefix}role__in": list(ELECTED_ROLES)})


def visible_position_q(user: Any, prefix: str = "") -> Q:
    """Positions a user may see on a visible person: staff all; others elected offices and their own organisation's."""
    if is_staff(user):
        return Q()
    condition = Q(**{f"{prefix}role__in": list(ELECTED_ROLES)})
    if own := organization_ids_of(user):
        condition |= Q(**{f"{prefix}organization_id__in": own})
    return condition


def person_visible_to(user: Any) -> QuerySet[Person]:
    """People a user may see: staff all; others the holders of public offices, plus their own organisation's."""
    people = Person.objects.filter(anonymized_at__isnull=True)
    if is_staff(user):
        return people
    # Ids from indexed look-ups on positions (elected offices are few): an OR of EXISTS would scan everyone.
    # (Each part unordered: SQLite refuses ORDER BY inside a compound statement.)
    visible = Position.objects.filter(public_position_q()).order_by().values("person_id")
    if own := organization_ids_of(user):
        visible = visible.union(
            Position.objects.filter(organization_id__in=own).order_by().values("person_id")
        )
    return people.filter(pk__in=visible)


def person_list(
    *, user: Any, query: str = "", organization: int | None = None, role: str = "", theme: str = ""
) -> QuerySet[Person]:
    people = person_visible_to(user)
    if query:
        people = people.filter(search_filter("search_text", query))
    # Filters only look at positions the user may see: they must not reveal a hidden one.
    visible = visible_position_q(user)
    if organization:
        people = people.filter(
            Exists(Position.objects.filter(visible, person=OuterRef("pk"), organization_id=organization))
        )
    if role:
        people = people.filter(
            Exists(Position.objects.filter(_current(), visible, person=OuterRef("pk"), role=role))
        )
    if theme:
        people = people.filter(themes__slug=theme)
    current_positions = (
        Position.objects.filter(_current())
        .filter(visible)
        .select_related("organization")
        .order_by("organization__name", "role", "pk")
    )
    return people.prefetch_related(
        Prefetch("positions", queryset=current_positions, to_attr="current_positions")
    )


def person_detail(*, user: Any, pk: int) -> Person:
    return (
        person_visible_to(user)
        .prefetch_related(
            "themes",
            Prefetch(
                "positions", queryset=Position.objects.select_related("organization").order_by("-start_date")
            ),
        )
        .get(pk=pk)
    )


def position_list_for_organization(*, user: Any, organization: Organization) -> list[Position]:
    positions = Position.objects.filter(
        _current(), organization=organization, person__anonymized_at__isnull=True
    )
    if not (is_staff(user) or organization.pk in organization_ids_of(user)):
        positions = positions.filter(role__in=list(ELECTED_ROLES))
    return list(positions.select_related("person").order_by("role", "person__last_name"))


def person_positions_for_display(*, user: Any, person: Person, details: bool) -> list[Position]:
    """A person's positions over time, from the prefetched ``positions``: all of them with access to
    the person's details, otherwise only elected offices (public by nature)."""
    positions = list(person.positions.all())
    if details or is_staff(user):
        return positions
    own = organization_ids_of(user)
    return [p for p in positions if p.role in ELECTED_ROLES or p.organization_id in own]
