from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from maillage.core.text import normalize
from maillage.organizations.models import Organization, OrganizationMembership


def search_filter(field: str, query: str) -> Q:
    """Every word of the query must appear in the normalised search column."""
    condition = Q()
    for word in normalize(query).split():
        condition &= Q(**{f"{field}__contains": word})
    return condition


def organization_list(
    *, query: str = "", kind: str = "", territory: str = "", commune: str = ""
) -> QuerySet[Organization]:
    qs = Organization.objects.select_related("commune", "territory").defer(
        "commune__geometry", "territory__geometry"
    )
    if query:
        qs = qs.filter(search_filter("search_text", query))
    if kind:
        qs = qs.filter(kind=kind)
    if territory:
        qs = qs.filter(Q(territory_id=territory) | Q(commune__territory_id=territory))
    if commune:
        # Former codes (e.g. 93059) follow their successor.
        from maillage.territories.selectors import commune_resolve

        resolved = commune_resolve(commune).commune
        qs = qs.filter(commune_id=resolved.code if resolved else commune)
    return qs.order_by("name", "pk")


def organization_detail(*, pk: int) -> Organization:
    today = timezone.localdate()
    current = Q(end_date__isnull=True) | Q(end_date__gte=today)
    return (
        Organization.objects.select_related("commune__territory", "territory")
        .prefetch_related(
            "themes",
            Prefetch(
                "memberships",
                queryset=OrganizationMembership.objects.filter(current).select_related("group", "theme"),
            ),
            Prefetch(
                "members",
                queryset=OrganizationMembership.objects.filter(current).select_related("member", "theme"),
            ),
        )
        .get(pk=pk)
    )


def organization_for_commune(commune_code: str) -> Organization | None:
    return Organization.objects.filter(kind="commune", commune_id=commune_code).first()
