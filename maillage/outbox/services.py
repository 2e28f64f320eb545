"""Enqueue e-mails in the persistent outbox (the sender lives in sender.py)."""

from __future__ import annotations

import base64
import datetime as dt
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from maillage.outbox.models import MessageStatus, OutboxMessage, SuppressedAddress


def _message_id() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "maillage.localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def message_enqueue(
    *,
    to: str,
    subject: str,
    body_text: str,
    category: str,
    body_html: str = "",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Queue one message; call it inside the transaction of the change it announces.

    With a ``dedupe_key`` already queued, the existing message is returned and nothing is added,
    so retrying the calling operation never duplicates an e-mail. Suppressed addresses are
    recorded with status SUPPRESSED, never sent.
    """
    if dedupe_key and (existing := OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()):
        return existing
    suppressed = SuppressedAddress.objects.filter(email__iexact=to).exists()
    message = OutboxMessage(
        category=category,
        dedupe_key=dedupe_key,
        to=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        headers=headers or {},
        attachments=[
            {"filename": name, "content": base64.b64encode(content).decode(), "content_type": content_type}
            for name, content, content_type in attachments or []
        ],
        status=MessageStatus.SUPPRESSED if suppressed else MessageStatus.QUEUED,
        message_id=_message_id(),
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        if dedupe_key:  # a concurrent enqueue with the same key won
            return OutboxMessage.objects.get(dedupe_key=dedupe_key)
        raise
    return message


@transaction.atomic
def outbox_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the messages delivered, failed or suppressed more than OUTBOX_RETENTION_DAYS ago: their
    bodies hold names and addresses. Queued and deferred messages are never purged."""
    limit = (now or timezone.now()) - dt.timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    finished = OutboxMessage.objects.filter(
        Q(status=MessageStatus.SENT, sent_at__lt=limit)
        | Q(status__in=[MessageStatus.FAILED, MessageStatus.SUPPRESSED], created_at__lt=limit)
    )
    deleted, _details = finished.delete()
    return deleted
