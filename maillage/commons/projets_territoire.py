"""The catalogue in the « projets de transition écologique des collectivités » format (betagouv, 0.1.0).

The standard (``standards/betagouv-projet-collectivites-transition-ecologique-0.1.0/``, see
``standards/SOURCES.md``) is a Data Package with two tables we produce:

- ``projets-territoire``: one row per **public** solution of the catalogue (every kind), exactly what an
  anonymous visitor sees;
- ``collectivites``: the communes those rows refer to (``collectiviteIds`` is a foreign key to it).

The column lists are read from the shipped ``schema.json`` files, so the files follow the schema's columns
and order; the tests validate both files with ``frictionless`` against the official schemas (and the data
package's foreign keys).

What is mapped (projets-territoire):

- ``id``: a UUID derived from the home EPCI's SIREN and the solution's id (stable from one export to the
  next, never reused by another Maillage instance);
- ``createdAt`` / ``updatedAt``: the solution's timestamps, UTC, ISO 8601 with milliseconds;
- ``nom``: the title; ``description``: the summary, then the description;
- ``budgetPrevisionnel``: the cost in whole euros (``cost_eur``, rounded), empty when unknown;
- ``phase``: from the stage: idea → « Idée », experimentation → « Étude » (a pilot before the decision to
  operate), deployment and generalisation → « Opération »;
- ``porteurCodeSiret``: the SIRET of the first holder (by name) that has a valid one, else of the city hall of
  the origin commune; empty when none has a valid SIRET;
- ``collectiviteIds``: the origin commune, then the communes that reproduced the solution (JSON array of the
  ``collectivites`` UUIDs, derived from the INSEE code).

What stays empty, and why:

- ``dateDebutPrevisionnelle``, ``phaseStatut``, ``programme``: the catalogue does not record them;
- ``porteurReferent*``: the contacts are people; their personal data are not published in open data;
- ``competences`` (M57) and ``leviers`` (SGPE): the catalogue's themes are not mapped to these
  referentials (an unmapped value would break the foreign keys of the data package);
- ``mecId``, ``tetId``, ``recocoId``: identifiers in other platforms, unknown here.

collectivites: ``id`` (the same UUID), ``nom``, ``type`` « Commune », ``codeInsee``, ``codeDepartements``
and ``codeRegions`` (JSON arrays), ``codeEpci`` (SIREN of the commune's EPCI), ``siren`` (of the city hall,
when valid), ``createdAt``/``updatedAt`` (the city hall's record, else the first solution that refers to it).

Both builders run a constant number of queries, whatever the number of solutions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet

from maillage.core.identifiers import siren_error, siret_error
from maillage.innovation.models import Replication, Solution
from maillage.innovation.selectors import solution_visible_to
from maillage.organizations.models import Organization, OrganizationKind
from maillage.territories.models import Commune

STANDARD_DIR = (
    Path(__file__).resolve().parent
    / "standards"
    / "betagouv-projet-collectivites-transition-ecologique-0.1.0"
)
DATAPACKAGE = STANDARD_DIR / "datapackage.json"
PROJECTS_SCHEMA = STANDARD_DIR / "projets-territoire" / "schema.json"
COLLECTIVITIES_SCHEMA = STANDARD_DIR / "collectivites" / "schema.json"

STAGE_TO_PHASE = {
    "idea": "Idée",
    "experimentation": "Étude",
    "deployment": "Opération",
    "generalisation": "Opération",
}
COMMUNE_TYPE = "Commune"
_NAMESPACE = uuid.UUID("6f1c1f2e-7c55-5d0b-9a57-6d61696c6c61")  # fixed: the ids must stay stable


@cache
def schema_fields(path: Path) -> tuple[str, ...]:
    with path.open(encoding="utf-8") as handle:
        return tuple(item["name"] for item in json.load(handle)["fields"])


@dataclass
class Table:
    name: str
    fieldnames: tuple[str, ...]
    rows: list[dict[str, str]] = field(default_factory=list)

    def to_csv(self) -> str:
        """UTF-8, comma-separated, quoted when needed, one header line (what the schema's examples use)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(self.fieldnames), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return buffer.getvalue()


def project_id(solution_pk: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"solution:{settings.HOME_EPCI_SIREN}:{solution_pk}"))


def collectivity_id(insee_code: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"commune:{insee_code}"))


def timestamp(value: dt.datetime) -> str:
    """ISO 8601 in UTC with milliseconds and « Z », the form of the schema's examples."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _array(values: list[str]) -> str:
    return json.dumps(values, ensure_ascii=False) if values else ""


def _valid_siret(value: str) -> str:
    value = (value or "").strip()
    return value if value and siret_error(value) is None else ""


def _valid_siren(value: str) -> str:
    value = (value or "").strip()
    return value if value and siren_error(value) is None else ""


def public_solutions() -> QuerySet[Solution]:
    """Open data is what anyone may see: the public solutions, with what the rows need."""
    return (
        solution_visible_to(AnonymousUser())
        .select_related("origin_commune")
        .defer("origin_commune__geometry", "publiccode", "search_text")
        .prefetch_related(
            Prefetch(
                "holders", queryset=Organization.objects.only("pk", "name", "siret").order_by("name", "pk")
            ),
            Prefetch(
                "replications",
                queryset=Replication.objects.only("pk", "solution_id", "commune_id", "date").order_by(
                    "date", "pk"
                ),
            ),
        )
        .order_by("pk")
    )


def _city_halls(codes: set[str]) -> dict[str, Organization]:
    halls = Organization.objects.filter(kind=OrganizationKind.COMMUNE, commune_id__in=codes).only(
        "pk", "commune_id", "siren", "siret", "created_at", "updated_at"
    )
    return {hall.commune_id: hall for hall in halls.order_by("pk")}


def _budget(value: Decimal | None) -> str:
    return "" if value is None else str(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _description(solution: Solution) -> str:
    parts = [solution.summary.strip(), (solution.description or "").strip()]
    return "\n\n".join(part for part in parts if part)


def _commune_codes(solution: Solution) -> list[str]:
    codes = [solution.origin_commune_id] if solution.origin_commune_id else []
    for replication in solution.replications.all():
        if replication.commune_id not in codes:
            codes.append(replication.commune_id)
    return codes


def build(solutions: QuerySet[Solution] | None = None) -> tuple[Table, Table]:
    """The two tables (projects, collectivities) for the given solutions (default: the public ones)."""
    solutions = list(public_solutions() if solutions is None else solutions)
    codes_by_solution = {solution.pk: _commune_codes(solution) for solution in solutions}
    all_codes = {code for codes in codes_by_solution.values() for code in codes}
    halls = _city_halls(all_codes)

    projects = Table("projets-territoire", schema_fields(PROJECTS_SCHEMA))
    first_solution: dict[str, Solution] = {}
    for solution in solutions:
        codes = codes_by_solution[solution.pk]
        for code in codes:
            first_solution.setdefault(code, solution)
        siret = next(
            (_valid_siret(holder.siret) for holder in solution.holders.all() if _valid_siret(holder.siret)),
            "",
        )
        if not siret and solution.origin_commune_id in halls:
            siret = _valid_siret(halls[solution.origin_commune_id].siret)
        row = dict.fromkeys(projects.fieldnames, "")
        row.update(
            {
                "id": project_id(solution.pk),
                "createdAt": timestamp(solution.created_at),
                "updatedAt": timestamp(solution.updated_at),
                "nom": solution.title,
                "description": _description(solution),
                "budgetPrevisionnel": _budget(solution.cost_eur),
                "phase": STAGE_TO_PHASE.get(solution.stage, ""),
                "porteurCodeSiret": siret,
                "collectiviteIds": _array([collectivity_id(code) for code in codes]),
            }
        )
        projects.rows.append(row)

    collectivities = Table("collectivites", schema_fields(COLLECTIVITIES_SCHEMA))
    communes = (
        Commune.objects.filter(code__in=all_codes)
        .select_related("department")
        .only("code", "name", "epci_id", "department__code", "department__region_id")
        .order_by("code")
    )
    for commune in communes:
        hall = halls.get(commune.code)
        stamps = hall or first_solution[commune.code]
        row = dict.fromkeys(collectivities.fieldnames, "")
        row.update(
            {
                "id": collectivity_id(commune.code),
                "nom": commune.name,
                "type": COMMUNE_TYPE,
                "codeInsee": commune.code,
                "codeDepartements": _array([commune.department.code]),
                "codeRegions": _array([commune.department.region_id]),
                "codeEpci": commune.epci_id or "",
                "siren": _valid_siren(hall.siren) if hall else "",
                "createdAt": timestamp(stamps.created_at),
                "updatedAt": timestamp(stamps.updated_at),
            }
        )
        collectivities.rows.append(row)
    return projects, collectivities


def export_file_name(table: Table, today: dt.date | None = None) -> str:
    return f"{table.name}-{(today or dt.date.today()).isoformat()}.csv"
