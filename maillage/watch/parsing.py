"""Reading a feed: bytes in, clean entries out (no database, no network).

feedparser reads RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom, and copes with most malformed documents.
Everything it returns is then cleaned here: titles become plain text, summaries are sanitised by nh3
with a strict allow-list, lengths are capped, links are resolved and made canonical, and dates fall
back to the fetch time. A document that declares XML entities is refused before parsing (« billion
laughs »); a document that is not a feed raises :class:`FeedError` with a French message.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import feedparser
import nh3
from django.utils.translation import gettext as _

from maillage.core.text import normalize
from maillage.watch.models import TITLE_MAX, URL_MAX

SUMMARY_MAX = 5000  # characters of sanitised HTML
SEARCH_MAX = 1000
# Under this many normalised characters, title + summary are too generic to identify an article.
CONTENT_HASH_MIN = 30
ALLOWED_TAGS = {"p", "br", "a", "em", "strong", "b", "i", "ul", "ol", "li", "blockquote", "code", "pre"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
# Query parameters that only track the reader: dropped from canonical addresses.
_TRACKING = re.compile(
    r"^(utm_|mtm_|pk_|at_|hsa_)|^(fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|_hsenc|_hsmi|"
    r"igshid|xtor|ref_src|yclid|_ga|_gl|wt\.mc_id|cmpid|ncid|s_cid|oly_enc_id|oly_anon_id|vero_id)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SPACES = re.compile(r"\s+")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


class FeedError(Exception):
    """The document cannot be read as a feed; ``str()`` is a French message for the source."""


@dataclass
class Entry:
    title: str
    summary: str
    url: str
    canonical_url: str
    url_hash: str
    content_hash: str | None
    author: str
    published_at: dt.datetime
    date_guessed: bool
    search_text: str


@dataclass
class ParsedFeed:
    title: str = ""
    site_url: str = ""
    entries: list[Entry] = field(default_factory=list)
    warning: str = ""
    skipped: int = 0
    known: int = 0


# --- Cleaning ------------------------------------------------------------------------------------


def clean_html(value: str, base: str = "") -> str:
    """Sanitised HTML: a small allow-list of tags, http(s)/mailto links only, scripts and styles removed.

    Relative links are made absolute against ``base`` (the item's or the feed's address).
    """

    def absolute(tag: str, attribute: str, link: str) -> str | None:
        if attribute == "href" and base:
            return urljoin(base, link)
        return link

    return nh3.clean(
        value or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=absolute if base else None,
    ).strip()


def plain_text(value: str) -> str:
    """Text without any tag, entities decoded, whitespace collapsed."""
    text = html.unescape(nh3.clean(value or "", tags=set(), strip_comments=True))
    return _SPACES.sub(" ", text).strip()


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clean_summary(value: str, base: str = "") -> str:
    cleaned = clean_html(value, base)
    if len(cleaned) <= SUMMARY_MAX:
        return cleaned
    # Too long to cut safely as HTML: keep its text, escaped.
    return html.escape(_cap(plain_text(value), SUMMARY_MAX // 2), quote=False)


# --- Addresses -----------------------------------------------------------------------------------


def canonical_url(url: str) -> str:
    """Scheme and host lower-cased, default port, fragment, tracking parameters and trailing slash removed.

    Remaining query parameters are sorted. Raises ValueError for an address that is not absolute http(s).
    """
    parts = urlsplit((url or "").strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(url)
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    port = parts.port  # may raise ValueError
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "").rstrip("/")
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING.match(key)
    )
    result = f"{scheme}://{netloc}{path}"
    if query:
        result += "?" + urlencode(query)
    return result


def url_key(canonical: str) -> str:
    """Hash of a canonical address, scheme left out: http:// and https:// copies are the same article."""
    without_scheme = canonical.split("://", 1)[-1]
    return hashlib.sha256(without_scheme.encode()).hexdigest()


def content_key(title: str, summary_text: str) -> str | None:
    text = f"{normalize(title)}|{normalize(summary_text)[:2000]}"
    if len(text) - 1 < CONTENT_HASH_MIN:
        return None
    return hashlib.sha256(text.encode()).hexdigest()


def _absolute_http(link: str, base: str) -> str:
    if not link:
        return ""
    link = urljoin(base, link.strip()) if base else link.strip()
    try:
        canonical_url(link)
    except ValueError:
        return ""
    return link if len(link) <= URL_MAX else ""


# --- Parsing -------------------------------------------------------------------------------------


def _date(entry: dict, now: dt.datetime) -> tuple[dt.datetime, bool]:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                moment = dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.UTC)
            except (OverflowError, ValueError, OSError, TypeError):
                continue
            if moment > now + dt.timedelta(days=1):  # a date in the future is a wrong date
                return now, True
            return moment, False
    return now, True


def _summary(entry: dict) -> str:
    for content in entry.get("content") or []:
        if content.get("value"):
            return content["value"]
    return entry.get("summary") or entry.get("description") or ""


def _identity(raw: dict, *, base: str, source_key: str) -> tuple[str, str]:
    """(link, canonical address) of an entry, or (link, "") when only its content can identify it."""
    guid = (raw.get("id") or "").strip()
    link = raw.get("link") or ""
    if raw.get("guidislink") and not guid.lower().startswith(("http://", "https://")):
        link = ""  # feedparser made a link of a guid that is not an address (isPermaLink by default)
    link = _absolute_http(link, base)
    if link:
        return link, canonical_url(link)
    if guid:
        return link, f"urn:maillage-watch:{source_key}:{hashlib.sha256(guid.encode()).hexdigest()}"
    return link, ""


def _entry(raw: dict, *, base: str, link: str, canonical: str, now: dt.datetime) -> Entry | None:
    # Relative links inside the summary are relative to the article's page when it has one.
    summary_html = clean_summary(_summary(raw), link or base)
    summary_text = plain_text(summary_html)
    title = plain_text(raw.get("title") or "")
    if not title:
        title = _cap(summary_text, 120) if summary_text else _("(untitled)")
    title = _cap(title, TITLE_MAX)
    content_hash = content_key(title, summary_text)
    if not canonical:
        if not content_hash:
            return None  # nothing identifies this entry
        canonical = f"urn:maillage-watch:content:{content_hash}"
    published_at, guessed = _date(raw, now)
    author = _cap(plain_text(raw.get("author") or ""), 250)
    return Entry(
        title=title,
        summary=summary_html,
        url=link,
        canonical_url=canonical[:URL_MAX],
        url_hash=url_key(canonical),
        content_hash=content_hash,
        author=author,
        published_at=published_at,
        date_guessed=guessed,
        search_text=normalize(f"{title} {summary_text}")[:SEARCH_MAX],
    )


def _line(exception: Exception) -> str:
    line = getattr(exception, "getLineNumber", lambda: None)()
    return _(" (line %(line)s)") % {"line": line} if line else ""


def parse_feed(
    data: bytes,
    *,
    base_url: str = "",
    now: dt.datetime,
    content_type: str = "",
    known_url_hashes: Callable[[list[str]], set[str]] | None = None,
) -> ParsedFeed:
    """Entries of an RSS/Atom document; raises FeedError when it cannot be read as a feed.

    ``known_url_hashes``, given the address hashes of the document, returns those already stored:
    these entries are only counted (``known``), not cleaned nor returned.
    """
    if not data or not data.strip():
        raise FeedError(_("The server answered with an empty body: no feed to read."))
    if _ENTITY_DECLARATION.search(data):
        raise FeedError(
            _("The document declares XML entities (<!ENTITY>), which are refused for security reasons.")
        )
    headers = {"content-location": base_url} if base_url else {}
    # Without a declared type, feedparser flags the document; a feed file is XML. A text/* type without
    # charset would force US-ASCII (RFC 3023), but the XML declaration is what servers mean (RFC 7303).
    if not content_type or (
        content_type.lower().startswith("text/") and "charset" not in content_type.lower()
    ):
        content_type = "application/xml"
    headers["content-type"] = content_type
    parsed = feedparser.parse(
        data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    feed = parsed.get("feed", {})
    raw_entries = parsed.get("entries") or []
    if not parsed.get("version") and not raw_entries:
        if data.lstrip()[:200].lower().find(b"<html") >= 0 or b"<!doctype html" in data[:500].lower():
            raise FeedError(
                _(
                    "This address returns a web page (HTML), not an RSS or Atom feed. Look on the site for "
                    "the feed link (often « RSS » or « flux »)."
                )
            )
        if parsed.get("bozo"):
            raise FeedError(
                _("The document is not valid XML%(line)s: no item could be read.")
                % {"line": _line(parsed.get("bozo_exception"))}
            )
        raise FeedError(_("This document is neither an RSS nor an Atom feed."))
    base = base_url
    site_url = _absolute_http(feed.get("link") or "", base_url)
    result = ParsedFeed(title=_cap(plain_text(feed.get("title") or ""), 250), site_url=site_url)
    source_key = hashlib.sha256((base_url or site_url).encode()).hexdigest()[:16]
    base = base or site_url
    identities = [_identity(raw, base=base, source_key=source_key) for raw in raw_entries]
    # Entries already stored (by address) are not cleaned again: a re-fetch costs little.
    known = known_url_hashes([url_key(c) for _, c in identities if c]) if known_url_hashes else set()
    for raw, (link, canonical) in zip(raw_entries, identities, strict=True):
        if canonical and url_key(canonical) in known:
            result.known += 1
            continue
        entry = _entry(raw, base=base, link=link, canonical=canonical, now=now)
        if entry is None:
            result.skipped += 1
        else:
            result.entries.append(entry)
    if parsed.get("bozo"):
        exception = parsed.get("bozo_exception")
        if isinstance(exception, feedparser.NonXMLContentType):
            pass  # many servers send feeds as text/html or text/plain: harmless when the XML is good
        elif isinstance(exception, feedparser.CharacterEncodingOverride):
            result.warning = _("The feed declares a wrong encoding or content type; it was read anyway.")
        elif raw_entries:
            result.warning = _(
                "The feed is malformed XML%(line)s; %(count)s item(s) could be read anyway."
            ) % {"line": _line(exception), "count": len(result.entries)}
        else:
            raise FeedError(
                _("The feed is malformed XML%(line)s and no item could be read.") % {"line": _line(exception)}
            )
    if result.skipped and not result.warning:
        result.warning = _("%(count)s item(s) without title, link nor text were ignored.") % {
            "count": result.skipped
        }
    return result
