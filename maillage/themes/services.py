from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from maillage.themes.models import Theme

THEMES_CSV = Path(__file__).resolve().parent / "data" / "themes.csv"


@transaction.atomic
def themes_load(*, path: Path = THEMES_CSV) -> int:
    """Create or update the shipped taxonomy; returns the number of rows changed."""
    changed = 0
    existing = {theme.slug: theme for theme in Theme.objects.all()}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            values = {key: row[key] for key in ("kind", "name", "acronym", "description")}
            theme = existing.get(row["slug"])
            if theme is None:
                Theme.objects.create(slug=row["slug"], **values)
                changed += 1
            elif any(getattr(theme, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(theme, key, value)
                theme.save()
                changed += 1
    return changed
