"""Watch (veille): feeds the DIT team follows, the items they bring, their triage, and curated digests.

- ``Source``: an RSS or Atom feed, fetched on a schedule with conditional GET; its fetch state
  (last status, French error message, consecutive failures, next fetch time) lives on the row.
- ``Item``: one article, stored once whatever the number of feeds that carry it: its canonical URL
  and its content (title + summary, normalised) are both unique, by hash.
- ``Digest``: a curated selection of retained items, each with a comment; it can become a draft
  newsletter of the diffusion app, and its items become « diffusé » when it is published or sent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.core.models import TimeStamped, Versioned, dates_ordered

TITLE_MAX = 500
URL_MAX = 1000


class FetchStatus(models.TextChoices):
    NEVER = "never", _("Never fetched")
    OK = "ok", _("Fetched")
    NOT_MODIFIED = "not_modified", _("Unchanged since the last fetch")
    PARTIAL = "partial", _("Read with warnings")
    ERROR = "error", _("Error")


class Source(TimeStamped, Versioned):
    """An RSS or Atom feed followed by the team."""

    title = models.CharField(_("name"), max_length=250)
    url = models.URLField(_("feed address"), max_length=URL_MAX, unique=True)
    site_url = models.URLField(_("website"), max_length=URL_MAX, blank=True)
    themes = models.ManyToManyField("themes.Theme", verbose_name=_("themes"), blank=True, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="watch_sources",
    )
    is_active = models.BooleanField(_("active"), default=True)
    fetch_every_minutes = models.PositiveIntegerField(_("fetch every (minutes)"), default=60)
    # Fetch state: written by the fetcher with update(), not an edit of the record.
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=200, blank=True, editable=False)
    last_fetched_at = models.DateTimeField(_("last fetched at"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("last success at"), null=True, blank=True, editable=False)
    last_status = models.CharField(
        _("last status"),
        max_length=20,
        choices=FetchStatus.choices,
        default=FetchStatus.NEVER,
        editable=False,
    )
    last_http_status = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0, editable=False)
    next_fetch_at = models.DateTimeField(
        _("next fetch"), null=True, blank=True, db_index=True, editable=False
    )
    last_new_items = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("watch source")
        verbose_name_plural = _("watch sources")
        constraints = [
            models.CheckConstraint(
                condition=Q(fetch_every_minutes__gte=5),
                name="watch_source_fetch_interval_min",
                violation_error_message=_("A feed cannot be fetched more often than every 5 minutes."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class ItemStatus(models.TextChoices):
    NEW = "new", _("New")
    RETAINED = "retained", _("Retained")
    DISCARDED = "discarded", _("Discarded")
    DIFFUSED = "diffused", _("Diffused")


# Allowed moves of an item; anything else is refused with a message.
ITEM_TRANSITIONS: dict[str, set[str]] = {
    ItemStatus.NEW: {ItemStatus.RETAINED, ItemStatus.DISCARDED},
    ItemStatus.RETAINED: {ItemStatus.DIFFUSED, ItemStatus.DISCARDED, ItemStatus.NEW},
    ItemStatus.DISCARDED: {ItemStatus.NEW},
    ItemStatus.DIFFUSED: set(),
}


class Item(TimeStamped, Versioned):
    """One article; unique by canonical URL and by content, whatever the feed that brought it."""

    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.CASCADE, related_name="items"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    summary = models.TextField(_("summary"), blank=True)  # sanitised HTML (nh3 allow-list)
    url = models.URLField(_("link"), max_length=URL_MAX, blank=True)
    canonical_url = models.CharField(_("canonical address"), max_length=URL_MAX, editable=False)
    url_hash = models.CharField(max_length=64, unique=True, editable=False)
    content_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    author = models.CharField(_("author"), max_length=250, blank=True)
    published_at = models.DateTimeField(_("published at"), db_index=True)
    date_guessed = models.BooleanField(_("date of the fetch (the feed gave none)"), default=False)
    # No B-tree index: it cannot serve LIKE '%word%' and would slow the bulk ingestion down.
    search_text = models.CharField(max_length=1000, editable=False, default="")
    status = models.CharField(
        _("status"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.NEW, db_index=True
    )
    themes = models.ManyToManyField("themes.Theme", verbose_name=_("themes"), blank=True, related_name="+")
    communes = models.ManyToManyField(
        "territories.Commune", verbose_name=_("communes"), blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="watch_items",
    )
    notes = models.TextField(_("notes"), blank=True)
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("watch item")
        verbose_name_plural = _("watch items")
        indexes = [models.Index(fields=["status", "-published_at"], name="watch_item_status_date")]

    def __str__(self) -> str:
        return self.title


class DigestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Digest(TimeStamped, Versioned):
    """A curated selection of retained items, with a comment on each, that can feed a newsletter."""

    title = models.CharField(_("title"), max_length=250)
    start_date = models.DateField(_("period start"), null=True, blank=True)
    end_date = models.DateField(_("period end"), null=True, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=DigestStatus.choices, default=DigestStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    newsletter = models.ForeignKey(
        "diffusion.Newsletter",
        verbose_name=_("newsletter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        constraints = [
            dates_ordered(
                "watch_digest_dates_ordered", message=_("The end of the period must follow its start.")
            )
        ]

    def __str__(self) -> str:
        return self.title


class DigestEntry(models.Model):
    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="entries")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("digest entry")
        verbose_name_plural = _("digest entries")
        constraints = [
            models.UniqueConstraint(
                fields=["digest", "item"],
                name="watch_digest_item_once",
                violation_error_message=_("This item is already in the digest."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.digest} – {self.item}"
