"""Personal data held about a person by other apps, for the rights of access and erasure.

The people app does not know which apps keep data about a person (community profiles, meeting
invitations, ...). Each such app registers a provider in its AppConfig.ready(): ``export`` returns
what it holds (JSON-serialisable, or dates and datetimes) and ``erase`` removes or anonymises it.
``person_export`` adds every export under its key; ``person_anonymize`` and the retention purge call
every ``erase`` inside their transaction, so an erasure is complete or not done at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from maillage.people.models import Person


@dataclass(frozen=True)
class Provider:
    key: str
    export: Callable[[Person], Any]
    erase: Callable[[Person], None]


_PROVIDERS: dict[str, Provider] = {}


def register(key: str, *, export: Callable[[Person], Any], erase: Callable[[Person], None]) -> None:
    _PROVIDERS[key] = Provider(key, export, erase)


def providers() -> list[Provider]:
    return sorted(_PROVIDERS.values(), key=lambda provider: provider.key)
