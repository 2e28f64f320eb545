"""Bodies (instances), their sessions (séances), agenda, invitations, attendance, minutes and actions.

Membership of a body is a RULE over the directory (a position role in organisations of given
kinds of the home territory, evaluated against CURRENT positions at read time) plus members
added by hand. Substitutes belong to a seat, i.e. to (body, organisation): they survive a change
of the person holding the seat. Who was invited to a session, and for which organisation, is
frozen in its Invitation rows: participation statistics read those, never the current directory.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from maillage.core.models import TimeStamped, Versioned
from maillage.organizations.models import OrganizationKind
from maillage.people.models import PositionRole

RULE_KINDS = [
    (OrganizationKind.COMMUNE.value, OrganizationKind.COMMUNE.label),
    (OrganizationKind.EPT.value, OrganizationKind.EPT.label),
    (OrganizationKind.METROPOLE.value, OrganizationKind.METROPOLE.label),
]


class QuorumKind(models.TextChoices):
    NONE = "", _("No quorum")
    NUMBER = "number", _("Number of members")
    PERCENT = "percent", _("Percentage of members")


class Body(TimeStamped, Versioned):
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True)
    is_public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_("Everyone sees its sessions and agendas (never minutes, decisions or attendance)."),
    )
    quorum_kind = models.CharField(
        _("quorum"), max_length=10, choices=QuorumKind.choices, default=QuorumKind.NONE, blank=True
    )
    quorum_value = models.PositiveIntegerField(_("quorum value"), null=True, blank=True)
    rule_role = models.CharField(
        _("members: role"),
        max_length=40,
        choices=PositionRole.choices,
        blank=True,
        help_text=_("Every current holder of this role in the organisations of the kinds below is a member."),
    )
    rule_kinds = models.JSONField(_("members: kinds of organisation"), default=list, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_kind="") | Q(quorum_value__isnull=False),
                name="body_quorum_has_value",
                violation_error_message=_("Give the quorum value, or choose no quorum."),
            ),
            models.CheckConstraint(
                condition=~Q(quorum_kind="percent") | Q(quorum_value__lte=100),
                name="body_quorum_percent",
                violation_error_message=_("A quorum in percent is at most 100."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_rule(self) -> bool:
        return bool(self.rule_role and self.rule_kinds)

    def quorum_for(self, member_count: int) -> int | None:
        """How many members (present or represented) make the quorum, or None without one."""
        if self.quorum_kind == QuorumKind.NUMBER:
            return self.quorum_value
        if self.quorum_kind == QuorumKind.PERCENT and self.quorum_value is not None:
            return -(-member_count * self.quorum_value // 100)  # ceiling
        return None


class BodyMember(TimeStamped):
    """A member added by hand (besides the rule), sitting for an organisation."""

    body = models.ForeignKey(Body, verbose_name=_("body"), on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="body_seats"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("on behalf of"),
        on_delete=models.PROTECT,
        related_name="body_seats",
    )

    class Meta:
        ordering = ["organization__name", "pk"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "person"],
                name="body_member_unique",
                violation_error_message=_("This person is already a member of the body."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.organization})"


class Substitute(TimeStamped):
    """A substitute (suppléant) for the seat of an organisation in a body."""

    body = models.ForeignKey(
        Body, verbose_name=_("body"), on_delete=models.CASCADE, related_name="substitutes"
    )
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("seat of"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("substitute"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["organization__name", "pk"]
        verbose_name = _("substitute")
        verbose_name_plural = _("substitutes")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "organization", "person"],
                name="body_substitute_unique",
                violation_error_message=_("This person is already a substitute for this seat."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.organization})"


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingSession(TimeStamped, Versioned):
    body = models.ForeignKey(Body, verbose_name=_("body"), on_delete=models.PROTECT, related_name="sessions")
    title = models.CharField(_("title"), max_length=200, blank=True)
    cycle = models.CharField(
        _("cycle"), max_length=50, blank=True, db_index=True, help_text=_("For example 2026 or 2026-S1.")
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    address = models.CharField(_("place (address)"), max_length=300, blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    minutes = models.TextField(_("minutes"), blank=True)
    # iCalendar SEQUENCE of what was last sent; bumped by each update or cancellation sent.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    invitations_sent_at = models.DateTimeField(
        _("invitations sent at"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after",
                violation_error_message=_("The session must end after it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(address="") | ~Q(video_url=""),
                name="session_has_place",
                violation_error_message=_("Give a place, a video link, or both."),
            ),
        ]

    def __str__(self) -> str:
        label = self.title or str(self.body)
        return f"{label} – {self.starts_at:%d/%m/%Y}"

    @property
    def uid(self) -> str:
        """Stable iCalendar UID: the same for every update and the cancellation."""
        return f"maillage-meeting-session-{self.pk}@maillage"


class AgendaItem(TimeStamped):
    session = models.ForeignKey(
        MeetingSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="agenda_items"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    presenter = models.ForeignKey(
        "people.Person", verbose_name=_("presenter"), null=True, blank=True, on_delete=models.SET_NULL
    )
    topic = models.ForeignKey(
        "cooperation.CommonTopic",
        verbose_name=_("common topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agenda_items",
    )
    document = models.FileField(_("document"), upload_to="meetings/%Y/", blank=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", pgettext_lazy("agenda proposal", "Accepted")
    DECLINED = "declined", pgettext_lazy("agenda proposal", "Declined")


class AgendaProposal(TimeStamped):
    """An agenda item proposed by a member organisation; the métropole's agents accept it (it
    becomes an AgendaItem) or decline it, with a note either way."""

    session = models.ForeignKey(
        MeetingSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="proposals"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("proposed by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("why this item"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note to the proposer"), max_length=300, blank=True)
    agenda_item = models.OneToOneField(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposal"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("agenda proposal")
        verbose_name_plural = _("agenda proposals")

    def __str__(self) -> str:
        return self.title

    # Lifecycle: proposed → accepted | declined, once.
    TRANSITIONS = {ProposalStatus.PROPOSED: {ProposalStatus.ACCEPTED, ProposalStatus.DECLINED}}

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())


class InvitationRole(models.TextChoices):
    MEMBER = "member", _("Member")
    SUBSTITUTE = "substitute", _("Substitute (informed)")


class Response(models.TextChoices):
    PENDING = "", _("No answer yet")
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    REPRESENTED = "represented", _("Represented")


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(TimeStamped):
    """One per (session, person): whom we invited, for which seat, what they answered, who came."""

    session = models.ForeignKey(
        MeetingSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="invitations"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="invitations"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=12, choices=InvitationRole.choices)
    token = models.CharField(max_length=64, default=_new_token, editable=False)
    sent_sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    response = models.CharField(
        _("answer"), max_length=12, choices=Response.choices, default=Response.PENDING, blank=True
    )
    proxy_name = models.CharField(_("represented by"), max_length=200, blank=True)
    proxy_person = models.ForeignKey(
        "people.Person",
        verbose_name=_("represented by (member)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    attendance = models.CharField(
        _("attendance"), max_length=12, choices=Response.choices, default=Response.PENDING, blank=True
    )
    attendance_proxy = models.CharField(_("represented by (on the day)"), max_length=200, blank=True)

    class Meta:
        ordering = ["organization__name", "person__last_name", "pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                name="invitation_unique_person",
                violation_error_message=_("This person is already invited to the session."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.session}"

    @property
    def counts_for_quorum(self) -> bool:
        return self.role == InvitationRole.MEMBER and self.attendance in (
            Response.PRESENT,
            Response.REPRESENTED,
        )


class Decision(TimeStamped):
    session = models.ForeignKey(
        MeetingSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.TextField(_("decision"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.text[:80]


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class MeetingAction(TimeStamped):
    """An action decided in a session; it stays on the body's next sessions until closed."""

    body = models.ForeignKey(Body, verbose_name=_("body"), on_delete=models.CASCADE, related_name="actions")
    session = models.ForeignKey(
        MeetingSession, verbose_name=_("decided in"), on_delete=models.CASCADE, related_name="actions"
    )
    description = models.CharField(_("action"), max_length=300)
    owner_person = models.ForeignKey(
        "people.Person", verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (account)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        indexes = [models.Index(fields=["body", "status"])]

    def __str__(self) -> str:
        return self.description

    @property
    def owner(self) -> object | None:
        return self.owner_person or self.owner_user
