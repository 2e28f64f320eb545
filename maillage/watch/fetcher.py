"""Fetching a feed over HTTP: conditional GET, timeouts, a size limit, few redirects, no internal hosts.

Settings (all optional, with these defaults):

- ``WATCH_CONNECT_TIMEOUT`` (5 s) and ``WATCH_READ_TIMEOUT`` (15 s, between two chunks);
- ``WATCH_TOTAL_SECONDS`` (60 s for the whole body, against servers that drip bytes);
- ``WATCH_MAX_BYTES`` (5 MiB, decompressed);
- ``WATCH_MAX_REDIRECTS`` (3);
- ``WATCH_ALLOW_PRIVATE_HOSTS`` (``DEBUG``): off in production, so that a feed address can never make
  the server call loopback, private or link-local addresses (checked again at every redirect).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

USER_AGENT = "Maillage-veille/1.0 (+https://maillage.example.fr)"
ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
REDIRECT_CODES = {301, 302, 303, 307, 308}


def setting(name: str, default):
    return getattr(settings, name, default)


def limits() -> dict:
    return {
        "connect": setting("WATCH_CONNECT_TIMEOUT", 5),
        "read": setting("WATCH_READ_TIMEOUT", 15),
        "total": setting("WATCH_TOTAL_SECONDS", 60),
        "max_bytes": setting("WATCH_MAX_BYTES", 5 * 1024 * 1024),
        "max_redirects": setting("WATCH_MAX_REDIRECTS", 3),
        "allow_private": setting("WATCH_ALLOW_PRIVATE_HOSTS", settings.DEBUG),
    }


class FetchError(Exception):
    """The feed could not be fetched; ``str()`` is a French message, ``http_status`` when the server answered."""

    def __init__(self, message: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


@dataclass
class Response:
    http_status: int
    body: bytes | None  # None: 304, nothing new
    etag: str
    last_modified: str
    url: str
    content_type: str

    @property
    def not_modified(self) -> bool:
        return self.http_status == 304


def _check_host(url: str, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(_("Only http:// and https:// addresses can be fetched."))
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise FetchError(
            _("The domain name « %(host)s » does not exist or cannot be resolved.") % {"host": parts.hostname}
        ) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise FetchError(
                _("The address « %(host)s » points to an internal network: it is refused.")
                % {"host": parts.hostname}
            )


def _http_error(code: int) -> FetchError:
    if code in (404, 410):
        message = _("The feed was not found (HTTP %(code)s): check the address, the site may have moved it.")
    elif code in (401, 403):
        message = _("The site refuses access to the feed (HTTP %(code)s).")
    elif code == 429:
        message = _("The site asks to fetch less often (HTTP %(code)s): the next attempt is postponed.")
    elif code >= 500:
        message = _("The site's server is in error (HTTP %(code)s): the next attempt is postponed.")
    else:
        message = _("The site answered with an unexpected HTTP status %(code)s.")
    return FetchError(message % {"code": code}, http_status=code)


def http_fetch(url: str, *, etag: str = "", last_modified: str = "") -> Response:
    """GET ``url`` conditionally; raises FetchError with a French message on any failure."""
    conf = limits()
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    session = requests.Session()
    try:
        for _hop in range(conf["max_redirects"] + 1):
            _check_host(url, conf["allow_private"])
            response = session.get(
                url,
                headers=headers,
                timeout=(conf["connect"], conf["read"]),
                allow_redirects=False,
                stream=True,
            )
            if response.status_code in REDIRECT_CODES and response.headers.get("Location"):
                url = urljoin(url, response.headers["Location"])
                response.close()
                continue
            break
        else:
            raise FetchError(
                _("Too many redirections (more than %(max)s): check the feed address.")
                % {"max": conf["max_redirects"]}
            )
        with response:
            code = response.status_code
            if code == 304:
                return Response(304, None, etag, last_modified, url, "")
            if code >= 400 or code < 200 or code in REDIRECT_CODES:
                raise _http_error(code)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > conf["max_bytes"]:
                raise _too_big(conf["max_bytes"])
            body = bytearray()
            deadline = time.monotonic() + conf["total"]
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > conf["max_bytes"]:
                    raise _too_big(conf["max_bytes"])
                if time.monotonic() > deadline:
                    raise FetchError(
                        _("The site sends the feed too slowly (more than %(seconds)s s): fetch abandoned.")
                        % {"seconds": conf["total"]}
                    )
            return Response(
                code,
                bytes(body),
                response.headers.get("ETag", "")[:500],
                response.headers.get("Last-Modified", "")[:200],
                url,
                response.headers.get("Content-Type", ""),
            )
    except FetchError:
        raise
    except requests.exceptions.ConnectTimeout:
        raise FetchError(
            _("The site did not accept the connection within %(seconds)s s.") % {"seconds": conf["connect"]}
        ) from None
    except (TimeoutError, requests.exceptions.ReadTimeout):
        raise _read_timeout(conf["read"]) from None
    except requests.exceptions.SSLError:
        raise FetchError(_("The site's security certificate (TLS) is invalid or expired.")) from None
    except requests.exceptions.ConnectionError as error:
        # A timeout while reading the body comes wrapped in a ConnectionError.
        if isinstance(error.args[0] if error.args else None, urllib3.exceptions.ReadTimeoutError):
            raise _read_timeout(conf["read"]) from None
        raise FetchError(
            _("Cannot connect to « %(host)s »: the site is unreachable or the name is unknown.")
            % {"host": urlsplit(url).hostname or url}
        ) from None
    except (requests.exceptions.RequestException, ValueError) as error:
        raise FetchError(
            _("The feed could not be fetched: %(error)s") % {"error": type(error).__name__}
        ) from None
    finally:
        session.close()


def _read_timeout(seconds: float) -> FetchError:
    return FetchError(_("The site stopped answering (no data for %(seconds)s s).") % {"seconds": seconds})


def _too_big(max_bytes: int) -> FetchError:
    return FetchError(
        _("The feed is larger than the %(size)s MB allowed: fetch abandoned.")
        % {"size": round(max_bytes / 1024 / 1024, 1)}
    )
