"""API endpoints of the programmes app, registered on the /api/v1/ router by maillage/api/urls.py.

Programmes are public (their linked solutions and conventions are those the requester may see);
experiments, with their indicators and measures, are for signed-in accounts.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers

from maillage.api.serializers import ErrorSerializer, OrganizationRefSerializer
from maillage.api.views import (
    BAD_FILTER,
    ReadOnlyViewSet,
    _choice_param,
    _commune_param,
    _int_param,
    _not_found_schema,
    _theme_param,
)
from maillage.core.access import AUTHENTICATED
from maillage.programmes.models import (
    Experiment,
    ExperimentStatus,
    Indicator,
    Measure,
    Programme,
    ProgrammeLevel,
    ProgrammeParticipant,
)
from maillage.programmes.selectors import experiment_visible_to, progress_percent
from maillage.themes.models import Theme

# --- Serializers -------------------------------------------------------------------------------


class ProgrammeParticipantSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = ProgrammeParticipant
        fields = ["organization", "role", "role_label"]
        read_only_fields = fields


class ProgrammeSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    themes = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug", help_text="Codes of the themes."
    )
    participants = ProgrammeParticipantSerializer(many=True, read_only=True)
    solutions = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the linked solutions visible to the requester."
    )
    agreements = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the linked agreements visible to the requester."
    )

    class Meta:
        model = Programme
        fields = [
            "id",
            "name",
            "acronym",
            "level",
            "level_label",
            "funder",
            "description",
            "url",
            "start_date",
            "end_date",
            "requires_committee",
            "experiment_months",
            "themes",
            "participants",
            "solutions",
            "agreements",
        ]
        read_only_fields = fields


class MeasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Measure
        fields = ["measured_on", "value", "note"]
        read_only_fields = fields


class IndicatorSerializer(serializers.ModelSerializer):
    measures = MeasureSerializer(many=True, read_only=True)
    progress = serializers.SerializerMethodField(
        help_text="Percent of the way from the baseline to the target at the latest measure (0–100)."
    )

    class Meta:
        model = Indicator
        fields = ["id", "name", "unit", "baseline", "target", "progress", "measures"]
        read_only_fields = fields

    def get_progress(self, indicator: Indicator) -> int | None:
        measures = list(indicator.measures.all())
        if not measures:
            return None
        return progress_percent(indicator.baseline, indicator.target, measures[-1].value)


class ExperimentSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    decision_label = serializers.CharField(source="get_decision_display", read_only=True)
    host_commune = serializers.CharField(source="host_commune_id", read_only=True, help_text="INSEE code.")
    host_commune_name = serializers.CharField(source="host_commune.name", read_only=True)
    programme = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    solution = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = Experiment
        fields = [
            "id",
            "title",
            "programme",
            "solution",
            "hypothesis",
            "description",
            "host_commune",
            "host_commune_name",
            "host_site",
            "start_date",
            "end_date",
            "status",
            "status_label",
            "committee_date",
            "committee_opinion",
            "cofinancing_eur",
            "evaluation",
            "decision",
            "decision_label",
            "decision_date",
            "decision_rationale",
            "indicators",
        ]
        read_only_fields = fields


# --- Viewsets ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List programmes and initiatives",
        parameters=[
            OpenApiParameter("level", OpenApiTypes.STR, enum=ProgrammeLevel.values, description="Level."),
            OpenApiParameter(
                "theme", OpenApiTypes.STR, description="Code (slug) of a theme of the taxonomy."
            ),
            OpenApiParameter("party", OpenApiTypes.INT, description="Id of a participating organisation."),
        ],
        responses={200: ProgrammeSerializer(many=True), 400: BAD_FILTER},
    ),
    retrieve=extend_schema(
        summary="One programme",
        responses={200: ProgrammeSerializer, 404: _not_found_schema("No programme with this id.")},
    ),
)
class ProgrammeViewSet(ReadOnlyViewSet):
    """National, regional, European and metropolitan programmes, with their participants (public)."""

    serializer_class = ProgrammeSerializer

    @property
    def not_found_message(self) -> str:  # type: ignore[override]
        return _("This programme does not exist.")

    def get_queryset(self) -> QuerySet[Programme]:
        if getattr(self, "swagger_fake_view", False):
            return Programme.objects.none()
        from maillage.agreements.selectors import agreement_visible_to
        from maillage.innovation.selectors import solution_visible_to

        user = self.request.user
        programmes = Programme.objects.defer("search_text").prefetch_related(
            Prefetch("themes", queryset=Theme.objects.only("id", "slug")),
            Prefetch(
                "participants",
                queryset=ProgrammeParticipant.objects.select_related("organization")
                .only("programme_id", "role", "organization__id", "organization__name")
                .order_by("role", "organization__name"),
            ),
            Prefetch("solutions", queryset=solution_visible_to(user).only("pk").order_by("pk")),
            Prefetch("agreements", queryset=agreement_visible_to(user).only("pk").order_by("pk")),
        )
        if self.action == "list":
            request = self.request
            if level := _choice_param(request, "level", ProgrammeLevel.values):
                programmes = programmes.filter(level=level)
            if theme := _theme_param(request):
                programmes = programmes.filter(
                    pk__in=Programme.themes.through.objects.filter(theme__slug=theme).values("programme_id")
                )
            if (party := _int_param(request, "party")) is not None:
                programmes = programmes.filter(
                    pk__in=ProgrammeParticipant.objects.filter(organization_id=party).values("programme_id")
                )
        return programmes.order_by("name", "pk")


_SIGNED_IN_ONLY = OpenApiResponse(ErrorSerializer, description="Not signed in.")


@extend_schema_view(
    list=extend_schema(
        summary="List experiments",
        description="Signed-in users only: an anonymous request is refused (403).",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=ExperimentStatus.values, description="Status."),
            OpenApiParameter("programme", OpenApiTypes.INT, description="Id of a programme."),
            OpenApiParameter("commune", OpenApiTypes.STR, description="INSEE code of the host commune."),
        ],
        responses={200: ExperimentSerializer(many=True), 400: BAD_FILTER, 403: _SIGNED_IN_ONLY},
    ),
    retrieve=extend_schema(
        summary="One experiment, with its indicators and measures",
        responses={
            200: ExperimentSerializer,
            403: _SIGNED_IN_ONLY,
            404: _not_found_schema("No experiment with this id."),
        },
    ),
)
class ExperimentViewSet(ReadOnlyViewSet):
    """Experiments hosted by communes, with their indicators, measures and decision (signed-in users)."""

    access_rule = AUTHENTICATED
    serializer_class = ExperimentSerializer

    @property
    def not_found_message(self) -> str:  # type: ignore[override]
        return _("This experiment does not exist.")

    def get_queryset(self) -> QuerySet[Experiment]:
        if getattr(self, "swagger_fake_view", False):
            return Experiment.objects.none()
        experiments = (
            experiment_visible_to(self.request.user)
            .select_related("host_commune")
            .defer("search_text", "host_commune__geometry", "host_commune__search_name")
            .prefetch_related(
                Prefetch(
                    "indicators",
                    queryset=Indicator.objects.prefetch_related(
                        Prefetch("measures", queryset=Measure.objects.order_by("measured_on", "pk"))
                    ).order_by("pk"),
                )
            )
        )
        if self.action == "list":
            request = self.request
            if status := _choice_param(request, "status", ExperimentStatus.values):
                experiments = experiments.filter(status=status)
            if (programme := _int_param(request, "programme")) is not None:
                experiments = experiments.filter(programme_id=programme)
            if commune := _commune_param(request):
                experiments = experiments.filter(host_commune_id=commune)
        return experiments.order_by("-start_date", "-pk")


def register(router: Any) -> None:
    """Add this app's viewsets to the router."""
    router.register("programmes", ProgrammeViewSet, basename="programme")
    router.register("experiments", ExperimentViewSet, basename="experiment")
