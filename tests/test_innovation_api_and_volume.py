"""Innovation: API endpoints, constant query counts, demo data and the benchmark helper."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.innovation.models import Replication, Solution, SolutionVisibility
from tests.conftest import login
from tests.factories_innovation import make_replication, make_solution
from tests.i18n import fr

pytestmark = pytest.mark.django_db

MONTREUIL, VINCENNES, BAGNOLET, ROMAINVILLE = "93048", "94080", "93006", "93063"
COMMUNES = ["93001", "93008", "93010", "93045", "93053", "93055", "93061", "93064", "93066", "93070"]


# --- API --------------------------------------------------------------------------------------


def test_api_visibility_and_filters(client, personas):
    public = make_solution(title="Publique", origin=MONTREUIL, kind="method")
    internal = make_solution(title="Interne", origin=VINCENNES, visibility=SolutionVisibility.INTERNAL)
    make_replication(public, BAGNOLET)
    make_replication(internal, ROMAINVILLE)
    data = client.get("/api/v1/solutions/").json()
    assert [s["title"] for s in data["results"]] == ["Publique"]
    assert data["results"][0]["replications"][0]["commune"] == BAGNOLET
    assert client.get(f"/api/v1/solutions/{internal.pk}/").status_code == 404
    assert [r["commune"] for r in client.get("/api/v1/replications/").json()["results"]] == [BAGNOLET]
    agent = login(personas.arthur)
    assert len(agent.get("/api/v1/solutions/").json()["results"]) == 2
    assert len(agent.get("/api/v1/replications/").json()["results"]) == 2
    assert [s["title"] for s in agent.get("/api/v1/solutions/?commune=93063").json()["results"]] == [
        "Interne"
    ]
    assert [s["title"] for s in agent.get("/api/v1/solutions/?kind=method").json()["results"]] == ["Publique"]
    assert agent.get("/api/v1/solutions/?stage=nope").status_code == 400
    assert agent.get("/api/v1/replications/?outcome=nope").status_code == 400


def test_api_in_openapi(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/solutions/" in schema["paths"] and "/api/v1/replications/{id}/" in schema["paths"]


# --- Query counts -----------------------------------------------------------------------------


def count_queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def grow(personas, start: int, rows: int, hub: Solution) -> None:
    for index in range(start, start + rows):
        solution = make_solution(
            title=f"Solution {index}", origin=COMMUNES[index % len(COMMUNES)], holders=[personas.montreuil]
        )
        make_replication(solution, ROMAINVILLE if index % 2 else BAGNOLET)
        commune = COMMUNES[(index + 1) % len(COMMUNES)]
        if not hub.replications.filter(commune_id=commune).exists():
            make_replication(hub, commune)


@pytest.mark.parametrize("role", ["anonymous", "agent", "correspondent"])
def test_constant_query_counts(personas, role):
    client = login({"anonymous": None, "agent": personas.arthur, "correspondent": personas.camille}[role])
    hub = make_solution(title="Cour Oasis", origin=MONTREUIL, holders=[personas.montreuil])
    urls = [
        "/innovation/",
        "/innovation/solutions/",
        "/innovation/solutions/?q=solution",
        f"/innovation/solutions/{hub.pk}/",
        f"/innovation/solutions/{hub.pk}/communes.geojson",
        "/communes/93006/",
        "/communes/93048/",
        "/api/v1/solutions/",
        "/api/v1/replications/",
    ]
    grow(personas, 0, 5, hub)
    small = {url: count_queries(client, url) for url in urls}
    grow(personas, 5, 45, hub)
    large = {url: count_queries(client, url) for url in urls}
    assert small == large


def test_suggestions_cost_constant_queries(personas):
    """Computed without the cache: the same number of queries at 5 and at 50 solutions."""
    from maillage.innovation.suggestions import _compute
    from maillage.territories.selectors import commune_detail

    hub = make_solution(title="Cour Oasis", origin=MONTREUIL, holders=[personas.montreuil])

    def measure() -> tuple[int, int]:
        commune = commune_detail(BAGNOLET)
        with CaptureQueriesContext(connection) as queries:
            found = _compute(user=personas.camille, commune=commune, limit=5)
        return len(queries), len(found)

    grow(personas, 0, 5, hub)
    small, found_small = measure()
    grow(personas, 5, 45, hub)
    large, found_large = measure()
    assert small == large and found_large == 5


def test_suggestions_follow_writes(client, personas):
    """The cache is invalidated by the services: a replication removes the suggestion at once."""
    solution = make_solution(title="Cour Oasis", origin=MONTREUIL)
    page = client.get("/communes/93006/").content.decode()
    assert "Cour Oasis" in page.split('class="suggestions"')[1]
    make_replication(solution, BAGNOLET)
    page = client.get("/communes/93006/").content.decode()
    assert 'class="suggestions"' not in page
    assert "Cour Oasis" in page.split(fr("Solutions deployed in this commune"))[1]


# --- Demo and benchmark -----------------------------------------------------------------------


def test_demo_is_rich_and_idempotent(personas):
    from maillage.demo import innovation_demo

    counts = innovation_demo.load()
    assert counts["solutions"] >= 40 and counts["reproductions"] >= 55
    assert innovation_demo.load() == {}
    assert Replication.objects.filter(parent__isnull=False, parent__parent__isnull=False).exists()
    kinds = set(Solution.objects.values_list("kind", flat=True))
    assert len(kinds) == 5
    assert Solution.objects.filter(visibility=SolutionVisibility.INTERNAL).exists()


def test_benchmark_helper(client):
    from maillage.innovation.benchmark import CATALOGUE_SEARCH_PATH, solutions_synthetic_load

    counts = solutions_synthetic_load(250)
    assert counts["solutions"] == 250 and Solution.objects.count() == 250
    assert Replication.objects.count() == counts["replications"] > 0
    response = client.get(CATALOGUE_SEARCH_PATH)
    assert response.status_code == 200 and "gétalisation des cours" in response.content.decode()
