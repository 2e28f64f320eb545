"""Reads about bodies and sessions: who sits where (from the directory), what each user sees."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from maillage.core.access import is_staff, organization_ids_of
from maillage.meetings.models import (
    ActionStatus,
    AgendaItem,
    AgendaProposal,
    Body,
    BodyMember,
    Invitation,
    MeetingAction,
    MeetingSession,
    Substitute,
)
from maillage.organizations.models import Organization, OrganizationKind
from maillage.people.models import Person, Position

# --- Membership ------------------------------------------------------------------------------------


def current_positions_q(on: dt.date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}start_date__isnull": True}) | Q(**{f"{prefix}start_date__lte": on})) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": on})
    )


def home_organizations_q(prefix: str = "") -> Q:
    """Organisations of the home territory: its communes, its EPT, the métropole itself."""
    home = settings.HOME_EPCI_SIREN
    return (
        Q(**{f"{prefix}kind": OrganizationKind.COMMUNE, f"{prefix}commune__epci_id": home})
        | Q(**{f"{prefix}kind": OrganizationKind.EPT, f"{prefix}territory__epci_id": home})
        | Q(**{f"{prefix}kind": OrganizationKind.METROPOLE, f"{prefix}siren": home})
    )


def rule_positions(body: Body, *, on: dt.date | None = None) -> QuerySet[Position]:
    """Current positions matching the body's rule (none without a rule)."""
    if not body.has_rule:
        return Position.objects.none()
    on = on or timezone.localdate()
    return (
        Position.objects.filter(
            current_positions_q(on),
            home_organizations_q("organization__"),
            role=body.rule_role,
            organization__kind__in=body.rule_kinds,
            person__anonymized_at__isnull=True,
        )
        .select_related("person", "organization")
        .order_by("organization__name", "person__last_name", "pk")
    )


@dataclass
class Seat:
    person: Person
    organization: Organization | None
    from_rule: bool
    substitutes: list[Person] = field(default_factory=list)


def body_seats(body: Body, *, on: dt.date | None = None) -> list[Seat]:
    """The members of a body today: the rule evaluated on current positions, plus hand-picked
    members (a person appears once), each with the substitutes of their organisation's seat.
    Three queries whatever the size."""
    seats: list[Seat] = []
    seen: set[int] = set()
    for position in rule_positions(body, on=on):
        if position.person_id not in seen:
            seen.add(position.person_id)
            seats.append(Seat(position.person, position.organization, True))
    for member in BodyMember.objects.filter(body=body).select_related("person", "organization"):
        if member.person_id not in seen:
            seen.add(member.person_id)
            seats.append(Seat(member.person, member.organization, False))
    by_organization: dict[int, list[Person]] = {}
    for substitute in Substitute.objects.filter(body=body).select_related("person"):
        by_organization.setdefault(substitute.organization_id, []).append(substitute.person)
    for seat in seats:
        if seat.organization is not None:
            seat.substitutes = [p for p in by_organization.get(seat.organization.pk, []) if p.pk not in seen]
    return seats


def body_member_person_ids(body_ids: list[int], *, on: dt.date | None = None) -> set[int]:
    """People who sit today in any of these bodies (rule, by hand, or as a substitute): the
    audience filter "members of the bodies". One query per body with a rule, plus two."""
    ids: set[int] = set()
    for body in Body.objects.filter(pk__in=body_ids):
        ids.update(rule_positions(body, on=on).values_list("person_id", flat=True))
    ids.update(BodyMember.objects.filter(body_id__in=body_ids).values_list("person_id", flat=True))
    ids.update(Substitute.objects.filter(body_id__in=body_ids).values_list("person_id", flat=True))
    return ids


# --- Visibility ------------------------------------------------------------------------------------


def member_body_ids(organization_ids: set[int]) -> set[int]:
    """Bodies where one of these organisations has a seat (rule or by hand): three queries."""
    if not organization_ids:
        return set()
    today = timezone.localdate()
    ids = set(
        BodyMember.objects.filter(organization_id__in=organization_ids).values_list("body_id", flat=True)
    )
    organizations = {
        o.pk: o.kind for o in Organization.objects.filter(home_organizations_q(), pk__in=organization_ids)
    }
    held: set[tuple[int, str]] = {
        (organization_id, role)
        for organization_id, role in Position.objects.filter(
            current_positions_q(today), organization_id__in=organizations
        ).values_list("organization_id", "role")
    }
    for body in Body.objects.exclude(rule_role="").only("pk", "rule_role", "rule_kinds"):
        for organization_id, kind in organizations.items():
            if kind in (body.rule_kinds or []) and (organization_id, body.rule_role) in held:
                ids.add(body.pk)
    return ids


def body_visible_to(user: Any) -> QuerySet[Body]:
    """Staff: every body; correspondents: bodies where their organisation sits, and public ones;
    anonymous visitors: public bodies only."""
    bodies = Body.objects.all()
    if is_staff(user):
        return bodies
    if not (user.is_authenticated and user.is_active):
        return bodies.filter(is_public=True)
    return bodies.filter(Q(is_public=True) | Q(pk__in=member_body_ids(organization_ids_of(user))))


def sees_internals(user: Any, body: Body) -> bool:
    """Minutes, decisions, actions, invitations: staff and members' correspondents, never the public."""
    if is_staff(user):
        return True
    if not (user.is_authenticated and user.is_active):
        return False
    return body.pk in member_body_ids(organization_ids_of(user))


def body_list(*, user: Any) -> QuerySet[Body]:
    return (
        body_visible_to(user)
        .annotate(
            session_count=Count("sessions", distinct=True),
            open_action_count=Count("actions", filter=Q(actions__status=ActionStatus.OPEN), distinct=True),
        )
        .order_by("name", "pk")
    )


def session_visible_to(user: Any) -> QuerySet[MeetingSession]:
    return MeetingSession.objects.filter(body__in=body_visible_to(user))


def sessions_of(body: Body) -> QuerySet[MeetingSession]:
    return body.sessions.annotate(item_count=Count("agenda_items")).order_by("-starts_at", "-pk")


def open_actions_of_body(body: Body) -> QuerySet[MeetingAction]:
    """Open actions of the body, whatever the session that decided them (carried over until closed)."""
    return (
        MeetingAction.objects.filter(body=body, status=ActionStatus.OPEN)
        .select_related("session", "owner_person", "owner_user")
        .order_by("due_date", "pk")
    )


def session_detail(*, user: Any, pk: int) -> MeetingSession:
    return (
        session_visible_to(user)
        .select_related("body")
        .prefetch_related(
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.select_related("presenter", "topic").order_by("order", "pk"),
            ),
            "decisions",
        )
        .get(pk=pk)
    )


def proposals_of(session: MeetingSession, *, user: Any) -> list[AgendaProposal]:
    """Staff see every proposal of the session; a correspondent, those of their organisation."""
    proposals = session.proposals.select_related("organization", "decided_by")
    if not is_staff(user):
        proposals = proposals.filter(organization_id__in=organization_ids_of(user))
    return list(proposals)


def invitations_of(session: MeetingSession) -> QuerySet[Invitation]:
    return session.invitations.select_related("person", "organization", "proxy_person").order_by(
        "role", "organization__name", "person__last_name", "pk"
    )


@dataclass(frozen=True)
class Quorum:
    members: int
    present: int
    represented: int
    required: int | None

    @property
    def counted(self) -> int:
        return self.present + self.represented

    @property
    def reached(self) -> bool | None:
        return None if self.required is None else self.counted >= self.required


def quorum_of(session: MeetingSession, invitations: list[Invitation] | None = None) -> Quorum:
    """Present + represented members against the body's quorum (from the session's invitations)."""
    rows = invitations if invitations is not None else list(session.invitations.all())
    members = [i for i in rows if i.role == "member"]
    present = sum(1 for i in members if i.attendance == "present")
    represented = sum(1 for i in members if i.attendance == "represented")
    return Quorum(len(members), present, represented, session.body.quorum_for(len(members)))
