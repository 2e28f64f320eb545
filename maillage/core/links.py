"""Absolute links for messages sent outside a request (e-mails, feeds built by the worker)."""

from __future__ import annotations

from django.conf import settings


def site_url() -> str:
    """settings.SITE_URL, else the first concrete host of ALLOWED_HOSTS (https, http when DEBUG)."""
    if url := getattr(settings, "SITE_URL", ""):
        return url.rstrip("/")
    host = next((h for h in settings.ALLOWED_HOSTS if h and h[0] not in ".*"), "")
    if not host:
        return ""
    return f"{'http' if settings.DEBUG else 'https'}://{host}"


def absolute_url(path: str) -> str:
    return site_url() + path
