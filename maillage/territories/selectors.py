"""Reads of the territorial referential, always relative to the home territory."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from maillage.core.text import normalize
from maillage.territories.models import Commune, CommuneSuccession, Epci, Territory

MGP_SIREN = "200054781"


def home_epci_siren() -> str:
    return settings.HOME_EPCI_SIREN


def home_epci() -> Epci | None:
    return Epci.objects.filter(pk=home_epci_siren()).first()


def home_communes() -> QuerySet[Commune]:
    return Commune.objects.filter(epci_id=home_epci_siren())


def home_territories() -> QuerySet[Territory]:
    """Subdivisions of the home EPCI; empty where it has none (then communes play that part)."""
    # Outlines are heavy JSON and no page draws territories: leave them in the database.
    return Territory.objects.filter(epci_id=home_epci_siren()).defer("geometry")


@dataclass(frozen=True)
class ResolvedCode:
    commune: Commune | None
    notice: str = ""


def commune_resolve(code: str, *, queryset: QuerySet[Commune] | None = None) -> ResolvedCode:
    """Find a commune by INSEE code, following former codes to the current commune with a notice."""
    code = (code or "").strip().upper()
    qs = queryset if queryset is not None else Commune.objects.all()
    commune = qs.filter(pk=code).first()
    if commune is not None:
        return ResolvedCode(commune)
    succession = CommuneSuccession.objects.select_related("successor").filter(pk=code).first()
    if succession is None:
        return ResolvedCode(None)
    successor = qs.filter(pk=succession.successor_id).first()
    if successor is None:
        return ResolvedCode(None)
    notice = _(
        "The code %(old)s (%(old_name)s) no longer designates a commune: since %(date)s it belongs to "
        "%(name)s (%(code)s)."
    ) % {
        "old": succession.old_code,
        "old_name": succession.old_name,
        "date": succession.effective_date.strftime("%d/%m/%Y"),
        "name": successor.name,
        "code": successor.code,
    }
    return ResolvedCode(successor, notice)


COMMUNE_SORTS = {
    "name": ("search_name",),
    "-name": ("-search_name",),
    "population": ("population", "search_name"),
    "-population": ("-population", "search_name"),
    "code": ("code",),
    "territory": ("territory__sort_key", "search_name"),
}


@dataclass(frozen=True)
class CommuneSearch:
    communes: QuerySet[Commune]
    notice: str = ""


def commune_list(
    *,
    query: str = "",
    territory: str = "",
    department: str = "",
    sort: str = "name",
) -> CommuneSearch:
    """Home communes filtered by a free text (name or code, old codes included), territory, département."""
    # Outlines are only needed by the map: never load them in lists.
    qs = home_communes().select_related("department", "territory").defer("geometry", "territory__geometry")
    notice = ""
    if query:
        needle = normalize(query)
        matches = Q(search_name__contains=needle) | Q(code=query.strip().upper())
        old = list(
            CommuneSuccession.objects.filter(
                Q(pk=query.strip()) | Q(search_name__contains=needle)
            ).select_related("successor")[:5]
        )
        if old:
            matches |= Q(pk__in=[s.successor_id for s in old])
            notice = " ".join(
                _("%(old_name)s (%(old)s) now belongs to %(name)s (%(code)s).")
                % {
                    "old_name": s.old_name,
                    "old": s.old_code,
                    "name": s.successor.name,
                    "code": s.successor_id,
                }
                for s in old
            )
        qs = qs.filter(matches)
    if territory:
        qs = qs.filter(territory_id=territory)
    if department:
        qs = qs.filter(department_id=department)
    return CommuneSearch(qs.order_by(*COMMUNE_SORTS.get(sort, COMMUNE_SORTS["name"])), notice)


def home_summary() -> dict[str, int]:
    return home_communes().aggregate(communes=Count("pk"), population=Sum("population"))


def territory_list() -> QuerySet[Territory]:
    # Meta.ordering does not apply to GROUP BY queries: order explicitly (T1…T12).
    return home_territories().annotate(members=Count("communes")).order_by("sort_key")


def commune_detail(code: str) -> Commune:
    return (
        Commune.objects.select_related("department__region", "territory", "epci")
        .defer("geometry", "territory__geometry")
        .prefetch_related(Prefetch("neighbours", queryset=Commune.objects.defer("geometry").order_by("name")))
        .get(pk=code)
    )
