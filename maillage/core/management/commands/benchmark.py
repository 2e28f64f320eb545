"""Benchmark: page latency and query counts against the bare-view floor, before and after volume.

Not part of the test suite. Usage (PostgreSQL recommended):
    DATABASE_URL=postgres://... manage.py benchmark [--scale 1.0] [--requests 60]
It loads the national referential and the demo, measures, adds synthetic volume
(100,000 organisations, 300,000 people, 1,000,000 interactions, 50,000 conventions at scale 1),
and measures again.
"""

from __future__ import annotations

import statistics
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from maillage.demo.synthetic import synthetic_counts, synthetic_load

ROUTES = [
    ("bare view (floor)", "/bare/"),
    ("commune list", "/communes/"),
    ("commune profile", "/communes/93048/"),
    ("organisation search", "/organisations/?q=atelier+reseau"),
    ("organisation list", "/organisations/"),
    ("people list", "/personnes/"),
    ("agreement register", "/conventions/?status=in_force&expiring_within=365&amount_min=10000&page=2"),
]
# Measured signed in as the demo agent (staff see every convention); the others anonymously.
AS_AGENT = {"agreement register"}


def measure(client: Client, path: str, requests: int) -> dict[str, float]:
    for _ in range(3):
        client.get(path)
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    timings.sort()
    return {
        "p50": statistics.median(timings),
        "p95": timings[int(len(timings) * 0.95) - 1],
        "queries": len(queries),
    }


class Command(BaseCommand):
    help = (
        "Mesure p50/p95 et nombre de requêtes SQL des pages principales, avant et après volume synthétique."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="1.0 = 100k organisations, 300k personnes, 1M échanges."
        )
        parser.add_argument("--requests", type=int, default=60)

    def report(self, title: str, results: dict[str, dict[str, float]]) -> None:
        floor = results[ROUTES[0][0]]["p50"]
        self.stdout.write(f"\n{title}")
        self.stdout.write(f"{'page':<22}{'p50 ms':>9}{'p95 ms':>9}{'× floor':>9}{'queries':>9}")
        for name, _ in ROUTES:
            r = results[name]
            self.stdout.write(
                f"{name:<22}{r['p50']:>9.2f}{r['p95']:>9.2f}{r['p50'] / floor:>9.1f}{r['queries']:>9}"
            )

    def handle(self, *args, **options):
        # Measure what production runs: no debug cursor, cached templates.
        settings.DEBUG = False
        call_command("migrate", "--noinput", verbosity=0)
        call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        self.stdout.write(f"Base de données : {connection.vendor}")
        from maillage.accounts.models import User

        client, agent = Client(), Client()
        agent.force_login(
            User.objects.get(username="agent"), backend="django.contrib.auth.backends.ModelBackend"
        )

        def run() -> dict[str, dict[str, float]]:
            return {
                name: measure(agent if name in AS_AGENT else client, path, options["requests"])
                for name, path in ROUTES
            }

        before = run()
        self.report(f"Avant volume : {synthetic_counts()}", before)
        scale = options["scale"]
        started = time.perf_counter()
        synthetic_load(
            organizations=int(100_000 * scale),
            people=int(300_000 * scale),
            interactions=int(1_000_000 * scale),
            agreements=int(50_000 * scale),
            progress=True,
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(f"Volume chargé en {time.perf_counter() - started:.0f} s")
        after = run()
        self.report(f"Après volume : {synthetic_counts()}", after)
        self.stdout.write("\nCroissance (p50 après / p50 avant) :")
        for name, _ in ROUTES:
            self.stdout.write(f"  {name:<22}{after[name]['p50'] / before[name]['p50']:>6.2f}×")
