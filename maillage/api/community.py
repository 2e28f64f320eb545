"""API endpoints of the community app, registered on the /api/v1/ router by maillage/api/urls.py.

``/api/v1/community-events/`` and ``/api/v1/community-resources/``: read-only, public at URL level.
Public events and resources for everyone, internal ones too for signed-in accounts (the selectors
decide). Registrations and member profiles are personal data: they are not in the API (events give
only the number of confirmed seats).
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from maillage.api.views import BAD_FILTER, ReadOnlyViewSet, _choice_param, _not_found_schema
from maillage.community import selectors
from maillage.community.models import Event, EventKind, Licence, Resource
from maillage.themes.models import Theme


class CommunityEventSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    organizer = serializers.CharField(source="organizer.name", read_only=True, allow_null=True, default=None)
    themes = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug", help_text="Theme codes."
    )
    confirmed_count = serializers.IntegerField(read_only=True, help_text="Confirmed registrations.")

    class Meta:
        model = Event
        fields = [
            "id",
            "title",
            "kind",
            "kind_label",
            "starts_at",
            "ends_at",
            "place",
            "capacity",
            "confirmed_count",
            "description",
            "is_public",
            "registration_open",
            "organizer",
            "themes",
        ]
        read_only_fields = fields


class CommunityResourceSerializer(serializers.ModelSerializer):
    licence_label = serializers.CharField(source="get_licence_display", read_only=True)
    author_organization = serializers.CharField(
        source="author_organization.name", read_only=True, allow_null=True, default=None
    )
    themes = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug", help_text="Theme codes."
    )
    file_url = serializers.SerializerMethodField(help_text="Download address of the attached file, if any.")

    class Meta:
        model = Resource
        fields = [
            "id",
            "title",
            "summary",
            "body",
            "licence",
            "licence_label",
            "author_organization",
            "solution",
            "themes",
            "is_public",
            "filename",
            "file_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_file_url(self, resource: Resource) -> str | None:
        if not resource.file:
            return None
        path = reverse("community:resource_download", kwargs={"pk": resource.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


_THEMES = Prefetch("themes", queryset=Theme.objects.only("id", "slug"))


@extend_schema_view(
    list=extend_schema(
        summary="List community events",
        description="Workshops, learning expeditions, webinars and meet-ups. Public events for everyone, "
        "internal ones too for signed-in users. Upcoming events by default.",
        parameters=[
            OpenApiParameter("when", OpenApiTypes.STR, enum=["upcoming", "past"], default="upcoming"),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=EventKind.values, description="Kind of event."),
        ],
        responses={200: CommunityEventSerializer(many=True), 400: BAD_FILTER},
    ),
    retrieve=extend_schema(
        summary="One community event",
        responses={200: CommunityEventSerializer, 404: _not_found_schema("No visible event with this id.")},
    ),
)
class CommunityEventViewSet(ReadOnlyViewSet):
    """Events of the community of public innovators (registrations are not exposed)."""

    serializer_class = CommunityEventSerializer

    @property
    def not_found_message(self) -> str:  # type: ignore[override]
        return _("This event does not exist or is not visible to you.")

    def get_queryset(self) -> QuerySet[Event]:
        if getattr(self, "swagger_fake_view", False):
            return Event.objects.none()
        if self.action != "list":
            return (
                selectors.event_detail_queryset(user=self.request.user)
                .prefetch_related(None)
                .prefetch_related(_THEMES)
            )
        when = _choice_param(self.request, "when", ["upcoming", "past"], default="upcoming")
        kind = _choice_param(self.request, "kind", EventKind.values)
        events = selectors.event_list(user=self.request.user, when=when, kind=kind)
        return events.prefetch_related(None).prefetch_related(_THEMES)


@extend_schema_view(
    list=extend_schema(
        summary="List lessons-learned sheets of the community",
        description="Public resources for everyone, internal ones too for signed-in users, newest first.",
        parameters=[
            OpenApiParameter("licence", OpenApiTypes.STR, enum=Licence.values, description="Licence."),
            OpenApiParameter("theme", OpenApiTypes.STR, description="Theme code."),
        ],
        responses={200: CommunityResourceSerializer(many=True), 400: BAD_FILTER},
    ),
    retrieve=extend_schema(
        summary="One lessons-learned sheet",
        responses={
            200: CommunityResourceSerializer,
            404: _not_found_schema("No visible resource with this id."),
        },
    ),
)
class CommunityResourceViewSet(ReadOnlyViewSet):
    """Lessons-learned sheets with their licence."""

    serializer_class = CommunityResourceSerializer

    @property
    def not_found_message(self) -> str:  # type: ignore[override]
        return _("This resource does not exist or is not visible to you.")

    def get_queryset(self) -> QuerySet[Resource]:
        if getattr(self, "swagger_fake_view", False):
            return Resource.objects.none()
        resources = selectors.resource_visible_to(self.request.user).select_related("author_organization")
        if self.action == "list":
            if licence := _choice_param(self.request, "licence", Licence.values):
                resources = resources.filter(licence=licence)
            if theme := self.request.query_params.get("theme", "").strip():
                resources = resources.filter(themes__slug=theme)
        return (
            resources.defer("search_text", "author_organization__search_text")
            .prefetch_related(_THEMES)
            .order_by("-created_at", "-pk")
        )


def register(router) -> None:
    """Add this app's viewsets to the router."""
    router.register("community-events", CommunityEventViewSet, basename="community-event")
    router.register("community-resources", CommunityResourceViewSet, basename="community-resource")
