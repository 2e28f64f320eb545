"""Every read of the watch app. Watch pages are for staff; the public sees diffused items only."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from maillage.accounts.roles import Role
from maillage.core.access import is_staff
from maillage.core.text import normalize
from maillage.territories.models import Commune
from maillage.themes.models import Theme
from maillage.watch.models import Digest, DigestEntry, Item, ItemStatus, Source

# The API's answer for an item that is not public (defined here so that it is in this app's catalogue).
NOT_DIFFUSED = _("This watch item does not exist or was not diffused.")


def text_filter(queryset: QuerySet, query: str, field: str = "search_text") -> QuerySet:
    """Every normalised word of ``query`` must appear (accents and case ignored)."""
    for word in normalize(query or "").split():
        queryset = queryset.filter(**{f"{field}__contains": word})
    return queryset


def staff_users() -> QuerySet:
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, role__in=[Role.ADMIN, Role.AGENT])
        .order_by("first_name", "last_name", "username")
    )


def _item_prefetch(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("source", "assignee").prefetch_related(
        Prefetch("themes", queryset=Theme.objects.only("id", "slug", "name", "acronym", "kind")),
        Prefetch("communes", queryset=Commune.objects.only("code", "name")),
    )


def item_visible_to(user: Any) -> QuerySet[Item]:
    """Staff see every item; everyone else only the diffused ones."""
    items = Item.objects.all()
    if not is_staff(user):
        items = items.filter(status=ItemStatus.DIFFUSED)
    return items


def item_list(
    *,
    user: Any,
    query: str = "",
    status: str = "",
    source: Any = None,
    theme: str = "",
    commune: str = "",
    assignee: Any = None,
    **_: Any,
) -> QuerySet[Item]:
    items = item_visible_to(user)
    items = text_filter(items, query)
    if status:
        items = items.filter(status=status)
    if source:
        items = items.filter(source_id=source)
    if theme:
        items = items.filter(pk__in=Item.themes.through.objects.filter(theme__slug=theme).values("item_id"))
    if commune:
        items = items.filter(
            pk__in=Item.communes.through.objects.filter(commune_id=commune).values("item_id")
        )
    if assignee == "none":
        items = items.filter(assignee__isnull=True)
    elif assignee:
        items = items.filter(assignee_id=assignee)
    return _item_prefetch(items).order_by("-published_at", "-pk")


def item_detail(*, user: Any, pk: int) -> Item:
    return _item_prefetch(item_visible_to(user)).get(pk=pk)


def item_digests(item: Item) -> list[DigestEntry]:
    return list(item.entries.select_related("digest").order_by("-digest__created_at"))


def source_list(*, user: Any, query: str = "", state: str = "") -> QuerySet[Source]:
    sources = Source.objects.all()
    for word in normalize(query or "").split():
        sources = sources.filter(Q(title__icontains=word) | Q(url__icontains=word))
    if state == "error":
        sources = sources.filter(last_status="error")
    elif state == "inactive":
        sources = sources.filter(is_active=False)
    elif state == "active":
        sources = sources.filter(is_active=True)
    return (
        sources.select_related("owner")
        .prefetch_related(
            Prefetch("themes", queryset=Theme.objects.only("id", "slug", "name", "acronym", "kind"))
        )
        .annotate(item_count=Count("items"))
        .order_by("title", "pk")
    )


def source_detail(*, user: Any, pk: int) -> Source:
    return (
        Source.objects.select_related("owner")
        .prefetch_related("themes")
        .annotate(item_count=Count("items"))
        .get(pk=pk)
    )


def source_recent_items(source: Source, limit: int = 20) -> list[Item]:
    return list(source.items.order_by("-published_at", "-pk")[:limit])


def digest_list(*, user: Any) -> QuerySet[Digest]:
    return (
        Digest.objects.select_related("newsletter", "created_by")
        .annotate(entry_count=Count("entries"))
        .order_by("-created_at", "-pk")
    )


def digest_detail(*, user: Any, pk: int) -> Digest:
    return Digest.objects.select_related("newsletter", "created_by").get(pk=pk)


def digest_entries(digest: Digest) -> list[DigestEntry]:
    return list(digest.entries.select_related("item__source").order_by("order", "pk"))


def digest_candidates(digest: Digest, limit: int = 100) -> list[Item]:
    """Retained items not yet in this digest, the most recent first (bounded)."""
    items = Item.objects.filter(status=ItemStatus.RETAINED).exclude(
        pk__in=DigestEntry.objects.filter(digest=digest).values("item_id")
    )
    if digest.start_date:
        items = items.filter(published_at__date__gte=digest.start_date)
    if digest.end_date:
        items = items.filter(published_at__date__lte=digest.end_date)
    return list(items.select_related("source").order_by("-published_at", "-pk")[:limit])


def public_items(*, query: str = "", theme: str = "") -> QuerySet[Item]:
    from django.contrib.auth.models import AnonymousUser

    return item_list(user=AnonymousUser(), query=query, theme=theme)


def status_counts() -> dict[str, int]:
    counts = dict(Item.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return {status: counts.get(status, 0) for status in ItemStatus.values}
