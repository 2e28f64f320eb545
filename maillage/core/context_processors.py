from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

from maillage.core.access import is_staff


def _home_epci_name() -> str:
    from maillage.territories.selectors import home_epci, home_epci_siren

    key = f"home-epci-name:{home_epci_siren()}"
    name = cache.get(key)
    if name is None:
        epci = home_epci()
        name = epci.name if epci else ""
        cache.set(key, name, 3600)
    return name


def maillage(request: HttpRequest) -> dict[str, Any]:
    return {"is_staff_user": is_staff(request.user), "home_epci_name": _home_epci_name()}
