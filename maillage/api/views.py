"""Read-only API over the territorial referential and the directory.

Every view is ``PUBLIC`` at URL level: what each user sees is decided inside, by the
selectors (``person_visible_to``) and the serializers (personal fields of people).
Filters are explicit query parameters, validated here (a bad value gives a 400 that
names the parameter) and documented in the OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
import re
from email.header import Header
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import ReadOnlyModelViewSet

from maillage.agreements.models import Agreement, AgreementKind, AgreementParty, AgreementStatus, Commitment
from maillage.agreements.selectors import agreement_visible_to
from maillage.api.serializers import (
    AchievementSerializer,
    AgreementSerializer,
    BodySerializer,
    CommuneDetailSerializer,
    CommuneSerializer,
    CooperationSerializer,
    ErrorSerializer,
    OrganizationSerializer,
    PersonSerializer,
    SessionSerializer,
    TerritoryDetailSerializer,
    TerritorySerializer,
    TopicSerializer,
    Viewer,
)
from maillage.cooperation.models import (
    CommonTopic,
    Cooperation,
    CooperationParticipant,
    CooperationStatus,
    Milestone,
    TopicInterest,
    TopicStatus,
)
from maillage.core.access import AUTHENTICATED, PUBLIC, is_staff, organization_ids_of
from maillage.core.text import normalize
from maillage.diffusion.models import Achievement
from maillage.diffusion.selectors import achievement_list
from maillage.meetings import selectors as meeting_selectors
from maillage.meetings.models import AgendaItem, Body, Decision, MeetingSession, SessionStatus
from maillage.organizations.models import Organization, OrganizationKind
from maillage.organizations.selectors import organization_list
from maillage.people.models import ELECTED_ROLES, Person, Position, PositionRole

# ``_current`` is the selectors' one definition of "a position held today"; reused, not copied.
from maillage.people.selectors import _current, person_list, public_position_q
from maillage.territories.models import Commune, Territory
from maillage.territories.selectors import COMMUNE_SORTS, commune_resolve, home_communes, home_territories
from maillage.themes.models import Theme

NOTICE_HEADER = "X-Maillage-Notice"
SCOPES = ("home", "france")
_INSEE_CODE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")


# --- Query parameters --------------------------------------------------------------------------


def _text_param(request: Request, name: str) -> str:
    return (request.query_params.get(name) or "").strip()


def _choice_param(
    request: Request, name: str, choices: list[str] | tuple[str, ...], default: str = ""
) -> str:
    value = _text_param(request, name)
    if not value:
        return default
    if value not in choices:
        raise ValidationError(
            {
                name: [
                    _("Unknown value “%(value)s”. Accepted values: %(choices)s.")
                    % {"value": value, "choices": ", ".join(choices)}
                ]
            }
        )
    return value


def _int_param(request: Request, name: str) -> int | None:
    value = _text_param(request, name)
    if not value:
        return None
    if not value.isdigit():
        raise ValidationError(
            {name: [_("“%(value)s” is not an identifier (a positive integer).") % {"value": value}]}
        )
    return int(value)


def _header_value(text: str) -> str:
    """HTTP headers are ASCII: non-ASCII text is sent as an RFC 2047 encoded word."""
    return text if text.isascii() else Header(text, "utf-8", maxlinelen=10_000).encode()


def _not_found_schema(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


BAD_FILTER = OpenApiResponse(ErrorSerializer, description="A filter parameter has an invalid value.")
NOTICE_RESPONSE_HEADER = OpenApiParameter(
    NOTICE_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    description="Explains a former INSEE code given by the client and the commune that succeeded it "
    "(RFC 2047 encoded when not ASCII).",
)


class ReadOnlyViewSet(ReadOnlyModelViewSet):
    """GET, HEAD and OPTIONS only; public at URL level, data filtered per user inside."""

    access_rule = PUBLIC
    not_found_message = ""

    def get_object(self) -> Any:
        try:
            return super().get_object()
        except Http404:
            raise NotFound(self.not_found_message) from None


# --- Communes ----------------------------------------------------------------------------------

SCOPE_PARAM = OpenApiParameter(
    "scope",
    OpenApiTypes.STR,
    enum=list(SCOPES),
    default="home",
    description="`home` (default): the communes of the home territory only; `france`: the national referential.",
)


@extend_schema_view(
    list=extend_schema(
        summary="List communes",
        parameters=[
            SCOPE_PARAM,
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description="Part of the name, accents and case ignored (“epinay” finds Épinay-sur-Seine), "
                "or an INSEE code, former codes included.",
            ),
            OpenApiParameter("territory", OpenApiTypes.STR, description="SIREN of a territory (e.g. EPT)."),
            OpenApiParameter("department", OpenApiTypes.STR, description="Department code, e.g. `93`."),
            OpenApiParameter(
                "ordering",
                OpenApiTypes.STR,
                enum=list(COMMUNE_SORTS),
                default="name",
                description="Sort order; `-population` puts the largest communes first.",
            ),
            NOTICE_RESPONSE_HEADER,
        ],
        responses={200: CommuneSerializer(many=True), 400: BAD_FILTER},
    ),
    retrieve=extend_schema(
        summary="One commune",
        description="A former INSEE code (merged or absorbed commune) answers with the commune that "
        "succeeded it, a `notice` field explaining the succession, a `Link: rel=canonical` header "
        "and the same notice in the `X-Maillage-Notice` header.",
        parameters=[
            SCOPE_PARAM,
            OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="INSEE code."),
            NOTICE_RESPONSE_HEADER,
            OpenApiParameter(
                "Link",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[200],
                description='`<url>; rel="canonical"` when a former code was followed.',
            ),
        ],
        responses={
            200: CommuneDetailSerializer,
            400: BAD_FILTER,
            404: _not_found_schema("No commune with this code (in the scope asked)."),
        },
    ),
)
class CommuneViewSet(ReadOnlyViewSet):
    """Communes of the home territory, or of all France with ``?scope=france``."""

    serializer_class = CommuneSerializer
    lookup_field = "code"
    notice = ""

    def get_serializer_class(self) -> type[CommuneSerializer]:
        return CommuneDetailSerializer if self.action == "retrieve" else CommuneSerializer

    @property
    def scope(self) -> str:
        return _choice_param(self.request, "scope", SCOPES, "home")

    def scoped(self) -> QuerySet[Commune]:
        return home_communes() if self.scope == "home" else Commune.objects.all()

    def get_queryset(self) -> QuerySet[Commune]:
        if getattr(self, "swagger_fake_view", False):
            return Commune.objects.none()
        communes = (
            self.scoped().select_related("territory").defer("geometry", "search_name", "territory__geometry")
        )
        if self.action == "retrieve":
            return communes.prefetch_related(
                Prefetch("neighbours", queryset=Commune.objects.only("code").order_by("code"))
            )
        return self.filtered(communes)

    def filtered(self, communes: QuerySet[Commune]) -> QuerySet[Commune]:
        request = self.request
        ordering = _choice_param(request, "ordering", list(COMMUNE_SORTS), "name")
        if query := _text_param(request, "q"):
            matches = Q(code=query.upper())
            if needle := normalize(query):
                matches |= Q(search_name__contains=needle)
            if _INSEE_CODE.match(query.upper()):
                resolved = commune_resolve(query, queryset=self.scoped())
                if resolved.commune is not None and resolved.notice:
                    matches |= Q(pk=resolved.commune.pk)
                    self.notice = resolved.notice
            communes = communes.filter(matches)
        if territory := _text_param(request, "territory"):
            communes = communes.filter(territory_id=territory)
        if department := _text_param(request, "department"):
            communes = communes.filter(department_id=department.upper())
        sort = COMMUNE_SORTS[ordering]
        return communes.order_by(*sort, *(() if "code" in sort else ("code",)))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        if self.notice:
            response[NOTICE_HEADER] = _header_value(self.notice)
        return response

    def get_object(self) -> Commune:
        code = self.kwargs["code"]
        resolved = commune_resolve(code, queryset=self.get_queryset())
        if resolved.commune is None:
            raise NotFound(self.commune_not_found(code))
        commune = resolved.commune
        commune.api_notice = resolved.notice
        self.check_object_permissions(self.request, commune)
        return commune

    def commune_not_found(self, code: str) -> str:
        if self.scope == "home":
            elsewhere = commune_resolve(code).commune
            if elsewhere is not None:
                return _(
                    "%(name)s (%(code)s) is not part of the home territory; add ?scope=france to query "
                    "the national referential."
                ) % {"name": elsewhere.name, "code": elsewhere.code}
        return _("No commune has the INSEE code %(code)s.") % {"code": code}

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        commune = self.get_object()
        response = Response(self.get_serializer(commune).data)
        if commune.api_notice:
            url = reverse("api:commune-detail", kwargs={"code": commune.code})
            if self.scope != "home":
                url += f"?scope={self.scope}"
            response["Link"] = f'<{request.build_absolute_uri(url)}>; rel="canonical"'
            response[NOTICE_HEADER] = _header_value(commune.api_notice)
        return response


# --- Territories -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List the territories of the home intercommunality"),
    retrieve=extend_schema(
        summary="One territory",
        responses={
            200: TerritoryDetailSerializer,
            404: _not_found_schema("No territory of the home intercommunality has this SIREN."),
        },
    ),
)
class TerritoryViewSet(ReadOnlyViewSet):
    """Subdivisions of the home intercommunality (for the MGP: Paris and the 11 EPT)."""

    serializer_class = TerritorySerializer
    lookup_field = "siren"

    @property
    def not_found_message(self) -> str:  # type: ignore[override]
        return _("No territory of the home intercommunality has the SIREN %(siren)s.") % {
            "siren": self.kwargs.get("siren", "")
        }

    def get_serializer_class(self) -> type[TerritorySerializer]:
        return TerritoryDetailSerializer if self.action == "retrieve" else TerritorySerializer

    def get_queryset(self) -> QuerySet[Territory]:
        if getattr(self, "swagger_fake_view", False):
            return Territory.objects.none()
        territories = home_territories().defer("geometry").order_by("sort_key", "siren")
        if self.action == "retrieve":
            territories = territories.prefetch_related(
                Prefetch("communes", queryset=Commune.objects.only("code", "territory_id").order_by("code"))
            )
        return territories


# --- Organisations -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List organisations",
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="Words of the name, accents and case ignored."
            ),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=OrganizationKind.values, description="Kind."),
            OpenApiParameter(
                "territory",
                OpenApiTypes.STR,
                description="SIREN of a territory: organisations attached to it or to one of its communes.",
            ),
            OpenApiParameter(
                "commune",
                OpenApiTypes.STR,
                description="INSEE code of the commune; a former code is followed to its successor "
                "(explained in the `X-Maillage-Notice` header).",
            ),
            NOTICE_RESPONSE_HEADER,
        ],
        responses={200: OrganizationSerializer(many=True), 400: BAD_FILTER},
    ),
    retrieve=extend_schema(
        summary="One organisation",
        responses={200: OrganizationSerializer, 404: _not_found_schema("No organisation with this id.")},
    ),
)
class OrganizationViewSet(ReadOnlyViewSet):
    """The directory of organisations (public)."""

    serializer_class = OrganizationSerializer
    notice = ""

    @property
    def not_found_message(self) -> str:  # type: ignore[override]
        return _("This organisation does not exist.")

    def get_queryset(self) -> QuerySet[Organization]:
        if getattr(self, "swagger_fake_view", False):
            return Organization.objects.none()
        if self.action == "list":
            request = self.request
            commune = _text_param(request, "commune")
            if commune:
                resolved = commune_resolve(commune)
                if resolved.commune is not None:
                    commune = resolved.commune.code
                    self.notice = resolved.notice
            organizations = organization_list(
                query=_text_param(request, "q"),
                kind=_choice_param(request, "kind", OrganizationKind.values),
                territory=_text_param(request, "territory"),
                commune=commune,
            )
        else:
            organizations = organization_list()
        # Only the codes of the commune and territory are shown: no join on their outlines.
        return organizations.select_related(None).defer("search_text", "description")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        if self.notice:
            response[NOTICE_HEADER] = _header_value(self.notice)
        return response


# --- People ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List people",
        description="Anonymous visitors see the holders of public (elected) offices; correspondents also "
        "see the people of their organisation; agents and administrators see everyone. Personal fields "
        "(email, phone, GDPR data) are only included for staff and for correspondents of an "
        "organisation the person works for (`details_visible`).",
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="Words of the name, accents and case ignored."
            ),
            OpenApiParameter(
                "organization", OpenApiTypes.INT, description="Id of an organisation the person works for."
            ),
            OpenApiParameter(
                "role", OpenApiTypes.STR, enum=PositionRole.values, description="Role of a current position."
            ),
        ],
        responses={200: PersonSerializer(many=True), 400: BAD_FILTER},
    ),
    retrieve=extend_schema(
        summary="One person",
        responses={200: PersonSerializer, 404: _not_found_schema("No person with this id visible to you.")},
    ),
)
class PersonViewSet(ReadOnlyViewSet):
    """People of the directory, as far as the requesting user may see them."""

    serializer_class = PersonSerializer

    @property
    def not_found_message(self) -> str:  # type: ignore[override]
        return _("This person does not exist or is not visible to you.")

    @property
    def viewer(self) -> Viewer:
        if not hasattr(self, "_viewer"):
            self._viewer = Viewer.of(self.request.user)
        return self._viewer

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["viewer"] = self.viewer
        return context

    def get_queryset(self) -> QuerySet[Person]:
        if getattr(self, "swagger_fake_view", False):
            return Person.objects.none()
        user = self.request.user
        if self.action == "list":
            organization = _int_param(self.request, "organization")
            role = _choice_param(self.request, "role", PositionRole.values)
            people = person_list(
                user=user, query=_text_param(self.request, "q"), organization=organization, role=role
            )
            people = self.within_visible_positions(people, organization, role)
        else:
            people = person_list(user=user)
        if self.viewer.needs_all_positions:
            # Which organisations each person works or worked for, for Viewer.sees_details: one query.
            people = people.prefetch_related(
                Prefetch("positions", queryset=Position.objects.only("id", "person_id", "organization_id"))
            )
        return people.defer("notes", "search_text").order_by("last_name", "first_name", "pk")

    def within_visible_positions(
        self, people: QuerySet[Person], organization: int | None, role: str
    ) -> QuerySet[Person]:
        """Filters must not reveal positions the viewer cannot see (e.g. an elected official's job)."""
        viewer = self.viewer
        if viewer.staff:
            return people
        if organization is not None and organization not in viewer.organization_ids:
            people = people.filter(
                Exists(
                    Position.objects.filter(
                        public_position_q(), person=OuterRef("pk"), organization_id=organization
                    )
                )
            )
        if role and role not in ELECTED_ROLES:
            if not viewer.organization_ids:
                return people.none()
            people = people.filter(
                Exists(
                    Position.objects.filter(
                        _current(),
                        person=OuterRef("pk"),
                        role=role,
                        organization_id__in=viewer.organization_ids,
                    )
                )
            )
        return people


# --- Cooperation: common topics and cooperations ------------------------------------------------


def _slug_param(request: Request, name: str, queryset: QuerySet) -> str:
    """A code (slug) among those of ``queryset``, looked up only when the parameter is given."""
    if not _text_param(request, name):
        return ""
    return _choice_param(request, name, list(queryset.order_by("slug").values_list("slug", flat=True)))


def _theme_param(request: Request) -> str:
    return _slug_param(request, "theme", Theme.objects.all())


def _commune_param(request: Request) -> str:
    """An INSEE code; a former code is followed to the commune that succeeded it."""
    code = _text_param(request, "commune").upper()
    if not code:
        return ""
    if not _INSEE_CODE.match(code):
        raise ValidationError({"commune": [_("“%(value)s” is not an INSEE code.") % {"value": code}]})
    resolved = commune_resolve(code)
    return resolved.commune.code if resolved.commune is not None else code


THEME_PARAM = OpenApiParameter(
    "theme", OpenApiTypes.STR, description="Code (slug) of a theme of the taxonomy."
)
PARTY_PARAM = OpenApiParameter("party", OpenApiTypes.INT, description="Id of a participating organisation.")
COMMUNE_PARAM = OpenApiParameter(
    "commune",
    OpenApiTypes.STR,
    description="INSEE code of a commune: an organisation located in it (its own included) takes part. "
    "A former code is followed to its successor.",
)


TOPIC_COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "support_count",
    "territory_count",
    "cooperation_id",
    "created_at",
)


@extend_schema_view(
    list=extend_schema(
        summary="List common topics",
        description="Signed-in users only: an anonymous request is refused (403).",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=TopicStatus.values, description="Status."),
            THEME_PARAM,
        ],
        responses={
            200: TopicSerializer(many=True),
            400: BAD_FILTER,
            403: OpenApiResponse(ErrorSerializer, description="Not signed in."),
        },
    ),
    retrieve=extend_schema(
        summary="One common topic",
        responses={
            200: TopicSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Not signed in."),
            404: _not_found_schema("No topic with this id."),
        },
    ),
)
class TopicViewSet(ReadOnlyViewSet):
    """Common topics (sujets communs) proposed by organisations, with their support."""

    access_rule = AUTHENTICATED
    serializer_class = TopicSerializer

    @property
    def not_found_message(self) -> str:  # type: ignore[override]
        return _("This topic does not exist.")

    def get_queryset(self) -> QuerySet[CommonTopic]:
        if getattr(self, "swagger_fake_view", False):
            return CommonTopic.objects.none()
        topics = (
            CommonTopic.objects.select_related("proposer")
            .only(*TOPIC_COLUMNS, "proposer__id", "proposer__name")
            .prefetch_related(
                Prefetch("themes", queryset=Theme.objects.only("id", "slug")),
                Prefetch(
                    "interests",
                    queryset=TopicInterest.objects.select_related("organization").only(
                        "topic_id", "comment", "created_at", "organization__id", "organization__name"
                    ),
                ),
            )
        )
        if self.action == "retrieve":
            return topics
        if status := _choice_param(self.request, "status", TopicStatus.values):
            topics = topics.filter(status=status)
        if theme := _theme_param(self.request):
            topics = topics.filter(
                pk__in=CommonTopic.themes.through.objects.filter(theme__slug=theme).values("commontopic_id")
            )
        return topics.order_by("-support_count", "-created_at", "pk")


@extend_schema_view(
    list=extend_schema(
        summary="List cooperations",
        parameters=[
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=CooperationStatus.values, description="Status."
            ),
            THEME_PARAM,
            PARTY_PARAM,
            COMMUNE_PARAM,
        ],
        responses={200: CooperationSerializer(many=True), 400: BAD_FILTER},
    ),
    retrieve=extend_schema(
        summary="One cooperation",
        responses={200: CooperationSerializer, 404: _not_found_schema("No cooperation with this id.")},
    ),
)
class CooperationViewSet(ReadOnlyViewSet):
    """Thematic cooperations and joint projects, with their participants and milestones (public)."""

    serializer_class = CooperationSerializer

    @property
    def not_found_message(self) -> str:  # type: ignore[override]
        return _("This cooperation does not exist.")

    def get_queryset(self) -> QuerySet[Cooperation]:
        if getattr(self, "swagger_fake_view", False):
            return Cooperation.objects.none()
        cooperations = Cooperation.objects.defer("search_text").prefetch_related(
            Prefetch("themes", queryset=Theme.objects.only("id", "slug")),
            Prefetch(
                "participants",
                queryset=CooperationParticipant.objects.select_related("organization").only(
                    "cooperation_id", "role", "organization__id", "organization__name"
                ),
            ),
            Prefetch(
                "milestones",
                queryset=Milestone.objects.only("cooperation_id", "title", "due_date", "done_on"),
            ),
        )
        if self.action == "list":
            request = self.request
            if status := _choice_param(request, "status", CooperationStatus.values):
                cooperations = cooperations.filter(status=status)
            if theme := _theme_param(request):
                cooperations = cooperations.filter(
                    pk__in=Cooperation.themes.through.objects.filter(theme__slug=theme).values(
                        "cooperation_id"
                    )
                )
            participants = CooperationParticipant.objects.order_by()
            if (party := _int_param(request, "party")) is not None:
                cooperations = cooperations.filter(
                    pk__in=participants.filter(organization_id=party).values("cooperation_id")
                )
            if commune := _commune_param(request):
                cooperations = cooperations.filter(
                    pk__in=participants.filter(organization__commune_id=commune).values("cooperation_id")
                )
        return cooperations.order_by("-created_at", "-pk")


# --- Conventions (agreements) ------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List agreements (conventions)",
        description="Anonymous visitors see the public signed agreements; correspondents also those their "
        "organisation is party to; agents and administrators see all of them.",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=AgreementStatus.values, description="Status."),
            OpenApiParameter("kind", OpenApiTypes.STR, description="Code (slug) of the kind of agreement."),
            THEME_PARAM,
            OpenApiParameter("party", OpenApiTypes.INT, description="Id of an organisation party to it."),
            COMMUNE_PARAM,
        ],
        responses={200: AgreementSerializer(many=True), 400: BAD_FILTER},
    ),
    retrieve=extend_schema(
        summary="One agreement",
        responses={
            200: AgreementSerializer,
            404: _not_found_schema("No agreement with this id visible to you."),
        },
    ),
)
class AgreementViewSet(ReadOnlyViewSet):
    """The register of agreements, as far as the requesting user may see it."""

    serializer_class = AgreementSerializer

    @property
    def not_found_message(self) -> str:  # type: ignore[override]
        return _("This agreement does not exist or is not visible to you.")

    def get_queryset(self) -> QuerySet[Agreement]:
        if getattr(self, "swagger_fake_view", False):
            return Agreement.objects.none()
        agreements = (
            agreement_visible_to(self.request.user)
            .select_related("kind")
            .defer("search_text", "clauses")
            .prefetch_related(
                Prefetch("themes", queryset=Theme.objects.only("id", "slug")),
                Prefetch(
                    "parties",
                    queryset=AgreementParty.objects.select_related("organization")
                    .only(
                        "agreement_id",
                        "role",
                        "signed_on",
                        "organization__id",
                        "organization__name",
                        "organization__kind",
                        "organization__commune_id",
                    )
                    .prefetch_related(
                        Prefetch(
                            "commitments",
                            queryset=Commitment.objects.only("party_id", "year", "amount").order_by(
                                "year", "pk"
                            ),
                        )
                    ),
                ),
            )
        )
        if self.action == "list":
            agreements = self.filtered(agreements)
        return agreements.order_by("-created_at", "-pk")

    def filtered(self, agreements: QuerySet[Agreement]) -> QuerySet[Agreement]:
        request = self.request
        if status := _choice_param(request, "status", AgreementStatus.values):
            agreements = agreements.filter(status=status)
        if kind := _slug_param(request, "kind", AgreementKind.objects.all()):
            agreements = agreements.filter(kind__slug=kind)
        if theme := _theme_param(request):
            agreements = agreements.filter(
                pk__in=Agreement.themes.through.objects.filter(theme__slug=theme).values("agreement_id")
            )
        parties = AgreementParty.objects.order_by()
        if (party := _int_param(request, "party")) is not None:
            agreements = agreements.filter(
                pk__in=parties.filter(organization_id=party).values("agreement_id")
            )
        if commune := _commune_param(request):
            agreements = agreements.filter(
                pk__in=parties.filter(organization__commune_id=commune).values("agreement_id")
            )
        return agreements


# --- Meetings: bodies and sessions -----------------------------------------------------------------


def _date_param(request: Request, name: str) -> dt.date | None:
    value = _text_param(request, name)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            {name: [_("“%(value)s” is not a date (expected YYYY-MM-DD).") % {"value": value}]}
        ) from None


DATE_FROM_PARAM = OpenApiParameter(
    "date_from", OpenApiTypes.DATE, description="Only from this date on (inclusive, YYYY-MM-DD)."
)
DATE_TO_PARAM = OpenApiParameter(
    "date_to", OpenApiTypes.DATE, description="Only up to this date (inclusive, YYYY-MM-DD)."
)
MEETINGS_VISIBILITY = (
    "Agents and administrators see every body; correspondents the bodies where their organisation "
    "has a seat, and the public ones; anonymous visitors the public bodies only."
)


@extend_schema_view(
    list=extend_schema(
        summary="List bodies (instances)",
        description=MEETINGS_VISIBILITY,
        responses={200: BodySerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="One body",
        responses={200: BodySerializer, 404: _not_found_schema("No body with this id visible to you.")},
    ),
)
class BodyViewSet(ReadOnlyViewSet):
    """Bodies of the cooperation (instances), as far as the requesting user may see them."""

    serializer_class = BodySerializer

    @property
    def not_found_message(self) -> str:  # type: ignore[override]
        return _("This body does not exist or is not visible to you.")

    def get_queryset(self) -> QuerySet[Body]:
        if getattr(self, "swagger_fake_view", False):
            return Body.objects.none()
        return meeting_selectors.body_list(user=self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary="List sessions (séances) with their agenda",
        description=MEETINGS_VISIBILITY
        + " Minutes and decisions are only included for agents, administrators and the correspondents "
        "of a member organisation, never for public bodies' visitors.",
        parameters=[
            OpenApiParameter("body", OpenApiTypes.INT, description="Id of a body."),
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=SessionStatus.values, description="Status of the session."
            ),
            DATE_FROM_PARAM,
            DATE_TO_PARAM,
        ],
        responses={200: SessionSerializer(many=True), 400: BAD_FILTER},
    ),
    retrieve=extend_schema(
        summary="One session",
        responses={
            200: SessionSerializer,
            404: _not_found_schema("No session with this id visible to you."),
        },
    ),
)
class SessionViewSet(ReadOnlyViewSet):
    """Sessions of the bodies the requesting user may see, with their agenda items."""

    serializer_class = SessionSerializer

    @property
    def not_found_message(self) -> str:  # type: ignore[override]
        return _("This session does not exist or is not visible to you.")

    def internal_body_ids(self) -> set[int] | None:
        """Bodies whose minutes and decisions the user sees (None: all of them); computed once."""
        if not hasattr(self, "_internal_body_ids"):
            user = self.request.user
            if is_staff(user):
                self._internal_body_ids: set[int] | None = None
            elif user.is_authenticated and user.is_active:
                self._internal_body_ids = meeting_selectors.member_body_ids(organization_ids_of(user))
            else:
                self._internal_body_ids = set()
        return self._internal_body_ids

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and hasattr(self, "request"):
            context["internal_body_ids"] = self.internal_body_ids()
        return context

    def get_queryset(self) -> QuerySet[MeetingSession]:
        if getattr(self, "swagger_fake_view", False):
            return MeetingSession.objects.none()
        internal = self.internal_body_ids()
        decisions = Decision.objects.only("session_id", "text")
        if internal is not None:
            decisions = decisions.filter(session__body_id__in=internal)
        sessions = (
            meeting_selectors.session_visible_to(self.request.user)
            .select_related("body")
            .only(
                *(f.name for f in MeetingSession._meta.concrete_fields if f.name != "body"),
                "body__id",
                "body__name",
                "body__is_public",
            )
            .prefetch_related(
                Prefetch(
                    "agenda_items",
                    queryset=AgendaItem.objects.only(
                        "session_id", "order", "title", "description", "topic_id"
                    ).order_by("order", "pk"),
                ),
                Prefetch("decisions", queryset=decisions.order_by("pk")),
            )
        )
        if self.action == "list":
            request = self.request
            if (body := _int_param(request, "body")) is not None:
                sessions = sessions.filter(body_id=body)
            if status := _choice_param(request, "status", SessionStatus.values):
                sessions = sessions.filter(status=status)
            if (start := _date_param(request, "date_from")) is not None:
                sessions = sessions.filter(starts_at__date__gte=start)
            if (end := _date_param(request, "date_to")) is not None:
                sessions = sessions.filter(starts_at__date__lte=end)
        return sessions.order_by("-starts_at", "-pk")


# --- Diffusion: published achievements -------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List published achievements (réalisations)",
        description="Only published achievements, for everyone; a linked convention is given only when "
        "it is public.",
        parameters=[THEME_PARAM, DATE_FROM_PARAM, DATE_TO_PARAM],
        responses={200: AchievementSerializer(many=True), 400: BAD_FILTER},
    ),
    retrieve=extend_schema(
        summary="One published achievement",
        responses={
            200: AchievementSerializer,
            404: _not_found_schema("No published achievement with this id."),
        },
    ),
)
class AchievementViewSet(ReadOnlyViewSet):
    """Published achievements of the cooperation (public)."""

    serializer_class = AchievementSerializer

    @property
    def not_found_message(self) -> str:  # type: ignore[override]
        return _("This achievement does not exist or is not published.")

    def get_queryset(self) -> QuerySet[Achievement]:
        if getattr(self, "swagger_fake_view", False):
            return Achievement.objects.none()
        # Published only, whatever the user (no user given to the selector: staff drafts stay out).
        achievements = (
            achievement_list()
            .prefetch_related(None)  # the selector's own prefetch is replaced by leaner ones below
            .select_related("agreement")
            .only(
                "id",
                "title",
                "summary",
                "body",
                "date",
                "published_at",
                "cooperation_id",
                "agreement__id",
                "agreement__is_public",
            )
            .prefetch_related(
                Prefetch("themes", queryset=Theme.objects.only("id", "slug")),
                Prefetch("communes", queryset=Commune.objects.only("code")),
                Prefetch("organizations", queryset=Organization.objects.only("id", "name")),
            )
        )
        if self.action == "list":
            request = self.request
            if theme := _theme_param(request):
                achievements = achievements.filter(
                    pk__in=Achievement.themes.through.objects.filter(theme__slug=theme).values(
                        "achievement_id"
                    )
                )
            if (start := _date_param(request, "date_from")) is not None:
                achievements = achievements.filter(date__gte=start)
            if (end := _date_param(request, "date_to")) is not None:
                achievements = achievements.filter(date__lte=end)
        return achievements.order_by("-date", "-pk")
