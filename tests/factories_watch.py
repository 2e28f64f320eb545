"""Factories of the watch app: sources, items (through the real store path) and digests."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from django.utils import timezone

from maillage.watch import services
from maillage.watch.models import Digest, Item, ItemStatus, Source

FEEDS = Path(__file__).resolve().parent / "data" / "feeds"
_counter = itertools.count(1)


def make_source(**data) -> Source:
    n = next(_counter)
    values = {"title": f"Source fictive {n}", "url": f"https://source{n}.example/flux.xml", "is_active": True}
    values.update(data)
    themes = values.pop("themes", None)
    return services.source_create(data=values, themes=themes)


def rss(items: list[tuple[str, str, str]], *, title: str = "Flux de test") -> bytes:
    """An RSS 2.0 document; items are (title, link, description)."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><description>{d}</description>"
        f"<pubDate>Mon, 02 Nov 2026 08:00:00 GMT</pubDate></item>"
        for t, link, d in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://test.example/</link><description>x</description>{body}</channel></rss>"
    ).encode()


def make_items(
    count: int, *, source: Source | None = None, status: str = ItemStatus.NEW, prefix: str = ""
) -> list[Item]:
    """``count`` distinct items stored through feed_ingest, then moved to ``status``."""
    source = source or make_source()
    start = next(_counter) * 10_000
    data = rss(
        [
            (
                f"{prefix}Article de veille numéro {start + i}",
                f"https://{source.pk}.example/articles/{start + i}",
                f"Résumé distinct de l'article {start + i} sur l'innovation publique.",
            )
            for i in range(count)
        ]
    )
    services.feed_ingest(source=source, data=data, now=timezone.now())
    items = list(
        Item.objects.filter(url__contains="/articles/").filter(source=source).order_by("-pk")[:count]
    )
    if status != ItemStatus.NEW:
        moves = {
            ItemStatus.RETAINED: [ItemStatus.RETAINED],
            ItemStatus.DISCARDED: [ItemStatus.DISCARDED],
            ItemStatus.DIFFUSED: [ItemStatus.RETAINED, ItemStatus.DIFFUSED],
        }[status]
        for move in moves:
            services.items_bulk_transition(item_ids=[i.pk for i in items], to_status=move)
        for item in items:
            item.refresh_from_db()
    return items


def make_digest(*, items: list[Item] | None = None, title: str = "Sélection de test") -> Digest:
    digest = services.digest_create(
        data={"title": title, "start_date": dt.date(2020, 1, 1), "intro": "Introduction de la sélection."}
    )
    if items:
        services.digest_items_add(digest=digest, item_ids=[i.pk for i in items])
    return digest
