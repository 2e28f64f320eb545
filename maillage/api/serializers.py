"""Read-only representations of the referential and the directory.

Everything here is output only: the API does not accept writes. Fields are marked
read-only so the OpenAPI document lists them as always present, except the personal
data of a person, which is only present when the viewer may see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from maillage.agreements.models import Agreement, AgreementKind, AgreementParty, Commitment
from maillage.cooperation.models import (
    CommonTopic,
    Cooperation,
    CooperationParticipant,
    Milestone,
    TopicInterest,
)
from maillage.core.access import is_staff, organization_ids_of
from maillage.diffusion.models import Achievement
from maillage.meetings.models import AgendaItem, Body, Decision, MeetingSession
from maillage.organizations.models import Organization
from maillage.people.models import ELECTED_ROLES, Person, Position
from maillage.territories.models import Commune, Territory


class ErrorSerializer(serializers.Serializer):
    """Body of a 4xx answer."""

    detail = serializers.CharField(read_only=True)


# --- Territorial referential -------------------------------------------------------------------


class TerritoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Territory
        fields = ["siren", "number", "name"]
        read_only_fields = fields


class CommuneSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department_id", read_only=True, help_text="Department code.")
    epci = serializers.CharField(
        source="epci_id", read_only=True, allow_null=True, help_text="SIREN of the intercommunality."
    )
    territory = TerritoryRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Commune
        fields = ["code", "name", "department", "territory", "epci", "population"]
        read_only_fields = fields


class CommuneDetailSerializer(CommuneSerializer):
    neighbours = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code", help_text="INSEE codes of the adjacent communes."
    )
    notice = serializers.SerializerMethodField(
        help_text="Set when the requested code is a former code: explains which commune succeeded it."
    )

    class Meta(CommuneSerializer.Meta):
        fields = [*CommuneSerializer.Meta.fields, "neighbours", "notice"]
        read_only_fields = fields

    def get_notice(self, commune: Commune) -> str:
        return getattr(commune, "api_notice", "")


class TerritorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Territory
        fields = ["siren", "number", "name", "population", "commune_count"]
        read_only_fields = fields


class TerritoryDetailSerializer(TerritorySerializer):
    communes = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code", help_text="INSEE codes of the member communes."
    )

    class Meta(TerritorySerializer.Meta):
        fields = [*TerritorySerializer.Meta.fields, "communes"]
        read_only_fields = fields


# --- Directory ---------------------------------------------------------------------------------


class OrganizationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    commune = serializers.CharField(
        source="commune_id", read_only=True, allow_null=True, help_text="INSEE code of the commune."
    )
    territory = serializers.CharField(
        source="territory_id", read_only=True, allow_null=True, help_text="SIREN of the territory."
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "kind",
            "kind_label",
            "name",
            "siren",
            "siret",
            "address",
            "postal_code",
            "city",
            "website",
            "commune",
            "territory",
        ]
        read_only_fields = fields


@dataclass(frozen=True)
class Viewer:
    """What the requesting user may see of people, computed once per request (no query).

    Mirrors :func:`maillage.people.perms.can_view_person_details` (staff, or a correspondent
    of an organisation the person works or worked for) without a query per person: the
    organisations are compared with positions prefetched by the view.
    """

    staff: bool
    organization_ids: frozenset[int]

    @classmethod
    def of(cls, user: Any) -> Viewer:
        return cls(staff=is_staff(user), organization_ids=frozenset(organization_ids_of(user)))

    @property
    def needs_all_positions(self) -> bool:
        """Whether the detail check must look at every position of each person (correspondents)."""
        return not self.staff and bool(self.organization_ids)

    def sees_details(self, person: Person) -> bool:
        if self.staff:
            return True
        if not self.organization_ids:
            return False
        return any(position.organization_id in self.organization_ids for position in person.positions.all())

    def sees_position(self, position: Position) -> bool:
        """Elected offices are public; other positions only for staff and the organisation's correspondents."""
        return (
            self.staff or position.role in ELECTED_ROLES or position.organization_id in self.organization_ids
        )


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name"]
        read_only_fields = fields


class PositionSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Position
        fields = ["organization", "role", "role_label", "title", "start_date", "end_date"]
        read_only_fields = fields


PERSONAL_FIELDS = (
    "email",
    "phone",
    "legal_basis",
    "source",
    "newsletter_consent",
    "last_interaction_at",
    "retention_until",
)


class PersonSerializer(serializers.ModelSerializer):
    """A person of the directory; the personal fields are only present when `details_visible` is true."""

    # Expects ``viewer`` (a Viewer) in the context and people from people.selectors.person_list
    # (``current_positions`` prefetched; all ``positions`` too when the viewer is a correspondent).

    positions = serializers.SerializerMethodField(help_text="Current positions the viewer may see.")
    details_visible = serializers.SerializerMethodField(
        help_text="Whether the personal fields (email, phone, GDPR data) are included."
    )
    # Optional in the schema: present only when ``details_visible`` is true.
    email = serializers.EmailField(required=False)
    phone = serializers.CharField(required=False)
    legal_basis = serializers.ChoiceField(
        choices=Person._meta.get_field("legal_basis").choices, required=False
    )
    source = serializers.CharField(required=False)
    newsletter_consent = serializers.BooleanField(required=False)
    last_interaction_at = serializers.DateField(required=False, allow_null=True)
    retention_until = serializers.DateField(required=False)

    class Meta:
        model = Person
        fields = ["id", "first_name", "last_name", "positions", "details_visible", *PERSONAL_FIELDS]
        read_only_fields = ["id", "first_name", "last_name"]

    @property
    def viewer(self) -> Viewer:
        viewer = self.context.get("viewer")
        if viewer is None:
            request = self.context.get("request")
            viewer = Viewer.of(request.user if request is not None else AnonymousUser())
            self.context["viewer"] = viewer
        return viewer

    @extend_schema_field(PositionSerializer(many=True))
    def get_positions(self, person: Person) -> list[dict[str, Any]]:
        current = getattr(person, "current_positions", None)
        if current is None:  # not from person_list: fall back on the current positions
            current = [p for p in person.positions.all() if p.is_current]
        visible = [position for position in current if self.viewer.sees_position(position)]
        return PositionSerializer(visible, many=True, context=self.context).data

    def get_details_visible(self, person: Person) -> bool:
        return self.viewer.sees_details(person)

    def to_representation(self, person: Person) -> dict[str, Any]:
        data = super().to_representation(person)
        if not data["details_visible"]:
            for name in PERSONAL_FIELDS:
                data.pop(name, None)
        return data


# --- Cooperation: common topics and cooperations ------------------------------------------------


class TopicInterestSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = TopicInterest
        fields = ["organization", "comment", "created_at"]
        read_only_fields = fields


class TopicSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    themes = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug", help_text="Codes of the themes."
    )
    proposer = OrganizationRefSerializer(read_only=True, help_text="Organisation that proposed the topic.")
    cooperation = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of the cooperation the topic turned into."
    )
    support_count = serializers.IntegerField(
        read_only=True, help_text="Number of organisations that declared their interest."
    )
    territory_count = serializers.IntegerField(
        read_only=True, help_text="Number of distinct territories of those organisations."
    )
    interests = TopicInterestSerializer(many=True, read_only=True, help_text="Declared interests.")

    class Meta:
        model = CommonTopic
        fields = [
            "id",
            "title",
            "description",
            "status",
            "status_label",
            "themes",
            "proposer",
            "support_count",
            "territory_count",
            "cooperation",
            "created_at",
            "interests",
        ]
        read_only_fields = fields


class ParticipantSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = CooperationParticipant
        fields = ["organization", "role", "role_label"]
        read_only_fields = fields


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["title", "due_date", "done_on"]
        read_only_fields = fields


class CooperationSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    themes = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug", help_text="Codes of the themes."
    )
    participants = ParticipantSerializer(many=True, read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = Cooperation
        fields = [
            "id",
            "title",
            "description",
            "objectives",
            "status",
            "status_label",
            "themes",
            "start_date",
            "end_date",
            "participants",
            "milestones",
        ]
        read_only_fields = fields


# --- Conventions (agreements) ------------------------------------------------------------------


class AgreementKindSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgreementKind
        fields = ["slug", "name", "is_financial"]
        read_only_fields = fields


class CommitmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commitment
        fields = ["year", "amount"]
        read_only_fields = fields


class PartyOrganizationSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(
        source="commune_id", read_only=True, allow_null=True, help_text="INSEE code of its commune."
    )

    class Meta:
        model = Organization
        fields = ["id", "name", "kind", "commune"]
        read_only_fields = fields


class AgreementPartySerializer(serializers.ModelSerializer):
    organization = PartyOrganizationSerializer(read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    commitments = CommitmentSerializer(many=True, read_only=True, help_text="Amounts committed per year.")
    committed_amount = serializers.SerializerMethodField(help_text="Sum of the commitments (euros).")

    class Meta:
        model = AgreementParty
        fields = ["organization", "role", "role_label", "signed_on", "commitments", "committed_amount"]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2))
    def get_committed_amount(self, party: AgreementParty) -> str:
        total = sum((commitment.amount for commitment in party.commitments.all()), Decimal(0))
        return f"{total:.2f}"


class AgreementSerializer(serializers.ModelSerializer):
    kind = AgreementKindSerializer(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    themes = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug", help_text="Codes of the themes."
    )
    cooperation = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of the cooperation the agreement belongs to."
    )
    parties = AgreementPartySerializer(many=True, read_only=True)
    total_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, help_text="Sum of all commitments (euros)."
    )

    class Meta:
        model = Agreement
        fields = [
            "id",
            "reference",
            "title",
            "purpose",
            "kind",
            "status",
            "status_label",
            "is_public",
            "themes",
            "cooperation",
            "signed_on",
            "effective_on",
            "expires_on",
            "duration_months",
            "tacit_renewal",
            "renewal_period_months",
            "notice_days",
            "total_amount",
            "parties",
        ]
        read_only_fields = fields


# --- Meetings: bodies and sessions ---------------------------------------------------------------


class BodySerializer(serializers.ModelSerializer):
    """A body (instance). Expects bodies from ``meetings.selectors.body_list`` (counts annotated)."""

    quorum_kind_label = serializers.CharField(source="get_quorum_kind_display", read_only=True)
    # Same choices as a position's role: a plain string here, so the schema has one role enum.
    rule_role = serializers.CharField(
        read_only=True, help_text="Position role whose holders are members (empty without a rule)."
    )
    rule_role_label = serializers.CharField(source="get_rule_role_display", read_only=True)
    rule_kinds = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Kinds of organisation of the rule."
    )
    session_count = serializers.IntegerField(read_only=True, help_text="Number of sessions.")

    class Meta:
        model = Body
        fields = [
            "id",
            "name",
            "purpose",
            "is_public",
            "quorum_kind",
            "quorum_kind_label",
            "quorum_value",
            "rule_role",
            "rule_role_label",
            "rule_kinds",
            "session_count",
        ]
        read_only_fields = fields


class BodyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Body
        fields = ["id", "name", "is_public"]
        read_only_fields = fields


class AgendaItemSerializer(serializers.ModelSerializer):
    topic = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of the common topic the item comes from."
    )

    class Meta:
        model = AgendaItem
        fields = ["order", "title", "description", "topic"]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["text"]
        read_only_fields = fields


class SessionSerializer(serializers.ModelSerializer):
    """A session with its agenda; minutes and decisions only for staff and members' correspondents.

    Expects ``internal_body_ids`` in the context: None for "every body", else a set of body ids.
    """

    body = BodyRefSerializer(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    agenda_items = AgendaItemSerializer(many=True, read_only=True)
    internals_visible = serializers.SerializerMethodField(
        help_text="Whether the minutes and decisions are included (never for the public)."
    )
    # Optional in the schema: present only when ``internals_visible`` is true.
    minutes = serializers.CharField(required=False)
    decisions = DecisionSerializer(many=True, required=False)

    class Meta:
        model = MeetingSession
        fields = [
            "id",
            "body",
            "title",
            "cycle",
            "starts_at",
            "ends_at",
            "address",
            "video_url",
            "status",
            "status_label",
            "agenda_items",
            "internals_visible",
            "minutes",
            "decisions",
        ]
        read_only_fields = [f for f in fields if f not in ("minutes", "decisions")]

    def get_internals_visible(self, session: MeetingSession) -> bool:
        internal = self.context.get("internal_body_ids", set())
        return internal is None or session.body_id in internal

    def to_representation(self, session: MeetingSession) -> dict[str, Any]:
        data = super().to_representation(session)
        if not data["internals_visible"]:
            data.pop("minutes", None)
            data.pop("decisions", None)
        return data


# --- Diffusion: achievements ---------------------------------------------------------------------


class AchievementSerializer(serializers.ModelSerializer):
    themes = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug", help_text="Codes of the themes."
    )
    communes = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="INSEE codes of the communes concerned."
    )
    organizations = OrganizationRefSerializer(many=True, read_only=True)
    agreement = serializers.SerializerMethodField(
        help_text="Id of the linked convention, when it is public (or the viewer is staff)."
    )
    cooperation = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of the linked cooperation."
    )

    class Meta:
        model = Achievement
        fields = [
            "id",
            "title",
            "summary",
            "body",
            "date",
            "themes",
            "communes",
            "organizations",
            "agreement",
            "cooperation",
            "published_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_agreement(self, achievement: Achievement) -> int | None:
        # Same rule as the public page: a linked convention is shown only if it is public.
        agreement = achievement.agreement
        return agreement.pk if agreement is not None and agreement.is_public else None
