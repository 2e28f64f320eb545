"""What the outbox holds about a person: the e-mails queued or sent to their address
(registered in OutboxConfig.ready(), see people/personal_data.py)."""

from __future__ import annotations

from typing import Any

from maillage.outbox.models import OutboxMessage
from maillage.people.models import Person


def _messages(person: Person):
    if not person.email:
        return OutboxMessage.objects.none()
    return OutboxMessage.objects.filter(to__iexact=person.email.strip())


def export(person: Person) -> list[dict[str, Any]]:
    return list(
        _messages(person)
        .order_by("created_at", "pk")
        .values("category", "subject", "status", "created_at", "sent_at")
    )


def erase(person: Person) -> None:
    """Messages to the address go, those not yet sent included: nothing more is sent to an erased
    person. The suppression list keeps a hard-bounced address, so that it is never mailed again."""
    _messages(person).delete()
