"""Participation in sessions held: rates per commune and per territory, rarely-present communes, map.

Read from the Invitation rows (who was invited for which organisation, who came), never from the
current directory: a DGS who left does not change last year's figures. Only members count
(substitutes are informed, not expected). Represented counts as present.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from maillage.meetings.models import Invitation, InvitationRole, Response, SessionStatus
from maillage.territories.selectors import home_communes, home_territories

ATTENDED = Q(attendance__in=[Response.PRESENT, Response.REPRESENTED])
# (lower bound in %, colour, label) from the highest: colours from a colour-blind-safe ramp.
BANDS = [
    (75, "#1a9850", gettext_noop("75 % and more")),
    (50, "#91cf60", gettext_noop("50 to 75 %")),
    (25, "#fee08b", gettext_noop("25 to 50 %")),
    (0, "#d73027", gettext_noop("less than 25 %")),
]
NO_DATA = "#bdbdbd"


@dataclass(frozen=True)
class Rate:
    key: str
    name: str
    invited: int
    attended: int

    @property
    def percent(self) -> int:
        return round(100 * self.attended / self.invited) if self.invited else 0


def _invitations(
    *,
    body: int | None = None,
    cycle: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Invitation]:
    qs = Invitation.objects.filter(role=InvitationRole.MEMBER, session__status=SessionStatus.HELD)
    if body:
        qs = qs.filter(session__body_id=body)
    if cycle:
        qs = qs.filter(session__cycle=cycle)
    if date_from:
        qs = qs.filter(session__starts_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(session__starts_at__date__lte=date_to)
    return qs


def rates_by_commune(**filters: Any) -> list[Rate]:
    names = dict(home_communes().values_list("code", "name"))
    rows = (
        _invitations(**filters)
        .filter(organization__commune_id__in=list(names), organization__kind="commune")
        .values("organization__commune_id")
        .annotate(invited=Count("pk"), attended=Count("pk", filter=ATTENDED))
        .order_by()
    )
    rates = [
        Rate(r["organization__commune_id"], names[r["organization__commune_id"]], r["invited"], r["attended"])
        for r in rows
    ]
    return sorted(rates, key=lambda r: (r.percent, r.name))


def rates_by_territory(**filters: Any) -> list[Rate]:
    """Per territory: its communes' seats and the EPT's own seat together."""
    names = {t.pk: str(t) for t in home_territories()}
    rows = (
        _invitations(**filters)
        .annotate(territory_key=Coalesce("organization__commune__territory_id", "organization__territory_id"))
        .filter(territory_key__in=list(names))
        .values("territory_key")
        .annotate(invited=Count("pk"), attended=Count("pk", filter=ATTENDED))
        .order_by()
    )
    rates = [Rate(r["territory_key"], names[r["territory_key"]], r["invited"], r["attended"]) for r in rows]
    return sorted(rates, key=lambda r: r.name)


def rarely_present(rates: list[Rate], *, threshold: int) -> list[Rate]:
    """Communes invited whose rate is below the threshold (never present ones first)."""
    return [rate for rate in rates if rate.percent < threshold]


def band_of(rate: Rate | None) -> tuple[str, str]:
    if rate is None:
        return NO_DATA, _("not invited")
    for lower, color, label in BANDS:
        if rate.percent >= lower:
            return color, _(label)
    return BANDS[-1][1], _(BANDS[-1][2])


def legend() -> list[dict[str, str]]:
    return [{"color": color, "label": _(label)} for _lower, color, label in BANDS] + [
        {"color": NO_DATA, "label": _("not invited")}
    ]


def map_feature_collection(**filters: Any) -> dict[str, Any]:
    """Home communes coloured by participation, in the shape map.js draws."""
    rates = {rate.key: rate for rate in rates_by_commune(**filters)}
    features = []
    for commune in home_communes().filter(geometry__isnull=False).order_by("code"):
        rate = rates.get(commune.code)
        color, label = band_of(rate)
        text = (
            _("%(percent)s %% attended (%(attended)s of %(invited)s)")
            % {"percent": rate.percent, "attended": rate.attended, "invited": rate.invited}
            if rate
            else label
        )
        features.append(
            {
                "type": "Feature",
                "geometry": commune.geometry,
                "properties": {
                    "code": commune.code,
                    "name": commune.name,
                    # map.js shows "name – territory" as the tooltip: the rate goes there.
                    "territory": text,
                    "color": color,
                    "url": reverse("territories:commune_detail", args=[commune.code]),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
