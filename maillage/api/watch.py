"""API endpoints of the watch app, registered on the /api/v1/ router by maillage/api/urls.py.

``/api/v1/watch-items/`` lists the diffused watch items only, for everyone (staff included): new,
retained and discarded items are the team's work in progress and stay on the staff pages.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from maillage.api.views import ReadOnlyViewSet, _commune_param, _date_param, _text_param, _theme_param
from maillage.core.access import PUBLIC
from maillage.territories.models import Commune
from maillage.themes.models import Theme
from maillage.watch.models import Item, ItemStatus, Source
from maillage.watch.selectors import NOT_DIFFUSED, text_filter


class WatchSourceRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "title", "site_url"]


class WatchItemSerializer(serializers.ModelSerializer):
    source = WatchSourceRefSerializer(read_only=True)
    themes = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug", help_text="Theme codes."
    )
    communes = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="INSEE codes of the communes concerned."
    )
    summary = serializers.CharField(read_only=True, help_text="Sanitised HTML (a few inline tags and links).")

    class Meta:
        model = Item
        fields = ["id", "title", "summary", "url", "published_at", "source", "themes", "communes"]


@extend_schema_view(
    list=extend_schema(
        summary="List diffused watch items",
        description="Watch items the team selected and diffused (published digests, sent newsletters).",
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="Words of the title or summary (accents ignored)."
            ),
            OpenApiParameter("theme", OpenApiTypes.STR, description="Theme code."),
            OpenApiParameter("commune", OpenApiTypes.STR, description="INSEE code of a commune."),
            OpenApiParameter("source", OpenApiTypes.INT, description="Id of the source."),
            OpenApiParameter(
                "date_from", OpenApiTypes.DATE, description="Published on or after (YYYY-MM-DD)."
            ),
            OpenApiParameter(
                "date_to", OpenApiTypes.DATE, description="Published on or before (YYYY-MM-DD)."
            ),
        ],
    ),
    retrieve=extend_schema(summary="One diffused watch item"),
)
class WatchItemViewSet(ReadOnlyViewSet):
    """Diffused watch items (public)."""

    access_rule = PUBLIC
    serializer_class = WatchItemSerializer

    @property
    def not_found_message(self) -> str:  # type: ignore[override]
        return str(NOT_DIFFUSED)

    def get_queryset(self) -> QuerySet[Item]:
        items = (
            Item.objects.filter(status=ItemStatus.DIFFUSED)
            .select_related("source")
            .prefetch_related(
                Prefetch("themes", queryset=Theme.objects.only("id", "slug")),
                Prefetch("communes", queryset=Commune.objects.only("code")),
            )
        )
        if self.action == "list":
            request = self.request
            items = text_filter(items, _text_param(request, "q"))
            if theme := _theme_param(request):
                items = items.filter(
                    pk__in=Item.themes.through.objects.filter(theme__slug=theme).values("item_id")
                )
            if commune := _commune_param(request):
                items = items.filter(
                    pk__in=Item.communes.through.objects.filter(commune_id=commune).values("item_id")
                )
            source = _text_param(request, "source")
            if source.isdigit():
                items = items.filter(source_id=int(source))
            if (start := _date_param(request, "date_from")) is not None:
                items = items.filter(published_at__date__gte=start)
            if (end := _date_param(request, "date_to")) is not None:
                items = items.filter(published_at__date__lte=end)
        return items.order_by("-published_at", "-pk")


def register(router) -> None:
    """Add this app's viewsets to the router."""
    router.register("watch-items", WatchItemViewSet, basename="watch-item")
