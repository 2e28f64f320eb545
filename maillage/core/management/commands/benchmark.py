"""Benchmark: page latency and query counts against the bare-view floor, before and after volume,
then the outbox, the innovation catalogue and the watch ingestion.

Not part of the test suite. Usage (PostgreSQL recommended):
    DATABASE_URL=postgres://... manage.py benchmark [--scale 1.0] [--requests 60] [--only pages,outbox,...]
Sections, in this order (``--only`` picks some):
- pages: loads the national referential and the demo, measures, adds synthetic volume (100,000
  organisations, 300,000 people, 1,000,000 interactions, 50,000 conventions at scale 1), measures again;
- outbox: renders and sends ``--messages`` personalised e-mails to a local SMTP sink (the
  ``benchmark_outbox`` command, in its own throwaway database): messages per second, peak memory;
- innovation: adds ``--solutions`` catalogue entries and times the catalogue search against the
  bare-view floor, in the same run;
- watch: ingests ``--feed-items`` feed items (then the same again: no duplicates): items per second.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
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
SECTIONS = ("pages", "outbox", "innovation", "watch")
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
        parser.add_argument("--only", default=",".join(SECTIONS), help=f"Parmi : {', '.join(SECTIONS)}.")
        parser.add_argument("--messages", type=int, default=10_000)
        parser.add_argument("--solutions", type=int, default=100_000)
        parser.add_argument("--feed-items", type=int, default=100_000)

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
        sections = [name.strip() for name in options["only"].split(",") if name.strip()]
        if unknown := set(sections) - set(SECTIONS):
            raise CommandError(
                f"Section inconnue : {', '.join(sorted(unknown))}. Possibles : {', '.join(SECTIONS)}."
            )
        # Measure what production runs: no debug cursor, cached templates.
        settings.DEBUG = False
        call_command("migrate", "--noinput", verbosity=0)
        call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        self.stdout.write(f"Base de données : {connection.vendor}")
        if "pages" in sections:
            self.pages(options)
        if "outbox" in sections:
            self.outbox(options["messages"])
        if "innovation" in sections:
            self.innovation(options["solutions"], options["requests"])
        if "watch" in sections:
            self.watch(options["feed_items"])

    def outbox(self, count: int) -> None:
        """The outbox benchmark runs in a subprocess: it creates and drops its own database."""
        self.stdout.write(f"\nOutbox : {count} messages personnalisés vers un serveur SMTP local")
        self.stdout.flush()
        code = subprocess.call(
            [sys.executable, "manage.py", "benchmark_outbox", "--count", str(count)],
            cwd=settings.PROJECT_DIR,
            env=os.environ.copy(),
        )
        if code:
            raise CommandError(f"benchmark_outbox a échoué (code {code}).")

    def innovation(self, count: int, requests: int) -> None:
        """Catalogue search on the demo catalogue, then with ``count`` more entries, against the floor."""
        from maillage.innovation.benchmark import CATALOGUE_SEARCH_PATH, solutions_synthetic_load
        from maillage.innovation.models import Solution

        client = Client()

        def run() -> dict[str, dict[str, float]]:
            return {
                "bare view (floor)": measure(client, ROUTES[0][1], requests),
                "catalogue search": measure(client, CATALOGUE_SEARCH_PATH, requests),
            }

        def report(title: str, results: dict[str, dict[str, float]]) -> None:
            floor = results["bare view (floor)"]["p95"]
            self.stdout.write(f"\n{title}")
            self.stdout.write(f"{'page':<22}{'p50 ms':>9}{'p95 ms':>9}{'p95 × floor':>13}{'queries':>9}")
            for name, r in results.items():
                self.stdout.write(
                    f"{name:<22}{r['p50']:>9.2f}{r['p95']:>9.2f}{r['p95'] / floor:>13.1f}{r['queries']:>9}"
                )

        before = run()
        report(f"Catalogue avant volume : {Solution.objects.count()} fiches", before)
        started = time.perf_counter()
        created = solutions_synthetic_load(count)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(f"Volume : {created} ajoutées en {time.perf_counter() - started:.0f} s")
        after = run()
        report(f"Catalogue après volume : {Solution.objects.count()} fiches", after)
        growth = after["catalogue search"]["p95"] / before["catalogue search"]["p95"]
        self.stdout.write(f"Croissance de la recherche (p95 après / p95 avant) : {growth:.2f}×")

    def watch(self, count: int) -> None:
        from maillage.watch.benchmark import ingest_benchmark

        self.stdout.write(f"\nVeille : ingestion de {count} éléments")
        self.stdout.flush()
        report = ingest_benchmark(count=count)
        for key, value in report.items():
            if isinstance(value, dict):  # one pass: created, duplicates, seconds, items per second
                self.stdout.write(f"  {key:<20}" + ", ".join(f"{k} {v}" for k, v in value.items()))
            else:
                self.stdout.write(f"  {key:<20}{value}")

    def pages(self, options) -> None:
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
