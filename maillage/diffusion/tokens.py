"""Signed links of the diffusion app.

- Unsubscribe / preferences: the address, signed with its own salt and no expiry (a
  List-Unsubscribe link must keep working for as long as the message sits in a mailbox).
- Subscription confirmation (double opt-in): the subscriber and its current random token,
  timestamped, valid CONFIRM_MAX_AGE; asking again renews the token, so older links stop working.
"""

from __future__ import annotations

import secrets

from django.core import signing

from maillage.diffusion.models import Subscriber

UNSUBSCRIBE_SALT = "maillage.diffusion.unsubscribe"
CONFIRM_SALT = "maillage.diffusion.confirm"
CONFIRM_MAX_AGE = 7 * 24 * 3600  # seconds


class InvalidLink(Exception):
    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def unsubscribe_token(email: str) -> str:
    return signing.dumps({"e": email.strip().lower()}, salt=UNSUBSCRIBE_SALT, compress=True)


def email_for_token(token: str) -> str:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise InvalidLink() from None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str) or "@" not in data["e"]:
        raise InvalidLink()
    return data["e"]


def confirm_token(subscriber: Subscriber) -> str:
    return signing.dumps({"s": subscriber.pk, "t": subscriber.token}, salt=CONFIRM_SALT)


def subscriber_for_confirm(token: str) -> Subscriber:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidLink(expired=True) from None
    except signing.BadSignature:
        raise InvalidLink() from None
    if not isinstance(data, dict):
        raise InvalidLink()
    subscriber = Subscriber.objects.filter(pk=data.get("s")).first()
    if subscriber is None or not secrets.compare_digest(subscriber.token, str(data.get("t", ""))):
        raise InvalidLink()
    return subscriber
