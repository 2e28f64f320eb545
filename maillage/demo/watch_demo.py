"""Demonstration data of the watch app (idempotent).

Twelve fictional feeds shipped in ``maillage/watch/samples/`` (see SOURCES.md there) are ingested
through the same parse, de-duplicate and store service as a real fetch, without any network access.
The sources stay inactive so that the scheduler never tries to reach their fictional addresses.
Then a part of the items is triaged, tagged and assigned, and one digest is published (its items are
« diffusé », visible on the public page and in the API) while another is a draft.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from maillage.accounts.roles import Role
from maillage.territories.models import Commune
from maillage.themes.models import Theme
from maillage.watch import services
from maillage.watch.models import Digest, Item, ItemStatus, Source

SAMPLES = Path(__file__).resolve().parents[1] / "watch" / "samples"
# Real communes of the Métropole du Grand Paris, tagged on a few items.
COMMUNES = ["93048", "94080", "93066", "75056", "92050", "94028"]


def sample_sources() -> list[dict]:
    return json.loads((SAMPLES / "sources.json").read_text(encoding="utf-8"))


@transaction.atomic
def load() -> dict[str, int]:
    """Create the demo objects once; return counts of what was created."""
    if Source.objects.exists():
        return {}
    staff = list(
        get_user_model().objects.filter(is_active=True, role__in=[Role.AGENT, Role.ADMIN]).order_by("pk")[:2]
    )
    owner = staff[0] if staff else None
    themes = {t.slug: t for t in Theme.objects.all()}
    now = timezone.now()
    created = 0
    for spec in sample_sources():
        source = services.source_create(
            data={
                "title": spec["title"],
                "url": spec["url"],
                "site_url": spec["site_url"],
                "owner": owner,
                "is_active": False,
                "fetch_every_minutes": 120,
            },
            themes=[themes[slug] for slug in spec["themes"] if slug in themes],
        )
        report = services.feed_ingest(source=source, data=(SAMPLES / spec["file"]).read_bytes(), now=now)
        created += report.created
    items = list(Item.objects.order_by("-published_at", "pk"))
    retained = items[0:24:2]
    discarded = items[1:24:4]
    services.items_bulk_transition(
        item_ids=[i.pk for i in retained], to_status=ItemStatus.RETAINED, user=owner
    )
    services.items_bulk_transition(
        item_ids=[i.pk for i in discarded], to_status=ItemStatus.DISCARDED, user=owner
    )
    communes = list(Commune.objects.filter(code__in=COMMUNES))
    for index, item in enumerate(items[:30]):
        if communes and index % 3 == 0:
            item.communes.add(communes[index % len(communes)])
        if staff and index % 4 == 0:
            Item.objects.filter(pk=item.pk).update(assignee=staff[index % len(staff)])
    published = services.digest_create(
        data={
            "title": "Veille innovation publique – novembre 2026",
            "start_date": (now - dt.timedelta(days=40)).date(),
            "end_date": now.date(),
            "intro": "Une sélection d'articles repérés par l'équipe de la direction de l'innovation territoriale.",
        },
        user=owner,
    )
    services.digest_items_add(digest=published, item_ids=[i.pk for i in retained[:5]])
    services.digest_entries_save(
        digest=published,
        entries=[
            {
                "id": entry.pk,
                "order": entry.order,
                "comment": f"À rapprocher des projets en cours (n° {n + 1}).",
            }
            for n, entry in enumerate(published.entries.all())
        ],
    )
    services.digest_publish(digest=published, user=owner)
    draft = services.digest_create(
        data={"title": "Veille – sélection en préparation", "intro": "Sélection de la quinzaine."}, user=owner
    )
    services.digest_items_add(digest=draft, item_ids=[i.pk for i in retained[5:8]])
    return {
        "sources de veille": Source.objects.count(),
        "articles de veille": created,
        "sélections de veille": Digest.objects.count(),
    }
