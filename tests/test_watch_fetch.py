"""Fetching feeds from a real local HTTP server: conditional GET (ETag, Last-Modified → 304),
timeouts, HTTP errors, redirects, oversize bodies, internal addresses, the « Tester » button."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from maillage.watch import services
from maillage.watch.fetcher import FetchError, http_fetch
from maillage.watch.models import FetchStatus, Item, Source
from tests.factories_watch import FEEDS, make_source
from tests.i18n import fr

pytestmark = pytest.mark.django_db

FEED = (FEEDS / "rss20_cdata.xml").read_bytes()
ETAG = '"v1-abc"'
LAST_MODIFIED = "Mon, 02 Nov 2026 08:00:00 GMT"


class Handler(BaseHTTPRequestHandler):
    hits: list = []

    def log_message(self, *args):  # keep the test output clean
        pass

    def _send(self, code: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(code)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):  # noqa: N802 – http.server's hook name
        Handler.hits.append((self.path, dict(self.headers)))
        path = self.path
        if path == "/etag.xml":
            if self.headers.get("If-None-Match") == ETAG:
                return self._send(304)
            return self._send(200, FEED, {"ETag": ETAG, "Content-Type": "application/rss+xml"})
        if path == "/modified.xml":
            if self.headers.get("If-Modified-Since") == LAST_MODIFIED:
                return self._send(304)
            return self._send(200, FEED, {"Last-Modified": LAST_MODIFIED, "Content-Type": "text/xml"})
        if path == "/gzip.xml":
            return self._send(200, gzip.compress(FEED), {"Content-Encoding": "gzip"})
        if path == "/page.html":
            return self._send(200, (FEEDS / "html_page.html").read_bytes(), {"Content-Type": "text/html"})
        if path == "/missing.xml":
            return self._send(404, b"introuvable")
        if path == "/broken.xml":
            return self._send(500, b"erreur")
        if path.startswith("/redirect/"):
            remaining = int(path.rsplit("/", 1)[1])
            target = "/etag.xml" if remaining == 0 else f"/redirect/{remaining - 1}"
            return self._send(301, b"", {"Location": target})
        if path == "/big-declared.xml":
            return self._send(200, b"<rss>", {"Content-Length": str(50_000_000)})
        if path == "/big-chunked.xml":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<!-- " + b"x" * 60_000 + b" -->"
            try:
                for _ in range(40):
                    self.wfile.write(f"{len(chunk):X}\r\n".encode() + chunk + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            return None
        if path == "/slow.xml":
            self.send_response(200)
            self.send_header("Content-Length", str(len(FEED)))
            self.end_headers()
            try:
                self.wfile.write(FEED[:50])
                self.wfile.flush()
                time.sleep(3)
                self.wfile.write(FEED[50:])
            except OSError:
                pass
            return None
        return self._send(404)


@pytest.fixture(scope="module")
def feed_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _local_fetch(settings):
    settings.WATCH_ALLOW_PRIVATE_HOSTS = True
    settings.WATCH_READ_TIMEOUT = 1
    settings.WATCH_CONNECT_TIMEOUT = 1
    settings.WATCH_MAX_BYTES = 1_000_000
    Handler.hits.clear()


def _prefix(msgid: str) -> str:
    return fr(msgid).split("%(")[0]


@pytest.mark.parametrize(
    ("path", "header"), [("/etag.xml", "If-None-Match"), ("/modified.xml", "If-Modified-Since")]
)
def test_conditional_get_then_304(feed_server, path, header):
    source = make_source(url=f"{feed_server}{path}")
    first = services.source_fetch(source=source)
    assert first.status == FetchStatus.OK and first.created == 3
    source.refresh_from_db()
    assert source.etag == (ETAG if path == "/etag.xml" else "")
    assert source.last_modified == (LAST_MODIFIED if path == "/modified.xml" else "")
    second = services.source_fetch(source=source)
    assert second.status == FetchStatus.NOT_MODIFIED and second.created == 0
    assert header in Handler.hits[-1][1]
    source.refresh_from_db()
    assert source.last_http_status == 304 and source.consecutive_failures == 0
    assert Item.objects.count() == 3
    # « Tester » fetches without the conditional headers, and still creates nothing new.
    forced = services.source_fetch(source=source, force=True)
    assert forced.status == FetchStatus.OK and forced.created == 0 and forced.duplicates == 3
    assert header not in Handler.hits[-1][1]


def test_gzip_body(feed_server):
    assert services.source_fetch(source=make_source(url=f"{feed_server}/gzip.xml")).created == 3


@pytest.mark.parametrize(
    ("path", "msgid", "code"),
    [
        (
            "/missing.xml",
            "The feed was not found (HTTP %(code)s): check the address, the site may have moved it.",
            404,
        ),
        ("/broken.xml", "The site's server is in error (HTTP %(code)s): the next attempt is postponed.", 500),
        ("/redirect/5", "Too many redirections (more than %(max)s): check the feed address.", None),
        ("/big-declared.xml", "The feed is larger than the %(size)s MB allowed: fetch abandoned.", None),
        ("/big-chunked.xml", "The feed is larger than the %(size)s MB allowed: fetch abandoned.", None),
        ("/slow.xml", "The site stopped answering (no data for %(seconds)s s).", None),
        (
            "/page.html",
            "This address returns a web page (HTML), not an RSS or Atom feed. Look on the site for "
            "the feed link (often « RSS » or « flux »).",
            200,
        ),
    ],
)
def test_fetch_errors_are_recorded_in_french(feed_server, path, msgid, code):
    source = make_source(url=f"{feed_server}{path}")
    report = services.source_fetch(source=source)
    assert report.status == FetchStatus.ERROR
    source.refresh_from_db()
    assert source.last_status == FetchStatus.ERROR and source.last_error.startswith(_prefix(msgid)), (
        source.last_error
    )
    assert source.consecutive_failures == 1 and source.last_http_status == code
    assert source.next_fetch_at > source.last_fetched_at
    assert not Item.objects.exists()


def test_redirects_within_the_limit_are_followed(feed_server):
    source = make_source(url=f"{feed_server}/redirect/2")
    assert services.source_fetch(source=source).created == 3


def test_connection_refused(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    source = make_source(url=f"http://127.0.0.1:{port}/flux.xml")
    services.source_fetch(source=source)
    source.refresh_from_db()
    assert source.last_error.startswith(
        _prefix("Cannot connect to « %(host)s »: the site is unreachable or the name is unknown.")
    )


def test_internal_addresses_are_refused_unless_allowed(feed_server, settings):
    settings.WATCH_ALLOW_PRIVATE_HOSTS = False
    with pytest.raises(FetchError) as error:
        http_fetch(f"{feed_server}/etag.xml")
    assert str(error.value).startswith(
        _prefix("The address « %(host)s » points to an internal network: it is refused.")
    )
    assert not Handler.hits


def test_test_button_fetches_now(feed_server, agent_client):
    source = make_source(url=f"{feed_server}/etag.xml")
    response = agent_client.post(f"/veille/sources/{source.pk}/tester/", follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        fr("Feed read: %(created)s new item(s), %(duplicates)s already known.")
        % {"created": 3, "duplicates": 0}
    ]
    bad = make_source(url=f"{feed_server}/page.html")
    response = agent_client.post(f"/veille/sources/{bad.pk}/tester/", follow=True)
    page = response.content.decode()
    assert "HTML" in page and Source.objects.get(pk=bad.pk).last_status == FetchStatus.ERROR


def test_scheduled_task_fetches_due_sources(feed_server):
    from maillage.watch.tasks import fetch_due_sources

    make_source(url=f"{feed_server}/etag.xml")
    make_source(url=f"{feed_server}/missing.xml")
    make_source(url=f"{feed_server}/modified.xml", is_active=False)
    result = fetch_due_sources.call()
    assert result == {"sources": 2, "errors": 1, "items": 3, "digests": 0}
    assert fetch_due_sources.call()["sources"] == 0  # nothing is due again before its interval
