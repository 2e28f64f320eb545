"""Access-matrix additions for the watch app (veille).

Watch pages are the DIT team's work tool: STAFF, whatever the object. The public page and the API
are PUBLIC; the API's detail answers 404 for an item that is not diffused, to everyone.
"""

from __future__ import annotations

from maillage.watch.models import ItemStatus
from tests.factories_watch import make_digest, make_items, make_source

_HIDDEN_TO_ALL = {
    role: ("allowed", "hidden (404)") for role in ("anonymous", "admin", "agent", "correspondent")
}


def build(world) -> None:
    world.watch_source = make_source(url="http://127.0.0.1:9/inexistant.xml")
    world.watch_diffused, world.watch_retained = make_items(1, status=ItemStatus.DIFFUSED) + make_items(
        1, status=ItemStatus.RETAINED
    )
    world.watch_digest = make_digest(items=[world.watch_retained])
    # Never diffused (the digest above may be published by the matrix's POSTs): hidden from the API.
    (world.watch_new,) = make_items(1)


def _same(kwargs):
    return lambda w: (kwargs(w), kwargs(w))


def _item(w):
    return {"pk": w.watch_retained.pk}


TARGETS = {
    "watch:item_list": _same(lambda w: {}),
    "watch:item_bulk": _same(lambda w: {}),
    "watch:item_detail": _same(_item),
    "watch:item_transition": _same(_item),
    "watch:source_list": _same(lambda w: {}),
    "watch:source_create": _same(lambda w: {}),
    "watch:source_detail": _same(lambda w: {"pk": w.watch_source.pk}),
    "watch:source_update": _same(lambda w: {"pk": w.watch_source.pk}),
    "watch:source_test": _same(lambda w: {"pk": w.watch_source.pk}),
    "watch:digest_list": _same(lambda w: {}),
    "watch:digest_create": _same(lambda w: {}),
    "watch:digest_detail": _same(lambda w: {"pk": w.watch_digest.pk}),
    "watch:digest_update": _same(lambda w: {"pk": w.watch_digest.pk}),
    "watch:digest_add": _same(lambda w: {"pk": w.watch_digest.pk}),
    "watch:digest_entries": _same(lambda w: {"pk": w.watch_digest.pk}),
    "watch:digest_publish": _same(lambda w: {"pk": w.watch_digest.pk}),
    "watch:digest_newsletter": _same(lambda w: {"pk": w.watch_digest.pk}),
    "watch:public_list": _same(lambda w: {}),
    "api:watch-item-list": _same(lambda w: {}),
    "api:watch-item-detail": lambda w: ({"pk": w.watch_diffused.pk}, {"pk": w.watch_new.pk}),
}
SCOPED = {"api:watch-item-detail": _HIDDEN_TO_ALL}
POST_ONLY = {
    "watch:item_bulk",
    "watch:item_transition",
    "watch:source_test",
    "watch:digest_add",
    "watch:digest_entries",
    "watch:digest_publish",
    "watch:digest_newsletter",
}
