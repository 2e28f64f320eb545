"""Solutions a commune could reproduce: deployed in similar communes and not yet in this one.

Similar communes, among the communes of the home territory (the MGP), from the referential:
- neighbours: ``Commune.neighbours``, which the referential import computes from the commune outlines
  (two communes sharing a boundary longer than ~10 m), so real adjacency, not a distance guess;
- the same territory (EPT of the Métropole du Grand Paris);
- a comparable size: the same population band (``SIZE_BANDS``);
- and a shared theme with the solutions the commune already deploys.

Each similar commune gets a weight (neighbour 4, same territory 2, same size band 1, added up); the
deployments (origin or replica) of every visible solution in those communes are summed per solution
in one grouped SQL query, plus 1 for a shared theme, and only the top ``LIMIT`` rows come back. The
reasons are built from one more query over the deployments of those few solutions. The whole costs a
constant number of queries (at most seven), whatever the size of the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from maillage.innovation.models import Replication, Solution, SolutionVisibility
from maillage.innovation.selectors import deployed_in, solution_visible_to
from maillage.territories.models import Commune
from maillage.territories.selectors import home_communes

LIMIT = 5
# Population bands (lower bound included, upper excluded); None = no upper bound.
SIZE_BANDS: list[tuple[int, int | None]] = [
    (0, 10_000),
    (10_000, 20_000),
    (20_000, 50_000),
    (50_000, 120_000),
    (120_000, None),
]
WEIGHTS = {"neighbour": 4, "territory": 2, "size": 1, "theme": 1}
NAMES_SHOWN = 3


def size_band(population: int) -> tuple[int, int | None]:
    for low, high in SIZE_BANDS:
        if population >= low and (high is None or population < high):
            return low, high
    return SIZE_BANDS[-1]


@dataclass
class SimilarCommune:
    code: str
    name: str
    neighbour: bool
    same_territory: bool
    same_size: bool
    weight: int = 0


@dataclass
class Suggestion:
    solution: Solution
    score: int
    reasons: list[str] = field(default_factory=list)


def _names(names: list[str]) -> str:
    shown = names[:NAMES_SHOWN]
    if len(shown) == 1:
        return shown[0]
    text = _("%(first)s and %(last)s") % {"first": ", ".join(shown[:-1]), "last": shown[-1]}
    if len(names) > NAMES_SHOWN:
        text = _("%(names)s and others") % {"names": ", ".join(shown)}
    return text


def _band_label(band: tuple[int, int | None]) -> str:
    low, high = band
    if high is None:
        return _("more than %(low)s inhabitants") % {"low": number_format(low, force_grouping=True)}
    if low == 0:
        return _("fewer than %(high)s inhabitants") % {"high": number_format(high, force_grouping=True)}
    return _("%(low)s to %(high)s inhabitants") % {
        "low": number_format(low, force_grouping=True),
        "high": number_format(high, force_grouping=True),
    }


def _similar_communes(commune: Commune, neighbour_codes: list[str]) -> dict[str, SimilarCommune]:
    """Communes like ``commune`` (neighbours, same territory, same size band), each with its weight."""
    low, high = band = size_band(commune.population)
    condition = Q(code__in=neighbour_codes) | Q(
        population__gte=low, **({} if high is None else {"population__lt": high})
    )
    if commune.territory_id:
        condition |= Q(territory_id=commune.territory_id)
    neighbours = set(neighbour_codes)
    similar: dict[str, SimilarCommune] = {}
    for code, name, territory_id, population in (
        home_communes()
        .filter(condition)
        .exclude(pk=commune.code)
        .order_by()
        .values_list("code", "name", "territory_id", "population")
    ):
        item = SimilarCommune(
            code=code,
            name=name,
            neighbour=code in neighbours,
            same_territory=bool(commune.territory_id) and territory_id == commune.territory_id,
            same_size=size_band(population) == band,
        )
        item.weight = (
            WEIGHTS["neighbour"] * item.neighbour
            + WEIGHTS["territory"] * item.same_territory
            + WEIGHTS["size"] * item.same_size
        )
        if item.weight:
            similar[code] = item
    return similar


def _top_scores(
    *, user: Any, code: str, similar: dict[str, SimilarCommune], theme_ids: set[int], limit: int
) -> list[tuple[int, int]]:
    """(solution id, score) of the best ``limit`` visible solutions not deployed in ``code``: one query.

    The deployments (origin or replica) in the similar communes are summed per solution with each
    commune's weight, plus the theme bonus; grouped in the database, whatever the catalogue size.
    """
    if not similar and not theme_ids:
        return []
    solution_table = Solution._meta.db_table
    replication_table = Replication._meta.db_table
    through = Solution.themes.through
    theme_table = through._meta.db_table
    public_only = not (user.is_authenticated and user.is_active)
    visibility = f" AND s.visibility = '{SolutionVisibility.PUBLIC}'" if public_only else ""
    params: list[Any] = []
    branches = []
    codes = list(similar)
    if codes:
        marks = ", ".join(["%s"] * len(codes))
        cases = " ".join("WHEN %s THEN %s" for _ in codes)
        weight_sql = f"CASE d.code {cases} ELSE 0 END"
        branches.append(
            f"SELECT d.sid, {weight_sql} AS weight FROM ("
            f"SELECT s.id AS sid, s.origin_commune_id AS code FROM {solution_table} s "
            f"WHERE s.origin_commune_id IN ({marks}){visibility} "
            f"UNION ALL SELECT r.solution_id AS sid, r.commune_id AS code FROM {replication_table} r "
            f"JOIN {solution_table} s ON s.id = r.solution_id WHERE r.commune_id IN ({marks}){visibility}"
            f") d"
        )
        for item in similar.values():
            params.extend([item.code, item.weight])
        params.extend(codes)
        params.extend(codes)
    if theme_ids:
        marks = ", ".join(["%s"] * len(theme_ids))
        branches.append(
            f"SELECT t.solution_id AS sid, {WEIGHTS['theme']} AS weight FROM {theme_table} t "
            f"JOIN {solution_table} s ON s.id = t.solution_id WHERE t.theme_id IN ({marks}){visibility} "
            f"GROUP BY t.solution_id"
        )
        params.extend(sorted(theme_ids))
    # Ties go to the oldest entry (lowest id): no join back to the solutions before the LIMIT.
    sql = (
        f"SELECT w.sid, SUM(w.weight) AS score FROM ({' UNION ALL '.join(branches)}) w "
        f"WHERE w.sid NOT IN (SELECT id FROM {solution_table} WHERE origin_commune_id = %s) "
        f"AND w.sid NOT IN (SELECT solution_id FROM {replication_table} WHERE commune_id = %s) "
        f"GROUP BY w.sid ORDER BY score DESC, w.sid LIMIT %s"
    )
    params.extend([code, code, limit])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(sid), int(score)) for sid, score in cursor.fetchall()]


CACHE_SECONDS = 300
_VERSION_KEY = "innovation-catalogue-version"


def catalogue_changed() -> None:
    """Called by the services after every write: cached suggestions are recomputed on next view."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 1, None)


def suggestions_for_commune(*, user: Any, commune: Commune, limit: int = LIMIT) -> list[Suggestion]:
    """Top ``limit`` visible solutions not deployed in ``commune``, each with its reasons in French.

    Cached a few minutes per commune and audience (anonymous or signed in): the scoring groups every
    deployment of the similar communes, and the services invalidate the cache on every write.
    """
    signed_in = bool(user.is_authenticated and user.is_active)
    key = f"innovation-suggestions:{cache.get(_VERSION_KEY, 0)}:{commune.code}:{int(signed_in)}:{limit}"
    cached = cache.get(key)
    if cached is None:
        cached = _compute(user=user, commune=commune, limit=limit)
        cache.set(key, cached, CACHE_SECONDS)
    return cached


def _compute(*, user: Any, commune: Commune, limit: int) -> list[Suggestion]:
    code = commune.code
    # 1. neighbours: prefetched by the commune profile (otherwise one query)
    neighbour_codes = [neighbour.code for neighbour in commune.neighbours.all()]
    # 2. similar communes with their weights
    similar = _similar_communes(commune, neighbour_codes)
    # 3. themes of what the commune already deploys
    deployed_here = solution_visible_to(user).filter(deployed_in([code])).order_by().values("pk")
    theme_ids = set(
        Solution.themes.through.objects.filter(solution_id__in=deployed_here).values_list(
            "theme_id", flat=True
        )
    )
    # 4. scores, grouped in the database
    scores = _top_scores(user=user, code=code, similar=similar, theme_ids=theme_ids, limit=limit)
    if not scores:
        return []
    ids = [sid for sid, _score in scores]
    # 5. the rows shown
    solutions = (
        Solution.objects.select_related("origin_commune")
        .only(
            "pk",
            "title",
            "summary",
            "kind",
            "stage",
            "visibility",
            "origin_commune__code",
            "origin_commune__name",
        )
        .in_bulk(ids)
    )
    # 6. where those few are deployed among the similar communes (replicas; origins are on the rows)
    places: dict[int, set[str]] = {sid: set() for sid in ids}
    for sid in ids:
        origin = solutions[sid].origin_commune_id
        if origin in similar:
            places[sid].add(origin)
    for sid, place in (
        Replication.objects.filter(solution_id__in=ids, commune_id__in=list(similar))
        .order_by()
        .values_list("solution_id", "commune_id")
    ):
        places[sid].add(place)
    # 7. theme names shared with the commune
    shared: dict[int, list[str]] = {sid: [] for sid in ids}
    if theme_ids:
        for sid, name in (
            Solution.themes.through.objects.filter(solution_id__in=ids, theme_id__in=theme_ids)
            .order_by("theme__name")
            .values_list("solution_id", "theme__name")
        ):
            shared[sid].append(name)
    territory_name = commune.territory.name if commune.territory_id else ""
    band = size_band(commune.population)
    suggestions = []
    for sid, score in scores:
        items = sorted((similar[c] for c in places[sid]), key=lambda item: item.name)
        reasons: list[str] = []
        near = [item.name for item in items if item.neighbour]
        if near:
            reasons.append(
                ngettext(
                    "Deployed in %(names)s, a neighbouring commune",
                    "Deployed in %(names)s, neighbouring communes",
                    len(near),
                )
                % {"names": _names(near)}
            )
        same = [item.name for item in items if item.same_territory]
        if same:
            reasons.append(
                ngettext(
                    "%(count)s commune of the same territory (%(territory)s) uses it",
                    "%(count)s communes of the same territory (%(territory)s) use it",
                    len(same),
                )
                % {"count": len(same), "territory": territory_name}
            )
        comparable = [item.name for item in items if item.same_size]
        if comparable:
            reasons.append(
                _("Communes of comparable size (%(band)s): %(names)s")
                % {"band": _band_label(band), "names": _names(comparable)}
            )
        if shared[sid]:
            reasons.append(_("Shared theme: %(themes)s") % {"themes": ", ".join(shared[sid][:3])})
        suggestions.append(Suggestion(solution=solutions[sid], score=score, reasons=reasons))
    return suggestions
