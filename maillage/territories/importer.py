"""Import of the national territorial referential: atomic and idempotent.

Every file is read and checked before anything is written; a broken row stops
the import with its file and line number, and the database is left untouched.
A second run with the same files changes nothing and says so.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction
from shapely.geometry import shape
from shapely.strtree import STRtree
from tqdm import tqdm

from maillage.core.text import normalize
from maillage.territories.models import (
    Commune,
    CommuneSuccession,
    Department,
    Epci,
    EpciKind,
    Region,
    Territory,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
COMMUNE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3}|97\d{3})$")
SIREN = re.compile(r"^\d{9}$")
# Two communes are neighbours when they share a boundary longer than this (degrees, ~10 m),
# not when their outlines merely touch at one point.
MIN_SHARED_BOUNDARY = 1e-4


class ReferentialError(Exception):
    """A file of the referential cannot be imported; the message says where and why, in French."""


@dataclass
class ModelReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated


@dataclass
class ImportReport:
    models: dict[str, ModelReport] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return sum(report.changed for report in self.models.values())

    def lines(self) -> list[str]:
        return [
            f"{name} : {r.created} créé(s), {r.updated} modifié(s), {r.unchanged} inchangé(s)"
            for name, r in self.models.items()
        ]


def _rows(path: Path, required: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    if not path.exists():
        raise ReferentialError(f"Fichier introuvable : {path}. Vérifiez le dossier passé à --dir.")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(required) - set(reader.fieldnames or [])
        if missing:
            raise ReferentialError(
                f"{path.name} : colonne(s) manquante(s) {', '.join(sorted(missing))} dans l'en-tête."
            )
        for line, row in enumerate(reader, start=2):
            if None in row or any(value is None for value in row.values()):
                raise ReferentialError(f"{path.name}, ligne {line} : nombre de colonnes incorrect.")
            yield line, {key: value.strip() for key, value in row.items()}


def _int(path: Path, line: int, column: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ReferentialError(
            f"{path.name}, ligne {line} : la colonne {column} vaut « {value} », un nombre entier est attendu."
        ) from None
    if number < 0:
        raise ReferentialError(f"{path.name}, ligne {line} : la colonne {column} ne peut pas être négative.")
    return number


def _check(condition: bool, path: Path, line: int, message: str) -> None:
    if not condition:
        raise ReferentialError(f"{path.name}, ligne {line} : {message}")


def _unique(seen: set[str], key: str, path: Path, line: int) -> None:
    _check(key not in seen, path, line, f"le code {key} apparaît deux fois.")
    seen.add(key)


@dataclass
class _Parsed:
    regions: dict[str, dict[str, Any]]
    departments: dict[str, dict[str, Any]]
    epcis: dict[str, dict[str, Any]]
    territories: dict[str, dict[str, Any]]
    communes: dict[str, dict[str, Any]]
    successions: dict[str, dict[str, Any]]
    commune_shapes: dict[str, Any]


def parse_referential(directory: Path) -> _Parsed:
    """Read and check every file; raise ReferentialError on the first broken row."""
    regions: dict[str, dict[str, Any]] = {}
    path = directory / "regions-france.csv"
    for line, row in _rows(path, ["code", "nom"]):
        _check(bool(row["code"]) and bool(row["nom"]), path, line, "code et nom sont obligatoires.")
        _unique(set(regions), row["code"], path, line)
        regions[row["code"]] = {"name": row["nom"]}

    departments: dict[str, dict[str, Any]] = {}
    path = directory / "departements-france.csv"
    for line, row in _rows(path, ["code", "nom", "region"]):
        _check(row["region"] in regions, path, line, f"région {row['region']} inconnue.")
        _unique(set(departments), row["code"], path, line)
        departments[row["code"]] = {"name": row["nom"], "region_id": row["region"]}

    epcis: dict[str, dict[str, Any]] = {}
    path = directory / "epci-france.csv"
    kinds = set(EpciKind.values)
    for line, row in _rows(path, ["siren", "nom", "type", "population", "nb_communes"]):
        _check(
            bool(SIREN.match(row["siren"])), path, line, f"SIREN « {row['siren']} » invalide (9 chiffres)."
        )
        _check(
            row["type"] in kinds, path, line, f"type « {row['type']} » inconnu ({', '.join(sorted(kinds))})."
        )
        _unique(set(epcis), row["siren"], path, line)
        epcis[row["siren"]] = {
            "name": row["nom"],
            "kind": row["type"],
            "population": _int(path, line, "population", row["population"]),
            "commune_count": _int(path, line, "nb_communes", row["nb_communes"]),
        }

    communes: dict[str, dict[str, Any]] = {}
    path = directory / "communes-france.csv"
    for line, row in _rows(path, ["code_insee", "nom", "departement", "epci_siren", "population"]):
        code = row["code_insee"]
        _check(bool(COMMUNE_CODE.match(code)), path, line, f"code INSEE « {code} » invalide (5 caractères).")
        _check(bool(row["nom"]), path, line, "le nom de la commune est vide.")
        _check(
            row["departement"] in departments, path, line, f"département « {row['departement']} » inconnu."
        )
        _check(
            not row["epci_siren"] or row["epci_siren"] in epcis,
            path,
            line,
            f"EPCI {row['epci_siren']} absent de epci-france.csv.",
        )
        _check(code not in communes, path, line, f"le code {code} apparaît deux fois.")
        communes[code] = {
            "name": row["nom"],
            "search_name": normalize(row["nom"]),
            "department_id": row["departement"],
            "epci_id": row["epci_siren"] or None,
            "territory_id": None,
            "population": _int(path, line, "population", row["population"]),
            "geometry": None,
        }

    territories: dict[str, dict[str, Any]] = {}
    path = directory / "territoires-mgp.csv"
    for line, row in _rows(path, ["siren", "numero", "nom", "nb_communes", "population"]):
        _check(
            bool(SIREN.match(row["siren"])), path, line, f"SIREN « {row['siren']} » invalide (9 chiffres)."
        )
        _check(
            bool(re.match(r"^T\d{1,2}$", row["numero"])), path, line, "numéro de territoire attendu (T1…T12)."
        )
        territories[row["siren"]] = {
            "number": row["numero"],
            "sort_key": int(row["numero"][1:]),
            "name": row["nom"],
            "epci_id": "200054781",
            "population": _int(path, line, "population", row["population"]),
            "commune_count": _int(path, line, "nb_communes", row["nb_communes"]),
            "geometry": None,
        }

    path = directory / "communes-mgp.csv"
    for line, row in _rows(path, ["code_insee", "ept_siren"]):
        _check(
            row["code_insee"] in communes, path, line, f"commune {row['code_insee']} absente du référentiel."
        )
        _check(row["ept_siren"] in territories, path, line, f"territoire {row['ept_siren']} inconnu.")
        communes[row["code_insee"]]["territory_id"] = row["ept_siren"]

    shapes: dict[str, Any] = {}
    path = directory / "communes-mgp.geojson"
    for code, geometry in _features(path, "code_insee"):
        _check(code in communes, path, 0, f"contour de la commune {code} absente du référentiel.")
        communes[code]["geometry"] = geometry
        shapes[code] = shape(geometry)
    for siren, geometry in _features(directory / "territoires-mgp.geojson", "siren"):
        if siren in territories:
            territories[siren]["geometry"] = geometry

    successions: dict[str, dict[str, Any]] = {}
    path = directory / "successions-communes.csv"
    for line, row in _rows(path, ["old_code", "old_name", "successor_code", "effective_date", "reason"]):
        _check(row["successor_code"] in communes, path, line, f"commune {row['successor_code']} inconnue.")
        _check(
            row["old_code"] not in communes, path, line, f"{row['old_code']} est encore une commune actuelle."
        )
        try:
            effective = dt.date.fromisoformat(row["effective_date"])
        except ValueError:
            raise ReferentialError(
                f"{path.name}, ligne {line} : date attendue au format AAAA-MM-JJ."
            ) from None
        successions[row["old_code"]] = {
            "old_name": row["old_name"],
            "search_name": normalize(row["old_name"]),
            "successor_id": row["successor_code"],
            "effective_date": effective,
            "reason": row["reason"],
        }
    return _Parsed(regions, departments, epcis, territories, communes, successions, shapes)


def _features(path: Path, key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        for feature in data["features"]:
            yield str(feature["properties"][key]), feature["geometry"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReferentialError(f"{path.name} : GeoJSON illisible ({exc}).") from None


def _sync(model: type[models.Model], rows: dict[str, dict[str, Any]], bar: tqdm) -> ModelReport:
    """Create missing rows and update changed ones; never touch identical rows."""
    report = ModelReport()
    fields = sorted({name for values in rows.values() for name in values})
    existing = {obj.pk: obj for obj in model.objects.only("pk", *fields).iterator(chunk_size=5000)}
    to_create, to_update = [], []
    for pk, values in rows.items():
        obj = existing.get(pk)
        if obj is None:
            to_create.append(model(pk=pk, **values))
        elif any(getattr(obj, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(obj, name, value)
            to_update.append(obj)
        else:
            report.unchanged += 1
        bar.update(1)
    model.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        model.objects.bulk_update(to_update, fields, batch_size=500)
    report.created, report.updated = len(to_create), len(to_update)
    return report


def compute_neighbours(shapes: dict[str, Any]) -> set[tuple[str, str]]:
    """Pairs (a, b), a < b, of communes sharing a stretch of boundary."""
    codes = list(shapes)
    geometries = [shapes[code] for code in codes]
    tree = STRtree(geometries)
    pairs: set[tuple[str, str]] = set()
    for index, geometry in enumerate(geometries):
        for other in tree.query(geometry.buffer(1e-5)):
            if other <= index:
                continue
            shared = geometry.buffer(1e-5).intersection(geometries[other].buffer(1e-5))
            if not shared.is_empty and shared.length / 2 > MIN_SHARED_BOUNDARY:
                pairs.add((codes[index], codes[other]))
    return pairs


def _sync_neighbours(pairs: set[tuple[str, str]]) -> ModelReport:
    through = Commune.neighbours.through
    wanted = pairs | {(b, a) for a, b in pairs}
    current = set(through.objects.values_list("from_commune_id", "to_commune_id"))
    missing = wanted - current
    through.objects.bulk_create(
        [through(from_commune_id=a, to_commune_id=b) for a, b in missing], batch_size=2000
    )
    # Pairs no longer adjacent (only when outlines change) are removed among outlined communes.
    outlined = {code for pair in wanted for code in pair}
    stale = {(a, b) for a, b in current - wanted if a in outlined and b in outlined}
    for a, b in stale:
        through.objects.filter(from_commune_id=a, to_commune_id=b).delete()
    return ModelReport(
        created=len(missing) // 2, updated=len(stale) // 2, unchanged=len(current & wanted) // 2
    )


def referential_import(*, directory: Path = DATA_DIR, progress: bool = False) -> ImportReport:
    """Import the whole referential in one transaction; return what changed."""
    parsed = parse_referential(directory)
    total = sum(
        len(rows)
        for rows in (
            parsed.regions,
            parsed.departments,
            parsed.epcis,
            parsed.territories,
            parsed.communes,
            parsed.successions,
        )
    )
    report = ImportReport()
    with tqdm(total=total, disable=not progress, desc="Référentiel", unit=" lignes") as bar:
        with transaction.atomic():
            report.models["Régions"] = _sync(Region, parsed.regions, bar)
            report.models["Départements"] = _sync(Department, parsed.departments, bar)
            report.models["EPCI et EPT"] = _sync(Epci, parsed.epcis, bar)
            report.models["Territoires"] = _sync(Territory, parsed.territories, bar)
            report.models["Communes"] = _sync(Commune, parsed.communes, bar)
            # A commune gone from the COG (merged since) can't be deleted while records point at it:
            # it leaves its EPCI and territory, so that home totals stay true.
            gone = Commune.objects.exclude(pk__in=parsed.communes).exclude(
                epci__isnull=True, territory__isnull=True
            )
            report.models["Communes"].updated += gone.update(epci=None, territory=None)
            report.models["Anciens codes"] = _sync(CommuneSuccession, parsed.successions, bar)
            report.models["Voisinages"] = _sync_neighbours(compute_neighbours(parsed.commune_shapes))
    return report
