"""RSS 2.0 and Atom feeds of the published achievements (django.contrib.syndication)."""

from __future__ import annotations

import datetime as dt

from django.contrib.syndication.views import Feed
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext_lazy as _

from maillage.core.access import PUBLIC, access
from maillage.diffusion import selectors
from maillage.diffusion.models import Achievement


class AchievementRssFeed(Feed):
    feed_type = Rss201rev2Feed
    title = _("Maillage – achievements")
    link = reverse_lazy("diffusion:achievement_list")
    description = _("Achievements of the territorial cooperation.")

    def items(self):
        return selectors.achievements_for_feed()

    def item_title(self, item: Achievement) -> str:
        return item.title

    def item_description(self, item: Achievement) -> str:
        return item.summary

    def item_link(self, item: Achievement) -> str:
        return reverse("diffusion:achievement_detail", kwargs={"pk": item.pk})

    def item_pubdate(self, item: Achievement) -> dt.datetime:
        return item.published_at or timezone.make_aware(dt.datetime.combine(item.date, dt.time(12)))

    def item_updateddate(self, item: Achievement) -> dt.datetime:
        return item.updated_at

    def item_categories(self, item: Achievement) -> list[str]:
        return [theme.name for theme in item.themes.all()]


class AchievementAtomFeed(AchievementRssFeed):
    feed_type = Atom1Feed
    subtitle = AchievementRssFeed.description


achievement_rss_view = access(PUBLIC)(AchievementRssFeed())
achievement_atom_view = access(PUBLIC)(AchievementAtomFeed())
