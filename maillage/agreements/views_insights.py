"""Insights on the register: open-data exports, the map of conventions in force, the cooperation network.

Every figure follows the one visibility rule (``agreement_visible_to``): an anonymous visitor counts
the public signed conventions, a correspondent also those of their organisation, staff all of them.
Each page and data endpoint runs a constant number of queries.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms
from django.core.cache import cache
from django.db.models import Count, F, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from maillage.agreements.models import ACTIVE_STATUSES, Agreement, AgreementParty
from maillage.agreements.opendata import (
    OpenDataExport,
    OpenDataUnavailable,
    deliberation_export,
    opendata_summary,
    subsidy_export,
)
from maillage.agreements.selectors import agreement_visible_to
from maillage.cooperation.models import Cooperation, CooperationParticipant
from maillage.core.access import PUBLIC, access
from maillage.organizations.models import Organization
from maillage.territories.selectors import home_communes, home_epci_siren
from maillage.themes.models import Theme

SKIPPED_HEADER = "X-Maillage-Skipped"

# --- Open data ---------------------------------------------------------------------------------


@access(PUBLIC)
def opendata_view(request: HttpRequest) -> HttpResponse:
    """The two datasets, what they contain, and the rows left out with the reason (to complete)."""
    return render(request, "agreements/insights/opendata.html", {"datasets": opendata_summary()})


def _csv_response(request: HttpRequest, builder, filename: str) -> HttpResponse:
    try:
        export: OpenDataExport = builder()
    except OpenDataUnavailable as error:
        response = render(
            request,
            "agreements/insights/opendata_unavailable.html",
            {"message": error.message, "organization": error.organization},
            status=409,
        )
        return response
    response = HttpResponse(export.to_csv(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    # Rows the standard would reject are left out; the open-data page says which and why.
    response[SKIPPED_HEADER] = str(export.skipped_count)
    return response


@access(PUBLIC)
def subsidies_csv_view(request: HttpRequest) -> HttpResponse:
    return _csv_response(request, subsidy_export, "subventions")


@access(PUBLIC)
def deliberations_csv_view(request: HttpRequest) -> HttpResponse:
    return _csv_response(request, deliberation_export, "deliberations")


# --- Map of the conventions in force per commune -------------------------------------------------

# (lowest count, highest count or None, colour): a sequential scale, light to dark.
MAP_CLASSES: list[tuple[int, int | None, str]] = [
    (0, 0, "#f4f4f4"),
    (1, 1, "#c6dbef"),
    (2, 4, "#6baed6"),
    (5, 9, "#2171b5"),
    (10, None, "#08306b"),
]


def map_class(count: int) -> tuple[int, int | None, str]:
    for low, high, color in MAP_CLASSES:
        if count >= low and (high is None or count <= high):
            return low, high, color
    return MAP_CLASSES[-1]


def class_label(low: int, high: int | None) -> str:
    if high is None:
        return _("%(low)s or more") % {"low": low}
    if low == high:
        return str(low)
    return _("%(low)s to %(high)s") % {"low": low, "high": high}


def agreements_in_force_per_commune(user: Any) -> dict[str, int]:
    """INSEE code → number of conventions in force visible to ``user`` with a party in the commune.

    A commune counts a convention when its own organisation, or any organisation located in it,
    is a party; a convention with two parties in the same commune counts once. One query.
    """
    active = agreement_visible_to(user).filter(status__in=ACTIVE_STATUSES).order_by().values("pk")
    rows = (
        AgreementParty.objects.filter(agreement__in=active, organization__commune__epci_id=home_epci_siren())
        .order_by()
        .values("organization__commune_id")
        .annotate(count=Count("agreement_id", distinct=True))
        .values_list("organization__commune_id", "count")
    )
    return dict(rows)


def _commune_shapes() -> list[dict[str, Any]]:
    """Code, name and outline of the home communes: the same for everyone, so cached."""
    key = f"insights-commune-shapes:{home_epci_siren()}"
    shapes = cache.get(key)
    if shapes is None:
        shapes = list(
            home_communes().filter(geometry__isnull=False).order_by("code").values("code", "name", "geometry")
        )
        cache.set(key, shapes, 600)
    return shapes


def map_table(user: Any) -> dict[str, Any]:
    counts = agreements_in_force_per_commune(user)
    communes = list(home_communes().order_by("search_name").values("code", "name"))
    rows = [{**commune, "count": counts.get(commune["code"], 0)} for commune in communes]
    per_class = Counter(map_class(row["count"])[:2] for row in rows)
    legend = [
        {"label": class_label(low, high), "color": color, "communes": per_class[(low, high)]}
        for low, high, color in MAP_CLASSES
    ]
    with_agreements = sorted(
        (row for row in rows if row["count"]), key=lambda row: (-row["count"], row["name"])
    )
    return {
        "legend": legend,
        "rows": with_agreements,
        "without": len(rows) - len(with_agreements),
        "communes": len(rows),
    }


@access(PUBLIC)
def map_view(request: HttpRequest) -> HttpResponse:
    return render(request, "agreements/insights/map.html", map_table(request.user))


@access(PUBLIC)
def map_data_view(request: HttpRequest) -> JsonResponse:
    counts = agreements_in_force_per_commune(request.user)
    features = []
    for shape in _commune_shapes():
        count = counts.get(shape["code"], 0)
        features.append(
            {
                "type": "Feature",
                "geometry": shape["geometry"],
                "properties": {
                    "code": shape["code"],
                    "name": shape["name"],
                    "count": count,
                    "color": map_class(count)[2],
                    # Shown after the name in the tooltip by map.js.
                    "territory": ngettext(
                        "%(count)s agreement in force", "%(count)s agreements in force", count
                    )
                    % {"count": count},
                    "url": reverse("territories:commune_detail", args=[shape["code"]]),
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


# --- Network of cooperation ----------------------------------------------------------------------

NETWORK_LIMIT = 150
LINKS_LISTED = 300


class NetworkFilterForm(forms.Form):
    theme = forms.ModelChoiceField(
        label=gettext_lazy("Theme"),
        queryset=Theme.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("All themes"),
    )


def _agreement_pairs(agreements: QuerySet[Agreement]) -> QuerySet:
    """(organisation, partner, number of shared conventions), each pair once (organisation < partner)."""
    return (
        AgreementParty.objects.filter(
            agreement__in=agreements.order_by().values("pk"),
            agreement__parties__organization_id__gt=F("organization_id"),
        )
        .order_by()
        .values_list("organization_id", "agreement__parties__organization_id")
        .annotate(shared=Count("agreement_id", distinct=True))
    )


def _cooperation_pairs(cooperations: QuerySet[Cooperation]) -> QuerySet:
    return (
        CooperationParticipant.objects.filter(
            cooperation__in=cooperations.order_by().values("pk"),
            cooperation__participants__organization_id__gt=F("organization_id"),
        )
        .order_by()
        .values_list("organization_id", "cooperation__participants__organization_id")
        .annotate(shared=Count("cooperation_id", distinct=True))
    )


def cooperation_network(user: Any, theme: Theme | None = None, limit: int = NETWORK_LIMIT) -> dict[str, Any]:
    """Organisations linked by the conventions (visible to ``user``) and cooperations they share.

    The pairs are counted by the database (two aggregate queries); the ``limit`` organisations with
    the most partners are kept, with the links between them. Three queries in all.
    """
    agreements = agreement_visible_to(user)
    cooperations = Cooperation.objects.all()
    if theme is not None:
        agreements = agreements.filter(themes=theme)
        cooperations = cooperations.filter(themes=theme)
    links: dict[tuple[int, int], list[int]] = {}
    for organization, partner, shared in _agreement_pairs(agreements):
        links.setdefault((organization, partner), [0, 0])[0] += shared
    for organization, partner, shared in _cooperation_pairs(cooperations):
        links.setdefault((organization, partner), [0, 0])[1] += shared
    degree: Counter[int] = Counter()
    strength: Counter[int] = Counter()
    for (organization, partner), (agreement_count, cooperation_count) in links.items():
        for node in (organization, partner):
            degree[node] += 1
            strength[node] += agreement_count + cooperation_count
    ranked = sorted(degree, key=lambda node: (-degree[node], -strength[node], node))
    kept = set(ranked[:limit])
    organizations = {
        organization.pk: organization
        for organization in Organization.objects.filter(pk__in=kept).only("id", "name", "kind")
    }
    nodes = [
        {
            "id": pk,
            "name": organizations[pk].name,
            "kind": organizations[pk].kind,
            "kind_label": str(organizations[pk].get_kind_display()),
            "degree": degree[pk],
            "url": reverse("organizations:detail", args=[pk]),
        }
        for pk in sorted(kept, key=lambda pk: (-degree[pk], organizations[pk].name, pk))
        if pk in organizations
    ]
    kept_links = sorted(
        (
            {"source": a, "target": b, "agreements": counts[0], "cooperations": counts[1]}
            for (a, b), counts in links.items()
            if a in organizations and b in organizations
        ),
        key=lambda link: (-(link["agreements"] + link["cooperations"]), link["source"], link["target"]),
    )
    return {
        "nodes": nodes,
        "links": kept_links,
        "organizations": len(degree),
        "limit": limit,
        "truncated": len(degree) > len(nodes),
        "theme": theme.slug if theme is not None else "",
    }


@access(PUBLIC)
def network_view(request: HttpRequest) -> HttpResponse:
    form = NetworkFilterForm(request.GET or None)
    theme = form.cleaned_data["theme"] if form.is_valid() else None
    network = cooperation_network(request.user, theme)
    names = {node["id"]: node["name"] for node in network["nodes"]}
    listed = [
        {**link, "source_name": names[link["source"]], "target_name": names[link["target"]]}
        for link in network["links"][:LINKS_LISTED]
    ]
    source = reverse("agreement_insights:network_data")
    if theme is not None:
        source += f"?theme={theme.slug}"
    return render(
        request,
        "agreements/insights/network.html",
        {
            "form": form,
            "network": network,
            "listed": listed,
            "links_listed": LINKS_LISTED,
            "source": source,
        },
    )


@access(PUBLIC)
def network_data_view(request: HttpRequest) -> JsonResponse:
    form = NetworkFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return JsonResponse(
            {"detail": _("Unknown theme: choose one of the themes of the taxonomy.")}, status=400
        )
    theme = form.cleaned_data["theme"] if request.GET else None
    return JsonResponse(cooperation_network(request.user, theme))
