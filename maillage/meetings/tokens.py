"""Signed RSVP links: answering an invitation without logging in.

The link carries the invitation id and its random token, signed with a dedicated salt and
timestamped; it expires after RSVP_MAX_AGE. A tampered, expired or revoked link is refused.
"""

from __future__ import annotations

import secrets

from django.core import signing

from maillage.meetings.models import Invitation

SALT = "maillage.meetings.rsvp"
RSVP_MAX_AGE = 120 * 24 * 3600  # seconds


class InvalidLink(Exception):
    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def rsvp_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "t": invitation.token}, salt=SALT, compress=False)


def invitation_for(token: str) -> Invitation:
    """The invitation a link designates, or InvalidLink (tampered, expired, revoked, unknown)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=RSVP_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidLink(expired=True) from None
    except signing.BadSignature:
        raise InvalidLink() from None
    if not isinstance(data, dict):
        raise InvalidLink()
    invitation = (
        Invitation.objects.select_related("session__body", "person", "organization")
        .filter(pk=data.get("i"))
        .first()
    )
    if invitation is None or not secrets.compare_digest(invitation.token, str(data.get("t", ""))):
        raise InvalidLink()
    return invitation
