"""Importing a publiccode.yml into the catalogue of solutions.

``publiccode_preview`` checks everything without writing: the document (field by field), the organisation
the user imports for, the solution the document would update (matched by its repository address), and the
catalogue's own field rules. ``publiccode_import`` runs the same checks again and writes through the
innovation services in one transaction: nothing is half-written, and importing the same document twice
updates the same solution.

On creation the solution gets the document's stage (``publiccode.STATUS_TO_STAGE``), kind « digital common »,
the chosen visibility, the organisation as holder and, when that organisation is a city hall, its commune as
origin. On update, the stage (which moves one step at a time in the catalogue), the kind and the visibility
are kept; the organisation is added to the holders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from maillage.commons import publiccode
from maillage.core.access import is_staff, may_act_for
from maillage.core.concurrency import ConcurrentEditError
from maillage.innovation import perms as innovation_perms
from maillage.innovation import services as innovation_services
from maillage.innovation.models import Solution, SolutionKind, SolutionVisibility
from maillage.organizations.models import Organization, OrganizationKind

# Solution field → where it comes from in the document (to name the field in an error message).
FIELD_SOURCES = {
    "title": "name",
    "summary": "description.{language}.shortDescription",
    "description": "description.{language}.longDescription",
    "licence": "legal.license",
    "repository_url": "url",
    "website_url": "landingURL",
}
UPDATED_FIELDS = ("title", "summary", "description", "licence", "repository_url", "website_url")


@dataclass
class Preview:
    parsed: publiccode.ParsedDocument
    organization: Organization | None
    match: Solution | None = None
    errors: list[publiccode.FieldError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return self.parsed.is_valid and not self.errors

    @property
    def all_errors(self) -> list[publiccode.FieldError]:
        return [*self.parsed.errors, *self.errors]


@dataclass
class ImportResult:
    solution: Solution
    created: bool


def find_solution(repository_url: str, *, lock: bool = False) -> Solution | None:
    """The solution describing this repository (whatever its spelling: trailing « / », « .git », http)."""
    solutions = Solution.objects.filter(repository_url__in=publiccode.repository_variants(repository_url))
    if lock:
        solutions = solutions.select_for_update()
    key = publiccode.repository_key(repository_url)
    matches = [
        solution
        for solution in solutions.order_by("pk")
        if publiccode.repository_key(solution.repository_url) == key
    ]
    return matches[0] if matches else None


def _organization_error(user: Any, organization: Organization | None) -> str:
    if organization is None:
        if is_staff(user):
            return ""
        return _("Choose the organisation that holds this software.")
    if not may_act_for(user, {organization.pk}):
        own = getattr(user, "organization", None)
        return _("You may import only on behalf of your own organisation (%(organization)s).") % {
            "organization": own.name if own else "—"
        }
    return ""


def _field_errors(fields: dict[str, Any], language: str) -> list[publiccode.FieldError]:
    """The catalogue's own rules (lengths, URL form), named by the document's field paths."""
    candidate = Solution(**{key: fields[key] for key in (*UPDATED_FIELDS, "kind", "stage")})
    try:
        candidate.clean_fields(exclude=["search_text", "publiccode", "visibility"])
    except ValidationError as error:
        return [
            publiccode.FieldError(FIELD_SOURCES.get(name, name).format(language=language), message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return []


def publiccode_preview(*, user: Any, data: bytes | str, organization: Organization | None) -> Preview:
    """Everything an import would check, without writing anything."""
    parsed = publiccode.parse(data)
    preview = Preview(parsed=parsed, organization=organization)
    if message := _organization_error(user, organization):
        preview.errors.append(publiccode.FieldError("", message))
    if not parsed.is_valid:
        return preview
    preview.errors.extend(_field_errors(parsed.fields, parsed.language))
    preview.match = find_solution(parsed.fields["repository_url"])
    if preview.match is not None and not innovation_perms.can_edit_solution(user, preview.match):
        preview.errors.append(
            publiccode.FieldError(
                "url",
                _(
                    "this repository is already described by the solution « %(title)s », which you may not "
                    "edit: ask its holders or an agent of the metropole"
                )
                % {"title": preview.match.title},
            )
        )
    if (
        preview.match is None
        and organization is not None
        and not innovation_perms.can_create_solution_with(
            user, holder_ids={organization.pk}, origin_commune_code=None
        )
    ):
        preview.errors.append(
            publiccode.FieldError("", _("You may not add a solution on behalf of this organisation."))
        )
    return preview


def _raise(preview: Preview) -> None:
    raise ValidationError({"document": [str(error) for error in preview.all_errors]})


@transaction.atomic
def publiccode_import(
    *,
    user: Any,
    data: bytes | str,
    organization: Organization | None,
    visibility: str = SolutionVisibility.INTERNAL,
    expected_solution: int | None = None,
    expected_version: int | None = None,
) -> ImportResult:
    """Create or update the solution described by a publiccode.yml (matched by its repository address).

    ``expected_solution``/``expected_version`` are what the preview showed: if the catalogue changed since,
    ConcurrentEditError is raised and nothing is written.
    """
    if visibility not in SolutionVisibility.values:
        raise ValidationError({"visibility": _("Unknown visibility.")})
    preview = publiccode_preview(user=user, data=data, organization=organization)
    if not preview.is_valid:
        _raise(preview)
    fields = preview.parsed.fields
    match = find_solution(fields["repository_url"], lock=True)
    if (match.pk if match else None) != expected_solution:
        raise ConcurrentEditError()
    if match is None:
        data_fields = {key: fields[key] for key in UPDATED_FIELDS}
        data_fields.update(
            kind=SolutionKind.DIGITAL_COMMON,
            stage=fields["stage"],
            visibility=visibility,
            publiccode=fields["publiccode"],
        )
        if (
            organization is not None
            and organization.kind == OrganizationKind.COMMUNE
            and organization.commune_id
        ):
            data_fields["origin_commune"] = organization.commune
        solution = innovation_services.solution_create(
            data=data_fields, holders=[organization] if organization is not None else None
        )
        return ImportResult(solution=solution, created=True)
    if expected_version is not None and match.version != expected_version:
        raise ConcurrentEditError()
    holders = None
    if organization is not None:
        current = list(match.holders.all())
        if organization.pk not in {holder.pk for holder in current}:
            holders = [*current, organization]
    solution = innovation_services.solution_update(
        solution=match,
        data={**{key: fields[key] for key in UPDATED_FIELDS}, "publiccode": fields["publiccode"]},
        expected_version=match.version,
        holders=holders,
    )
    return ImportResult(solution=solution, created=False)
