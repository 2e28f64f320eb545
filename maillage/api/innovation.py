"""API endpoints of the innovation app, registered on the /api/v1/ router by maillage/api/urls.py.

``/api/v1/solutions/`` and ``/api/v1/replications/``: read-only. Public solutions for everyone,
internal ones for signed-in accounts (the selectors decide); replications follow their solution.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from maillage.api.views import (
    BAD_FILTER,
    ReadOnlyViewSet,
    _choice_param,
    _commune_param,
    _int_param,
    _not_found_schema,
)
from maillage.innovation.models import Replication, ReplicationOutcome, Solution, SolutionKind, SolutionStage
from maillage.innovation.selectors import deployed_in, replication_visible_to, solution_visible_to
from maillage.organizations.models import Organization
from maillage.themes.models import Theme


class HolderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name"]
        read_only_fields = fields


class SolutionReplicationSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="commune_id", read_only=True, help_text="INSEE code.")
    commune_name = serializers.CharField(source="commune.name", read_only=True)
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = Replication
        fields = ["id", "commune", "commune_name", "parent", "date", "outcome", "outcome_label"]
        read_only_fields = fields


class SolutionSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    origin_commune = serializers.CharField(
        source="origin_commune_id",
        read_only=True,
        allow_null=True,
        help_text="INSEE code of the origin commune.",
    )
    themes = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug", help_text="Theme codes."
    )
    holders = HolderSerializer(many=True, read_only=True)
    replications = SolutionReplicationSerializer(many=True, read_only=True)

    class Meta:
        model = Solution
        fields = [
            "id",
            "title",
            "summary",
            "description",
            "kind",
            "kind_label",
            "stage",
            "stage_label",
            "visibility",
            "origin_commune",
            "holders",
            "themes",
            "sites",
            "results",
            "evaluation",
            "cost_eur",
            "funding",
            "licence",
            "repository_url",
            "website_url",
            "replications",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReplicationSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="commune_id", read_only=True, help_text="INSEE code.")
    commune_name = serializers.CharField(source="commune.name", read_only=True)
    solution_title = serializers.CharField(source="solution.title", read_only=True)
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = Replication
        fields = [
            "id",
            "solution",
            "solution_title",
            "commune",
            "commune_name",
            "parent",
            "date",
            "adaptation_notes",
            "cost_eur",
            "outcome",
            "outcome_label",
            "outcome_notes",
        ]
        read_only_fields = fields


KIND_PARAM = OpenApiParameter(
    "kind", OpenApiTypes.STR, enum=SolutionKind.values, description="Kind of solution."
)
STAGE_PARAM = OpenApiParameter("stage", OpenApiTypes.STR, enum=SolutionStage.values, description="Stage.")
COMMUNE_FILTER = OpenApiParameter(
    "commune",
    OpenApiTypes.STR,
    description="INSEE code: solutions born or reproduced in this commune (former codes are followed).",
)


@extend_schema_view(
    list=extend_schema(
        summary="List solutions of the innovation catalogue",
        description="Public solutions for everyone; internal ones too for signed-in users.",
        parameters=[KIND_PARAM, STAGE_PARAM, COMMUNE_FILTER],
        responses={200: SolutionSerializer(many=True), 400: BAD_FILTER},
    ),
    retrieve=extend_schema(
        summary="One solution, with its replications",
        responses={200: SolutionSerializer, 404: _not_found_schema("No visible solution with this id.")},
    ),
)
class SolutionViewSet(ReadOnlyViewSet):
    """Innovative solutions (projects, digital services and commons, methods…) and where they are deployed."""

    serializer_class = SolutionSerializer

    @property
    def not_found_message(self) -> str:  # type: ignore[override]
        return _("This solution does not exist or is not visible to you.")

    def get_queryset(self) -> QuerySet[Solution]:
        if getattr(self, "swagger_fake_view", False):
            return Solution.objects.none()
        solutions = (
            solution_visible_to(self.request.user)
            .defer("search_text", "publiccode")
            .prefetch_related(
                Prefetch("themes", queryset=Theme.objects.only("id", "slug")),
                Prefetch("holders", queryset=Organization.objects.only("id", "name").order_by("name")),
                Prefetch(
                    "replications",
                    queryset=Replication.objects.select_related("commune")
                    .only(
                        "id", "solution_id", "commune__code", "commune__name", "parent_id", "date", "outcome"
                    )
                    .order_by("date", "pk"),
                ),
            )
        )
        if self.action == "list":
            request = self.request
            if kind := _choice_param(request, "kind", SolutionKind.values):
                solutions = solutions.filter(kind=kind)
            if stage := _choice_param(request, "stage", SolutionStage.values):
                solutions = solutions.filter(stage=stage)
            if commune := _commune_param(request):
                solutions = solutions.filter(deployed_in([commune]))
        return solutions.order_by("title", "pk")


@extend_schema_view(
    list=extend_schema(
        summary="List replications of solutions",
        description="Which commune reproduced which solution, from which replica (``parent``; null = from "
        "the origin), with the outcome. Only replications of solutions visible to the caller.",
        parameters=[
            OpenApiParameter("solution", OpenApiTypes.INT, description="Id of a solution."),
            OpenApiParameter(
                "commune", OpenApiTypes.STR, description="INSEE code of the commune that reproduced it."
            ),
            OpenApiParameter(
                "outcome", OpenApiTypes.STR, enum=ReplicationOutcome.values, description="Outcome."
            ),
            KIND_PARAM,
            STAGE_PARAM,
        ],
        responses={200: ReplicationSerializer(many=True), 400: BAD_FILTER},
    ),
    retrieve=extend_schema(
        summary="One replication",
        responses={
            200: ReplicationSerializer,
            404: _not_found_schema("No visible replication with this id."),
        },
    ),
)
class ReplicationViewSet(ReadOnlyViewSet):
    """Replications of solutions from commune to commune (the lineage)."""

    serializer_class = ReplicationSerializer

    @property
    def not_found_message(self) -> str:  # type: ignore[override]
        return _("This replication does not exist.")

    def get_queryset(self) -> QuerySet[Replication]:
        if getattr(self, "swagger_fake_view", False):
            return Replication.objects.none()
        replications = (
            replication_visible_to(self.request.user)
            .select_related("commune", "solution")
            .only(
                *[f.name for f in Replication._meta.concrete_fields if f.name not in ("commune", "solution")],
                "commune__code",
                "commune__name",
                "solution__id",
                "solution__title",
            )
        )
        if self.action == "list":
            request = self.request
            if (solution := _int_param(request, "solution")) is not None:
                replications = replications.filter(solution_id=solution)
            if commune := _commune_param(request):
                replications = replications.filter(commune_id=commune)
            if outcome := _choice_param(request, "outcome", ReplicationOutcome.values):
                replications = replications.filter(outcome=outcome)
            if kind := _choice_param(request, "kind", SolutionKind.values):
                replications = replications.filter(solution__kind=kind)
            if stage := _choice_param(request, "stage", SolutionStage.values):
                replications = replications.filter(solution__stage=stage)
        return replications.order_by("date", "pk")


def register(router) -> None:
    """Add this app's viewsets to the router."""
    router.register("solutions", SolutionViewSet, basename="solution")
    router.register("replications", ReplicationViewSet, basename="replication")
