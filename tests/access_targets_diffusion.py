"""Access-matrix additions for diffusion (achievements, newsletters, audiences, subscriptions).

Own objects are public (a published achievement, a sent newsletter); other objects are not (a
draft achievement, a draft newsletter): the public pages answer 404 for those, to everyone but
staff for the draft achievement. Token URLs: "own" carries a valid signed token, "other" a
tampered one, answered 400 with an explanation and nothing changed.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from maillage.diffusion.models import Achievement, Audience, Newsletter, NewsletterStatus, Subscriber
from maillage.diffusion.tokens import confirm_token, unsubscribe_token

ALLOWED, LOGIN, FORBIDDEN, HIDDEN, BAD = "allowed", "login", "forbidden", "hidden (404)", "HTTP 400"


def build(world) -> None:
    world.published_achievement = Achievement.objects.create(
        title="Réseau de chaleur partagé",
        summary="Mise en service.",
        date=dt.date(2025, 3, 1),
        is_published=True,
    )
    world.draft_achievement = Achievement.objects.create(
        title="Brouillon", summary="Pas encore publié.", date=dt.date(2025, 4, 1)
    )
    world.audience = Audience.objects.create(name="Tous")
    world.sent_newsletter = Newsletter.objects.create(
        title="Lettre n°1", audience=world.audience, status=NewsletterStatus.SENT, sent_at=timezone.now()
    )
    world.draft_newsletter = Newsletter.objects.create(title="Lettre n°2", audience=world.audience)
    world.pending_subscriber = Subscriber.objects.create(email="abonne@example.org")


def _same(kwargs):
    return lambda w: (kwargs(w), kwargs(w))


def _tampered(token: str) -> str:
    return token[:-2] + ("AA" if not token.endswith("AA") else "BB")


def _unsubscribe_tokens(w):
    token = unsubscribe_token("abonne@example.org")
    return ({"token": token}, {"token": _tampered(token)})


def _confirm_tokens(w):
    token = confirm_token(w.pending_subscriber)
    return ({"token": token}, {"token": _tampered(token)})


TARGETS = {
    "diffusion:achievement_list": _same(lambda w: {}),
    "diffusion:achievement_create": _same(lambda w: {}),
    "diffusion:achievement_rss": _same(lambda w: {}),
    "diffusion:achievement_atom": _same(lambda w: {}),
    "diffusion:achievement_detail": lambda w: (
        {"pk": w.published_achievement.pk},
        {"pk": w.draft_achievement.pk},
    ),
    "diffusion:achievement_update": lambda w: (
        {"pk": w.published_achievement.pk},
        {"pk": w.draft_achievement.pk},
    ),
    "diffusion:audience_list": _same(lambda w: {}),
    "diffusion:audience_create": _same(lambda w: {}),
    "diffusion:audience_update": _same(lambda w: {"pk": w.audience.pk}),
    "diffusion:newsletter_list": _same(lambda w: {}),
    "diffusion:newsletter_create": _same(lambda w: {}),
    "diffusion:newsletter_update": lambda w: ({"pk": w.draft_newsletter.pk}, {"pk": w.sent_newsletter.pk}),
    "diffusion:newsletter_preview": lambda w: ({"pk": w.draft_newsletter.pk}, {"pk": w.sent_newsletter.pk}),
    "diffusion:newsletter_send": lambda w: ({"pk": w.draft_newsletter.pk}, {"pk": w.sent_newsletter.pk}),
    "diffusion:archive": _same(lambda w: {}),
    "diffusion:archive_detail": lambda w: ({"pk": w.sent_newsletter.pk}, {"pk": w.draft_newsletter.pk}),
    "diffusion:subscribe": _same(lambda w: {}),
    "diffusion:subscribe_confirm": _confirm_tokens,
    "diffusion:unsubscribe": _unsubscribe_tokens,
    "diffusion:preferences": _unsubscribe_tokens,
}

_PUBLIC_DRAFT_HIDDEN = {
    "anonymous": (ALLOWED, HIDDEN),
    "admin": (ALLOWED, ALLOWED),
    "agent": (ALLOWED, ALLOWED),
    "correspondent": (ALLOWED, HIDDEN),
}
_ARCHIVE = {role: (ALLOWED, HIDDEN) for role in ("anonymous", "admin", "agent", "correspondent")}
_TOKEN = {role: (ALLOWED, BAD) for role in ("anonymous", "admin", "agent", "correspondent")}
SCOPED = {
    "diffusion:achievement_detail": _PUBLIC_DRAFT_HIDDEN,
    "diffusion:archive_detail": _ARCHIVE,
    "diffusion:subscribe_confirm": _TOKEN,
    "diffusion:unsubscribe": _TOKEN,
    "diffusion:preferences": _TOKEN,
}
POST_ONLY: set[str] = set()
