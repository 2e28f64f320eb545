"""What diffusion holds about a person: a public subscription made with their e-mail address
(registered in DiffusionConfig.ready(), see people/personal_data.py)."""

from __future__ import annotations

from typing import Any

from maillage.diffusion.models import Subscriber
from maillage.people.models import Person


def _subscriptions(person: Person):
    if not person.email:
        return Subscriber.objects.none()
    return Subscriber.objects.filter(email__iexact=person.email.strip())


def export(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "email": subscriber.email,
            "themes": [str(theme) for theme in subscriber.themes.all()],
            "subscribed_at": subscriber.created_at,
            "confirmed_at": subscriber.confirmed_at,
            "unsubscribed_at": subscriber.unsubscribed_at,
        }
        for subscriber in _subscriptions(person).prefetch_related("themes")
    ]


def erase(person: Person) -> None:
    _subscriptions(person).delete()
