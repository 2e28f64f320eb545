"""Every write of the watch app: sources and their fetches, items and their triage, digests.

Ingestion (``feed_ingest``) is the one path from bytes to rows, used by the scheduled fetch, the
« Tester » button, the demo loader (sample files) and the benchmark. It stores a batch of entries with
a constant number of queries: hashes already known are read in chunks, new rows go in with
``bulk_create(ignore_conflicts=True)`` on the unique hashes, so a re-fetch or two workers racing never
duplicate an item.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.core.concurrency import save_versioned
from maillage.diffusion.models import NewsletterStatus
from maillage.diffusion.services import newsletter_save
from maillage.watch.fetcher import FetchError, http_fetch
from maillage.watch.models import (
    ITEM_TRANSITIONS,
    Digest,
    DigestEntry,
    DigestStatus,
    FetchStatus,
    Item,
    ItemStatus,
    Source,
)
from maillage.watch.parsing import Entry, FeedError, canonical_url, parse_feed

SOURCE_FIELDS = ("title", "url", "site_url", "owner", "is_active", "fetch_every_minutes")
ITEM_FIELDS = ("notes", "assignee")
DIGEST_FIELDS = ("title", "start_date", "end_date", "intro")
CHUNK = 500
MAX_BACKOFF = dt.timedelta(hours=24)
LEASE = dt.timedelta(minutes=15)


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- Sources -------------------------------------------------------------------------------------


def _check_source_url(source: Source) -> None:
    try:
        canonical_url(source.url)
    except ValueError:
        raise ValidationError(
            {"url": _("Enter the complete address of the feed, starting with https:// or http://.")}
        ) from None
    duplicate = Source.objects.filter(url=source.url).exclude(pk=source.pk).first()
    if duplicate is not None:
        raise ValidationError(
            {"url": _("This feed is already followed as « %(title)s ».") % {"title": duplicate.title}}
        )


@transaction.atomic
def source_create(*, data: dict[str, Any], themes: Iterable[Any] | None = None) -> Source:
    source = Source(**{k: v for k, v in data.items() if k in SOURCE_FIELDS})
    source.url = (source.url or "").strip()
    _check_source_url(source)
    source.full_clean()
    source.save()
    if themes is not None:
        source.themes.set(themes)
    return source


@transaction.atomic
def source_update(
    *, source: Source, data: dict[str, Any], expected_version: int, themes: Iterable[Any] | None = None
) -> Source:
    old_url = Source.objects.filter(pk=source.pk).values_list("url", flat=True).first()
    for key, value in data.items():
        if key in SOURCE_FIELDS:
            setattr(source, key, value)
    source.url = (source.url or "").strip()
    _check_source_url(source)
    source.full_clean()
    if source.url != old_url:  # a new address starts afresh: no validators, no backoff
        source.etag = source.last_modified = ""
        source.consecutive_failures = 0
        source.next_fetch_at = None
    save_versioned(source, expected_version=expected_version)
    if themes is not None:
        source.themes.set(themes)
    return source


@dataclass
class FetchReport:
    status: str
    created: int = 0
    duplicates: int = 0
    message: str = ""


def _record(source: Source, *, now: dt.datetime, report: FetchReport, **fields: Any) -> None:
    """Write the fetch state on the source row (update(): not an edit, no version bump)."""
    success = report.status != FetchStatus.ERROR
    failures = 0 if success else source.consecutive_failures + 1
    interval = dt.timedelta(minutes=source.fetch_every_minutes)
    delay = interval if success else min(interval * (2 ** min(failures, 10)), max(MAX_BACKOFF, interval))
    values = {
        "last_fetched_at": now,
        "last_status": report.status,
        "last_error": report.message,
        "consecutive_failures": failures,
        "next_fetch_at": now + delay,
        "last_new_items": report.created,
        **fields,
    }
    if success:
        values["last_success_at"] = now
    Source.objects.filter(pk=source.pk).update(**values)
    for key, value in values.items():
        setattr(source, key, value)


def _known_url_hashes(hashes: list[str]) -> set[str]:
    known: set[str] = set()
    for chunk in _chunks(hashes):
        known.update(Item.objects.filter(url_hash__in=chunk).values_list("url_hash", flat=True))
    return known


def items_store(
    *, source: Source, entries: Sequence[Entry], theme_ids: Sequence[int] = ()
) -> tuple[int, int]:
    """Store the entries not seen before (by canonical URL or content); returns (created, duplicates)."""
    unique: dict[str, Entry] = {}
    contents: set[str] = set()
    for entry in entries:
        if entry.url_hash in unique or (entry.content_hash and entry.content_hash in contents):
            continue
        unique[entry.url_hash] = entry
        if entry.content_hash:
            contents.add(entry.content_hash)
    url_hashes = list(unique)
    known_urls: set[str] = set()
    for chunk in _chunks(url_hashes):
        known_urls.update(Item.objects.filter(url_hash__in=chunk).values_list("url_hash", flat=True))
    candidates = [e for h, e in unique.items() if h not in known_urls]
    content_hashes = [e.content_hash for e in candidates if e.content_hash]
    known_contents: set[str] = set()
    for chunk in _chunks(content_hashes):
        known_contents.update(
            Item.objects.filter(content_hash__in=chunk).values_list("content_hash", flat=True)
        )
    fresh = [e for e in candidates if not (e.content_hash and e.content_hash in known_contents)]
    if not fresh:
        return 0, len(entries)
    Item.objects.bulk_create(
        (
            Item(
                source=source,
                title=e.title,
                summary=e.summary,
                url=e.url,
                canonical_url=e.canonical_url,
                url_hash=e.url_hash,
                content_hash=e.content_hash,
                author=e.author,
                published_at=e.published_at,
                date_guessed=e.date_guessed,
                search_text=e.search_text,
            )
            for e in fresh
        ),
        batch_size=CHUNK,
        ignore_conflicts=True,
    )
    created_ids: list[int] = []
    for chunk in _chunks([e.url_hash for e in fresh]):
        created_ids.extend(
            Item.objects.filter(url_hash__in=chunk, source=source).values_list("pk", flat=True)
        )
    if theme_ids and created_ids:
        through = Item.themes.through
        through.objects.bulk_create(
            (
                through(item_id=item_id, theme_id=theme_id)
                for item_id in created_ids
                for theme_id in theme_ids
            ),
            batch_size=CHUNK,
            ignore_conflicts=True,
        )
    return len(created_ids), len(entries) - len(created_ids)


def feed_ingest(
    *,
    source: Source,
    data: bytes,
    now: dt.datetime | None = None,
    content_type: str = "",
    base_url: str = "",
    record: bool = True,
    **state: Any,
) -> FetchReport:
    """Parse ``data`` and store its new items for ``source``; the source records the outcome.

    A document that cannot be read leaves the items untouched and puts a French error on the source.
    """
    now = now or timezone.now()
    try:
        parsed = parse_feed(
            data,
            base_url=base_url or source.url,
            now=now,
            content_type=content_type,
            known_url_hashes=_known_url_hashes,
        )
    except FeedError as error:
        report = FetchReport(FetchStatus.ERROR, message=str(error))
    else:
        theme_ids = list(source.themes.values_list("pk", flat=True))
        with transaction.atomic():
            created, duplicates = items_store(source=source, entries=parsed.entries, theme_ids=theme_ids)
        duplicates += parsed.known
        status = FetchStatus.PARTIAL if parsed.warning else FetchStatus.OK
        report = FetchReport(status, created, duplicates, parsed.warning)
        if parsed.site_url and not source.site_url:
            state["site_url"] = parsed.site_url
    if record:
        _record(source, now=now, report=report, **state)
    return report


def source_fetch(*, source: Source, now: dt.datetime | None = None, force: bool = False) -> FetchReport:
    """Fetch ``source`` now (conditional GET unless ``force``), store its new items, record the outcome."""
    now = now or timezone.now()
    try:
        response = http_fetch(
            source.url,
            etag="" if force else source.etag,
            last_modified="" if force else source.last_modified,
        )
    except FetchError as error:
        report = FetchReport(FetchStatus.ERROR, message=str(error))
        _record(source, now=now, report=report, last_http_status=error.http_status)
        return report
    if response.not_modified:
        report = FetchReport(FetchStatus.NOT_MODIFIED)
        _record(source, now=now, report=report, last_http_status=304)
        return report
    return feed_ingest(
        source=source,
        data=response.body or b"",
        now=now,
        content_type=response.content_type,
        base_url=response.url,
        last_http_status=response.http_status,
        etag=response.etag,
        last_modified=response.last_modified,
    )


def sources_claim_due(*, now: dt.datetime, limit: int = 50) -> list[Source]:
    """Active sources due for a fetch, leased for LEASE so that another worker skips them."""
    with transaction.atomic():
        due = list(
            Source.objects.select_for_update(skip_locked=True)
            .filter(is_active=True)
            .filter(next_fetch_at__isnull=True)
            .values_list("pk", flat=True)[:limit]
        )
        if len(due) < limit:
            due += list(
                Source.objects.select_for_update(skip_locked=True)
                .filter(is_active=True, next_fetch_at__lte=now)
                .order_by("next_fetch_at")
                .values_list("pk", flat=True)[: limit - len(due)]
            )
        Source.objects.filter(pk__in=due).update(next_fetch_at=now + LEASE)
    return list(Source.objects.filter(pk__in=due).order_by("pk"))


def sources_fetch_due(*, now: dt.datetime | None = None, limit: int = 50) -> dict[str, int]:
    """Fetch every source that is due (run by the periodic task); then sync the sent digests."""
    now = now or timezone.now()
    counts = {"sources": 0, "errors": 0, "items": 0}
    for source in sources_claim_due(now=now, limit=limit):
        report = source_fetch(source=source, now=timezone.now())
        counts["sources"] += 1
        counts["errors"] += report.status == FetchStatus.ERROR
        counts["items"] += report.created
    counts["digests"] = digests_sync_sent()
    return counts


# --- Items and their triage ----------------------------------------------------------------------


def _status_label(status: str) -> str:
    return str(ItemStatus(status).label) if status in ItemStatus.values else (status or _("(none)"))


def _transition_error(current: str, target: str) -> str | None:
    allowed = ITEM_TRANSITIONS.get(current, set())
    if target in allowed:
        return None
    if target not in ItemStatus.values:
        return _("« %(target)s » is not a status of the watch.") % {"target": target or _("(none)")}
    if target == ItemStatus.DIFFUSED:
        return _("Only retained items can be diffused (this one is « %(current)s »).") % {
            "current": _status_label(current)
        }
    if not allowed:
        return _("The item is « %(current)s »: its status can no longer change.") % {
            "current": _status_label(current)
        }
    choices = ", ".join(f"« {_status_label(s)} »" for s in ItemStatus.values if s in allowed)
    return _("An item « %(current)s » cannot become « %(target)s »; it may become: %(allowed)s.") % {
        "current": _status_label(current),
        "target": _status_label(target),
        "allowed": choices,
    }


def _in_draft_digests(item_ids: Iterable[int]) -> dict[int, str]:
    return dict(
        DigestEntry.objects.filter(item_id__in=list(item_ids), digest__status=DigestStatus.DRAFT).values_list(
            "item_id", "digest__title"
        )
    )


def _leaving_retained_error(title: str) -> str:
    return _("This item is in the digest « %(digest)s »: remove it from the digest first.") % {
        "digest": title
    }


@transaction.atomic
def item_transition(*, item: Item, to_status: str, user: Any = None) -> Item:
    """Move an item along ITEM_TRANSITIONS, or raise a ValidationError that says why not."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    error = _transition_error(item.status, to_status)
    if error:
        raise ValidationError(error)
    if item.status == ItemStatus.RETAINED and to_status != ItemStatus.DIFFUSED:
        digests = _in_draft_digests([item.pk])
        if digests:
            raise ValidationError(_leaving_retained_error(digests[item.pk]))
    Item.objects.filter(pk=item.pk).update(
        status=to_status, triaged_at=timezone.now(), triaged_by=_user(user), version=F("version") + 1
    )
    item.refresh_from_db()
    return item


def _user(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


@dataclass
class BulkReport:
    moved: int
    refused: list[str]


@transaction.atomic
def items_bulk_transition(*, item_ids: Sequence[int], to_status: str, user: Any = None) -> BulkReport:
    """Move many items at once; the ones that may not move are listed with the reason, the others move."""
    if to_status not in ItemStatus.values:
        raise ValidationError({"to_status": _("Choose what to do with the selected items.")})
    ids = sorted({int(pk) for pk in item_ids})
    if not ids:
        raise ValidationError({"items": _("Select at least one item.")})
    items = list(Item.objects.select_for_update().filter(pk__in=ids).only("pk", "title", "status"))
    refused: list[str] = []
    if len(items) < len(ids):
        refused.append(_("%(count)s selected item(s) no longer exist.") % {"count": len(ids) - len(items)})
    leaving = [i.pk for i in items if i.status == ItemStatus.RETAINED and to_status != ItemStatus.DIFFUSED]
    digests = _in_draft_digests(leaving) if leaving else {}
    movable = []
    for item in items:
        error = _transition_error(item.status, to_status)
        if error is None and item.pk in digests:
            error = _leaving_retained_error(digests[item.pk])
        if error:
            refused.append(f"« {item.title} » : {error}")
        else:
            movable.append(item.pk)
    if movable:
        Item.objects.filter(pk__in=movable).update(
            status=to_status, triaged_at=timezone.now(), triaged_by=_user(user), version=F("version") + 1
        )
    return BulkReport(len(movable), refused)


@transaction.atomic
def item_update(
    *,
    item: Item,
    data: dict[str, Any],
    expected_version: int,
    themes: Iterable[Any] | None = None,
    communes: Iterable[Any] | None = None,
) -> Item:
    """Notes, assignee, themes and communes of an item (its status has its own path)."""
    for key, value in data.items():
        if key in ITEM_FIELDS:
            setattr(item, key, value)
    item.full_clean(exclude=["source", "url", "summary", "title", "published_at"])
    save_versioned(item, expected_version=expected_version)
    if themes is not None:
        item.themes.set(themes)
    if communes is not None:
        item.communes.set(communes)
    return item


# --- Digests -------------------------------------------------------------------------------------


def _check_draft(digest: Digest) -> None:
    if digest.status != DigestStatus.DRAFT:
        raise ValidationError(_("This digest is published: it can no longer be changed."))


@transaction.atomic
def digest_create(*, data: dict[str, Any], user: Any = None) -> Digest:
    digest = Digest(created_by=_user(user), **{k: v for k, v in data.items() if k in DIGEST_FIELDS})
    digest.full_clean(exclude=["created_by", "newsletter"])
    digest.save()
    return digest


@transaction.atomic
def digest_update(*, digest: Digest, data: dict[str, Any], expected_version: int) -> Digest:
    _check_draft(Digest.objects.get(pk=digest.pk))
    for key, value in data.items():
        if key in DIGEST_FIELDS:
            setattr(digest, key, value)
    digest.full_clean(exclude=["created_by", "newsletter"])
    return save_versioned(digest, expected_version=expected_version)


def _lock_digest(digest: Digest) -> Digest:
    return Digest.objects.select_for_update().get(pk=digest.pk)


@transaction.atomic
def digest_items_add(*, digest: Digest, item_ids: Sequence[int]) -> int:
    """Append retained items at the end of the digest; returns how many were added."""
    digest = _lock_digest(digest)
    _check_draft(digest)
    ids = sorted({int(pk) for pk in item_ids})
    if not ids:
        raise ValidationError({"items": _("Select at least one retained item to add.")})
    items = {i.pk: i for i in Item.objects.filter(pk__in=ids).only("pk", "title", "status")}
    missing = [pk for pk in ids if pk not in items]
    if missing:
        raise ValidationError({"items": _("Item no. %(id)s does not exist.") % {"id": missing[0]}})
    not_retained = [i for i in items.values() if i.status != ItemStatus.RETAINED]
    if not_retained:
        raise ValidationError(
            {
                "items": _("Only retained items can go into a digest: « %(title)s » is « %(status)s ».")
                % {"title": not_retained[0].title, "status": not_retained[0].get_status_display()}
            }
        )
    present = set(digest.entries.filter(item_id__in=ids).values_list("item_id", flat=True))
    start = (digest.entries.aggregate(top=Max("order"))["top"] or 0) + 1
    new = [pk for pk in ids if pk not in present]
    DigestEntry.objects.bulk_create(
        DigestEntry(digest=digest, item_id=pk, order=start + index) for index, pk in enumerate(new)
    )
    Digest.objects.filter(pk=digest.pk).update(updated_at=timezone.now())
    return len(new)


@transaction.atomic
def digest_entries_save(*, digest: Digest, entries: Sequence[dict[str, Any]]) -> Digest:
    """Comments, order and removals of the digest's entries: ``[{"id", "order", "comment", "remove"}]``."""
    digest = _lock_digest(digest)
    _check_draft(digest)
    current = {e.pk: e for e in digest.entries.all()}
    for row in entries:
        entry = current.get(row.get("id"))
        if entry is None:
            raise ValidationError(
                _("Entry no. %(id)s is not part of this digest: reload the page.") % {"id": row.get("id")}
            )
        if row.get("remove"):
            del current[entry.pk]
            entry.delete()
            continue
        entry.comment = (row.get("comment") or "").strip()
        entry.order = row.get("order", entry.order) or 0
        entry.full_clean(exclude=["digest", "item"], validate_constraints=False)
    DigestEntry.objects.bulk_update(list(current.values()), ["comment", "order"])
    Digest.objects.filter(pk=digest.pk).update(updated_at=timezone.now())
    return digest


@transaction.atomic
def digest_publish(*, digest: Digest, user: Any = None) -> Digest:
    """Publish the digest: its items become « diffusé »."""
    digest = _lock_digest(digest)
    _check_draft(digest)
    item_ids = list(digest.entries.values_list("item_id", flat=True))
    if not item_ids:
        raise ValidationError(_("Add at least one retained item before publishing the digest."))
    Item.objects.filter(pk__in=item_ids, status=ItemStatus.RETAINED).update(
        status=ItemStatus.DIFFUSED,
        triaged_at=timezone.now(),
        triaged_by=_user(user),
        version=F("version") + 1,
    )
    now = timezone.now()
    Digest.objects.filter(pk=digest.pk).update(
        status=DigestStatus.PUBLISHED, published_at=now, version=F("version") + 1
    )
    digest.refresh_from_db()
    return digest


def newsletter_sections(digest: Digest) -> list[dict[str, str]]:
    sections = []
    for entry in digest.entries.select_related("item__source").order_by("order", "pk"):
        item = entry.item
        lines = [entry.comment] if entry.comment else []
        lines.append(_("Source: %(source)s") % {"source": item.source.title})
        if item.url:
            lines.append(item.url)
        sections.append({"heading": item.title[:250], "body": "\n\n".join(lines)})
    return sections


@transaction.atomic
def digest_newsletter_create(*, digest: Digest, user: Any = None) -> Any:
    """A draft newsletter of the diffusion app, one section per item, made through its own service."""
    digest = _lock_digest(digest)
    if digest.newsletter_id is not None:
        raise ValidationError(_("A newsletter was already created from this digest."))
    sections = newsletter_sections(digest)
    if not sections:
        raise ValidationError(_("Add at least one retained item before creating a newsletter."))
    newsletter = newsletter_save(data={"title": digest.title, "intro": digest.intro}, sections=sections)
    Digest.objects.filter(pk=digest.pk).update(newsletter=newsletter)
    digest.newsletter = newsletter
    return newsletter


def digests_sync_sent() -> int:
    """Publish the draft digests whose newsletter has been sent (their items become « diffusé »)."""
    count = 0
    for digest in Digest.objects.filter(status=DigestStatus.DRAFT, newsletter__status=NewsletterStatus.SENT):
        try:
            digest_publish(digest=digest)
        except ValidationError:
            continue
        count += 1
    return count
