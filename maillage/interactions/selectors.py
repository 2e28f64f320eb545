from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from maillage.core.access import is_staff, organization_ids_of
from maillage.interactions.models import FollowUpAction, Interaction
from maillage.organizations.selectors import search_filter


def interaction_visible_to(user: Any) -> QuerySet[Interaction]:
    """Staff see every interaction; others those involving their organisation, those they wrote,
    and those where they own a follow-up action; anonymous visitors none."""
    interactions = Interaction.objects.all()
    if is_staff(user):
        return interactions
    if not (user.is_authenticated and user.is_active):
        return interactions.none()
    # One set of ids built from three indexed look-ups: an OR of EXISTS would scan every interaction.
    through = Interaction.organizations.through
    # (Each part unordered: SQLite refuses ORDER BY inside a compound statement.)
    visible = (
        Interaction.objects.filter(author=user)
        .order_by()
        .values("pk")
        .union(FollowUpAction.objects.filter(owner=user).order_by().values("interaction_id"))
    )
    if own := organization_ids_of(user):
        visible = visible.union(
            through.objects.filter(organization_id__in=own).order_by().values("interaction_id")
        )
    return interactions.filter(pk__in=visible)


def interaction_list(
    *,
    user: Any,
    query: str = "",
    kind: str = "",
    organization: int | None = None,
    theme: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    person: int | None = None,
) -> QuerySet[Interaction]:
    interactions = interaction_visible_to(user)
    if query:
        interactions = interactions.filter(search_filter("search_text", query))
    if kind:
        interactions = interactions.filter(kind=kind)
    if organization:
        through = Interaction.organizations.through
        interactions = interactions.filter(
            Exists(through.objects.filter(interaction=OuterRef("pk"), organization_id=organization))
        )
    if theme:
        through = Interaction.themes.through
        interactions = interactions.filter(
            Exists(through.objects.filter(interaction=OuterRef("pk"), theme__slug=theme))
        )
    if person:
        through = Interaction.people.through
        interactions = interactions.filter(
            Exists(through.objects.filter(interaction=OuterRef("pk"), person_id=person))
        )
    if date_from:
        interactions = interactions.filter(date__gte=date_from)
    if date_to:
        interactions = interactions.filter(date__lte=date_to)
    return (
        interactions.select_related("author")
        .prefetch_related("organizations", "people", "themes")
        .order_by("-date", "-pk")
    )


def interaction_detail(*, user: Any, pk: int) -> Interaction:
    return (
        interaction_visible_to(user)
        .select_related("author")
        .prefetch_related(
            "organizations",
            "people",
            "themes",
            Prefetch(
                "actions", queryset=FollowUpAction.objects.select_related("owner").order_by("due_date", "pk")
            ),
        )
        .get(pk=pk)
    )


def open_actions_of(*, user: Any) -> QuerySet[FollowUpAction]:
    return (
        FollowUpAction.objects.filter(owner=user, done_at__isnull=True)
        .select_related("interaction")
        .order_by("due_date", "pk")
    )


def recently_done_actions_of(*, user: Any, limit: int = 10) -> list[FollowUpAction]:
    return list(
        FollowUpAction.objects.filter(owner=user, done_at__isnull=False)
        .select_related("interaction")
        .order_by("-done_at", "-pk")[:limit]
    )
