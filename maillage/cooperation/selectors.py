"""Reads of common topics and cooperations, scoped by who asks.

Topics are visible to every signed-in account and to no anonymous visitor. Cooperations are
public. Every list prefetches what its page shows, so that the number of queries does not grow
with the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse

from maillage.cooperation.models import (
    CommonTopic,
    Cooperation,
    CooperationParticipant,
    Milestone,
    ParticipantRole,
    TopicInterest,
)
from maillage.organizations.models import Organization
from maillage.organizations.selectors import search_filter

TOPIC_SORTS = {
    "support": ("-support_count", "-territory_count", "-created_at", "-pk"),
    "territories": ("-territory_count", "-support_count", "-created_at", "-pk"),
    "recent": ("-created_at", "-pk"),
}
DEFAULT_TOPIC_SORT = "support"


def _signed_in(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active)


def _organizations_in_territory(territory: str) -> QuerySet[Organization]:
    return (
        Organization.objects.filter(Q(territory_id=territory) | Q(commune__territory_id=territory))
        .order_by()
        .values("pk")
    )


# --- Common topics ---------------------------------------------------------------------------


def topic_visible_to(user: Any) -> QuerySet[CommonTopic]:
    """Every signed-in account sees every topic; anonymous visitors none."""
    if not _signed_in(user):
        return CommonTopic.objects.none()
    return CommonTopic.objects.all()


def _topics_of_organizations(organizations: QuerySet | list[int]) -> Q:
    return Q(proposer_id__in=organizations) | Exists(
        TopicInterest.objects.filter(topic=OuterRef("pk"), organization_id__in=organizations)
    )


def topic_list(
    *,
    user: Any,
    query: str = "",
    status: str = "",
    theme: str = "",
    territory: str = "",
    organization: int | None = None,
    sort: str = DEFAULT_TOPIC_SORT,
) -> QuerySet[CommonTopic]:
    topics = topic_visible_to(user)
    if query:
        topics = topics.filter(search_filter("search_text", query))
    if status:
        topics = topics.filter(status=status)
    if theme:
        through = CommonTopic.themes.through
        topics = topics.filter(Exists(through.objects.filter(commontopic=OuterRef("pk"), theme__slug=theme)))
    if territory:
        topics = topics.filter(_topics_of_organizations(_organizations_in_territory(territory)))
    if organization:
        topics = topics.filter(_topics_of_organizations([organization]))
    return (
        topics.select_related("proposer")
        .prefetch_related("themes")
        .order_by(*TOPIC_SORTS.get(sort, TOPIC_SORTS[DEFAULT_TOPIC_SORT]))
    )


def topic_export_queryset(topics: QuerySet[CommonTopic]) -> QuerySet[CommonTopic]:
    """The same rows, with the interested organisations and the resulting cooperation for the file."""
    return topics.select_related("cooperation").prefetch_related(
        Prefetch(
            "interests",
            queryset=TopicInterest.objects.select_related("organization").order_by("created_at", "pk"),
        )
    )


def _organization_places() -> tuple[str, ...]:
    # Outlines are heavy and only the map endpoint draws them (from its own cache).
    return ("commune__geometry", "commune__territory__geometry", "territory__geometry")


def topic_detail(*, user: Any, pk: int) -> CommonTopic:
    return (
        topic_visible_to(user)
        .select_related("proposer__commune__territory", "proposer__territory", "proposed_by", "cooperation")
        .defer(*[f"proposer__{name}" for name in _organization_places()])
        .prefetch_related(
            "themes",
            Prefetch(
                "interests",
                queryset=TopicInterest.objects.select_related(
                    "organization__commune__territory", "organization__territory", "declared_by"
                )
                .defer(*[f"organization__{name}" for name in _organization_places()])
                .order_by("created_at", "pk"),
            ),
        )
        .get(pk=pk)
    )


def interests_besides_proposer(topic: CommonTopic) -> list[TopicInterest]:
    """The prefetched interests, without a row the proposer may also have (it always counts as one)."""
    return [i for i in topic.interests.all() if i.organization_id != topic.proposer_id]


@dataclass
class InterestedCommune:
    code: str
    name: str
    proposer: bool = False
    organizations: list[str] = field(default_factory=list)


def topic_communes(topic: CommonTopic) -> list[InterestedCommune]:
    """Communes of the proposer and of the interested organisations (each organisation's ``commune``),
    from the rows ``topic_detail`` already loaded: no query."""
    communes: dict[str, InterestedCommune] = {}
    supporters = [(topic.proposer, True)] + [
        (i.organization, False) for i in interests_besides_proposer(topic)
    ]
    for organization, is_proposer in supporters:
        if organization.commune_id is None:
            continue
        entry = communes.setdefault(
            organization.commune_id, InterestedCommune(organization.commune_id, organization.commune.name)
        )
        entry.proposer = entry.proposer or is_proposer
        entry.organizations.append(organization.name)
    return sorted(communes.values(), key=lambda c: (c.name, c.code))


def topic_supporters_without_commune(topic: CommonTopic) -> list[Organization]:
    supporters = [topic.proposer] + [i.organization for i in interests_besides_proposer(topic)]
    return [o for o in supporters if o.commune_id is None]


# Map colours: dark enough for a 3:1 contrast with the light background.
MAP_COLORS = {"proposer": "#2166ac", "interested": "#e6550d", "other": "#d9d9d9"}
MAP_CACHE_SECONDS = 600


def _home_outlines() -> list[dict[str, Any]]:
    from maillage.territories.selectors import home_communes, home_epci_siren

    key = f"topic-map-outlines:{home_epci_siren()}"
    outlines = cache.get(key)
    if outlines is None:
        outlines = [
            {"code": code, "name": name, "geometry": geometry}
            for code, name, geometry in home_communes()
            .filter(geometry__isnull=False)
            .order_by("code")
            .values_list("code", "name", "geometry")
        ]
        cache.set(key, outlines, MAP_CACHE_SECONDS)
    return outlines


def topic_map_features(*, user: Any, pk: int) -> dict[str, Any]:
    """GeoJSON of the home communes, the proposer's and interested organisations' communes highlighted."""
    topic = (
        topic_visible_to(user)
        .select_related("proposer__commune")
        .only("pk", "proposer_id", "proposer__name", "proposer__commune_id", "proposer__commune__name")
        .get(pk=pk)
    )
    interested: dict[str, list[str]] = {}
    proposer_communes: set[str] = set()
    if topic.proposer.commune_id:
        proposer_communes.add(topic.proposer.commune_id)
        interested.setdefault(topic.proposer.commune_id, []).append(topic.proposer.name)
    rows = (
        TopicInterest.objects.filter(topic_id=topic.pk, organization__commune__isnull=False)
        .exclude(organization_id=topic.proposer_id)
        .order_by("created_at", "pk")
        .values_list("organization__commune_id", "organization__name")
    )
    for code, name in rows:
        interested.setdefault(code, []).append(name)
    features = []
    for outline in _home_outlines():
        code = outline["code"]
        state = "proposer" if code in proposer_communes else "interested" if code in interested else "other"
        features.append(
            {
                "type": "Feature",
                "geometry": outline["geometry"],
                "properties": {
                    "code": code,
                    "name": outline["name"],
                    "state": state,
                    "color": MAP_COLORS[state],
                    "organizations": interested.get(code, []),
                    "url": reverse("territories:commune_detail", args=[code]),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --- Cooperations ----------------------------------------------------------------------------


def _participants_prefetch() -> Prefetch:
    return Prefetch(
        "participants",
        queryset=CooperationParticipant.objects.select_related("organization")
        .only(
            "pk",
            "cooperation_id",
            "role",
            "organization_id",
            "organization__name",
            "organization__kind",
        )
        .order_by("role", "organization__name", "pk"),
    )


def cooperation_list(
    *,
    query: str = "",
    status: str = "",
    theme: str = "",
    territory: str = "",
    organization: int | None = None,
) -> QuerySet[Cooperation]:
    """Cooperations are public: the same list for everyone."""
    cooperations = Cooperation.objects.all()
    if query:
        cooperations = cooperations.filter(search_filter("search_text", query))
    if status:
        cooperations = cooperations.filter(status=status)
    if theme:
        through = Cooperation.themes.through
        cooperations = cooperations.filter(
            Exists(through.objects.filter(cooperation=OuterRef("pk"), theme__slug=theme))
        )
    if territory:
        cooperations = cooperations.filter(
            Exists(
                CooperationParticipant.objects.filter(
                    cooperation=OuterRef("pk"), organization_id__in=_organizations_in_territory(territory)
                )
            )
        )
    if organization:
        cooperations = cooperations.filter(
            Exists(
                CooperationParticipant.objects.filter(
                    cooperation=OuterRef("pk"), organization_id=organization
                )
            )
        )
    return cooperations.prefetch_related("themes", _participants_prefetch()).order_by("-created_at", "-pk")


def cooperation_detail(*, user: Any, pk: int) -> Cooperation:
    prefetches: list[Any] = [
        "themes",
        _participants_prefetch(),
        Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "pk")),
    ]
    if _signed_in(user):
        # Topics are for signed-in accounts only.
        prefetches.append(
            Prefetch("source_topics", queryset=CommonTopic.objects.only("pk", "title", "cooperation_id"))
        )
    return Cooperation.objects.select_related("owner").prefetch_related(*prefetches).get(pk=pk)


def cooperation_agreements(*, user: Any, cooperation: Cooperation) -> QuerySet:
    """The conventions of a cooperation that this user may see (the agreements app decides)."""
    from maillage.agreements.selectors import agreement_visible_to

    return (
        agreement_visible_to(user)
        .filter(cooperation=cooperation)
        .select_related("kind")
        .only("pk", "reference", "title", "status", "signed_on", "expires_on", "kind__name")
        .order_by("-created_at", "-pk")
    )


def pilot_organization_ids(cooperation: Cooperation) -> set[int]:
    """Uses the prefetched participants when there are some."""
    return {p.organization_id for p in cooperation.participants.all() if p.role == ParticipantRole.PILOT}


# --- Profile sections ------------------------------------------------------------------------

SECTION_LIMIT = 10


def organization_cooperations(organization_id: int, limit: int = SECTION_LIMIT) -> list[Cooperation]:
    """At most ``limit + 1`` cooperations (the extra one says "more"), with this organisation's roles."""
    return list(
        Cooperation.objects.filter(
            Exists(
                CooperationParticipant.objects.filter(
                    cooperation=OuterRef("pk"), organization_id=organization_id
                )
            )
        )
        .only("pk", "title", "status", "created_at")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=CooperationParticipant.objects.filter(organization_id=organization_id).order_by(
                    "role"
                ),
                to_attr="roles_here",
            )
        )
        .order_by("-created_at", "-pk")[: limit + 1]
    )


def organization_topics(*, user: Any, organization_id: int, limit: int = SECTION_LIMIT) -> list[CommonTopic]:
    return list(
        topic_visible_to(user)
        .filter(_topics_of_organizations([organization_id]))
        .only("pk", "title", "status", "support_count", "territory_count", "proposer_id", "created_at")
        .order_by(*TOPIC_SORTS[DEFAULT_TOPIC_SORT])[: limit + 1]
    )
