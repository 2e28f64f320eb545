"""Signed cancellation links of event registrations.

The link carries the registration id and its random token, signed with a dedicated salt. It has no
expiry of its own: it works until the event starts (the service refuses a late cancellation), and a
tampered link, or one whose registration was purged, is refused without changing anything.
"""

from __future__ import annotations

import secrets

from django.core import signing

from maillage.community.models import Registration

SALT = "maillage.community.cancel"


class InvalidLink(Exception):
    pass


def new_token() -> str:
    return secrets.token_urlsafe(32)


def cancel_token(registration: Registration) -> str:
    return signing.dumps({"r": registration.pk, "t": registration.token}, salt=SALT, compress=False)


def registration_for(token: str) -> Registration:
    """The registration a link designates, or InvalidLink (tampered, unknown, purged)."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise InvalidLink() from None
    if not isinstance(data, dict):
        raise InvalidLink()
    registration = Registration.objects.select_related("event").filter(pk=data.get("r")).first()
    if registration is None or not secrets.compare_digest(registration.token, str(data.get("t", ""))):
        raise InvalidLink()
    return registration
