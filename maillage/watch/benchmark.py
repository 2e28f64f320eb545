"""Ingestion benchmark: many feeds through the real parse, de-duplicate and store path.

``ingest_benchmark(count=100_000)`` builds ``sources`` RSS documents in memory (``count`` items in
all), ingests each one with ``services.feed_ingest`` exactly as a fetch would, then ingests them all a
second time (which must create nothing), and reports items per second for both passes and the peak
memory of the process. Its sources are named ``Benchmark …`` on ``bench.invalid`` addresses; pass
``cleanup=True`` to delete them (and their items) afterwards.

Run it from a shell::

    .venv/bin/python manage.py shell -c "from maillage.watch.benchmark import ingest_benchmark as b; print(b(100_000, cleanup=True))"
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import time
from html import escape

from django.utils import timezone

from maillage.watch import services
from maillage.watch.models import Item, Source

HOST = "bench.invalid"
WORDS = (
    "innovation publique territoire commune métropole données ouvertes commun numérique programme "
    "européen ville intelligente mobilité transition écologique participation citoyenne achat "
    "service usager expérimentation laboratoire réseau chaleur école mutualisation logiciel libre"
).split()


def _feed(source_index: int, per_source: int, start: int) -> bytes:
    """An RSS 2.0 document of ``per_source`` distinct items (tracking parameters included)."""
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>',
        f"<title>Benchmark {source_index}</title><link>https://{HOST}/s{source_index}/</link>",
        "<description>Flux de mesure</description>",
    ]
    for n in range(start, start + per_source):
        words = " ".join(WORDS[(n + k * 7) % len(WORDS)] for k in range(8))
        when = (base + dt.timedelta(minutes=n)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        parts.append(
            f"<item><title>{escape(words.capitalize())} n° {n}</title>"
            f"<link>https://{HOST}/s{source_index}/articles/{n}/?utm_source=rss&amp;utm_medium=flux</link>"
            f'<guid isPermaLink="false">bench-{n}</guid><pubDate>{when}</pubDate>'
            f'<description><![CDATA[<p>Article {n} : {escape(words)}. <a href="/a/{n}">Lire</a></p>]]>'
            "</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def ingest_benchmark(count: int = 100_000, *, sources: int = 100, cleanup: bool = False) -> dict:
    """Ingest ``count`` items from ``sources`` in-memory feeds, twice; return the figures."""
    per_source = max(1, count // sources)
    feeds = [_feed(index, per_source, index * per_source) for index in range(sources)]
    existing = set(Source.objects.filter(url__contains=HOST).values_list("url", flat=True))
    rows = []
    for index in range(sources):
        url = f"https://{HOST}/s{index}/rss.xml"
        if url in existing:
            rows.append(Source.objects.get(url=url))
        else:
            rows.append(
                services.source_create(data={"title": f"Benchmark {index}", "url": url, "is_active": False})
            )
    items_before = Item.objects.count()
    result: dict = {"sources": sources, "items_per_source": per_source, "count": per_source * sources}
    now = timezone.now()
    for label in ("first", "second"):
        created = duplicates = 0
        started = time.perf_counter()
        for source, data in zip(rows, feeds, strict=True):
            report = services.feed_ingest(source=source, data=data, now=now)
            created += report.created
            duplicates += report.duplicates
        elapsed = time.perf_counter() - started
        result[f"{label}_pass"] = {
            "created": created,
            "duplicates": duplicates,
            "seconds": round(elapsed, 2),
            "items_per_second": round(result["count"] / elapsed) if elapsed else None,
        }
    result["items_in_database"] = Item.objects.count() - items_before
    result["peak_memory_mb"] = _peak_rss_mb()
    if cleanup:
        Item.objects.filter(source__in=rows).delete()
        Source.objects.filter(pk__in=[s.pk for s in rows]).delete()
    return result
