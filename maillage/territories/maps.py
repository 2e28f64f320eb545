"""GeoJSON for the map of the home territory, coloured by territory."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from maillage.territories.selectors import home_communes, home_territories

# Twelve colours distinguishable side by side, dark enough for 3:1 contrast of outlines.
PALETTE = [
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#b07aa1",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#9c755f",
    "#ff9da7",
    "#8cd17d",
    "#bab0ac",
    "#d37295",
]


def territory_palette() -> list[dict[str, str]]:
    return [
        {"siren": t.pk, "name": str(t), "color": PALETTE[i % len(PALETTE)]}
        for i, t in enumerate(home_territories())
    ]


def map_feature_collection() -> dict[str, Any]:
    colors = {item["siren"]: item for item in territory_palette()}
    features = []
    communes = home_communes().filter(geometry__isnull=False).select_related("territory")
    for index, commune in enumerate(communes.order_by("code")):
        territory = colors.get(commune.territory_id)
        features.append(
            {
                "type": "Feature",
                "geometry": commune.geometry,
                "properties": {
                    "code": commune.code,
                    "name": commune.name,
                    "population": commune.population,
                    "territory": territory["name"] if territory else "",
                    "color": territory["color"] if territory else PALETTE[index % len(PALETTE)],
                    "url": reverse("territories:commune_detail", args=[commune.code]),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
