"""Sections that later capabilities add to the commune and organisation profiles.

The territories and organizations apps don't know about conventions, meetings or projects:
each of those apps registers a provider in its AppConfig.ready(), and the profile renders
whatever the providers return. Providers must run a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass
class Section:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


# profile kind → providers(request, obj) → Section | None. "solution" is the page of a catalogue
# entry (innovation app), where programmes, experiments and community resources add their panels.
_PROVIDERS: dict[str, list[Callable[[HttpRequest, Any], Section | None]]] = {
    "commune": [],
    "organization": [],
    "solution": [],
}


def register(kind: str, provider: Callable[[HttpRequest, Any], Section | None]) -> None:
    if provider not in _PROVIDERS[kind]:
        _PROVIDERS[kind].append(provider)


def sections_for(kind: str, request: HttpRequest, obj: Any) -> list[Section]:
    sections = [section for provider in _PROVIDERS[kind] if (section := provider(request, obj)) is not None]
    return sorted(sections, key=lambda section: section.order)
