"""Writes about solutions and their replications.

Every write is atomic and validated here (forms only collect input): a refused input leaves the
database untouched. Solutions are edited with optimistic locking (``save_versioned``); the stage
moves one step at a time (``solution_change_stage``), a step back only with a reason, which the audit
trail keeps with the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from auditlog.context import set_extra_data
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.core.concurrency import save_versioned
from maillage.core.text import normalize
from maillage.innovation.lineage import descendant_ids
from maillage.innovation.models import (
    STAGE_ORDER,
    Replication,
    ReplicationOutcome,
    Solution,
    SolutionStage,
    SolutionVisibility,
)
from maillage.territories.models import Commune

# Fields a form may set; the stage and the visibility have their own paths once the solution exists.
SOLUTION_FIELDS = (
    "title",
    "summary",
    "description",
    "kind",
    "origin_commune",
    "sites",
    "results",
    "evaluation",
    "cost_eur",
    "funding",
    "licence",
    "repository_url",
    "website_url",
)
CREATE_ONLY_FIELDS = ("stage", "visibility")
REPLICATION_FIELDS = ("date", "adaptation_notes", "cost_eur", "contact", "outcome", "outcome_notes")
SEARCH_TEXT_LENGTH = 1000


def solution_search_text(solution: Solution, holder_names: Iterable[str] = ()) -> str:
    parts = [solution.title, solution.summary]
    if solution.origin_commune_id:
        parts.append(solution.origin_commune.name)
    parts.extend(holder_names)
    return normalize(" ".join(parts))[:SEARCH_TEXT_LENGTH]


def _changed() -> None:
    """Cached suggestions depend on the catalogue: invalidate them now and again once the transaction
    commits (so that a page computed meanwhile from the old rows is not kept)."""
    from maillage.innovation.suggestions import catalogue_changed

    catalogue_changed()
    transaction.on_commit(catalogue_changed)


def _refresh_search_text(solution: Solution) -> None:
    """Derived column: written with update(), it is not an edit (no version bump, no history line)."""
    names = list(solution.holders.order_by("name").values_list("name", flat=True))
    solution.search_text = solution_search_text(solution, names)
    Solution.objects.filter(pk=solution.pk).update(search_text=solution.search_text)


def _set_relations(solution: Solution, relations: dict[str, Iterable[Any] | None]) -> None:
    for name, values in relations.items():
        if values is not None:
            getattr(solution, name).set(values)


def _check_origin(origin: Any) -> None:
    if origin is not None and not Commune.objects.filter(pk=origin.pk).exists():
        raise ValidationError({"origin_commune": _("This commune is not in the territorial referential.")})


@transaction.atomic
def solution_create(
    *,
    data: dict[str, Any],
    holders: Iterable[Any] | None = None,
    themes: Iterable[Any] | None = None,
    agreements: Iterable[Any] | None = None,
    contacts: Iterable[Any] | None = None,
) -> Solution:
    """Add a solution to the catalogue (stage and visibility may be chosen at creation)."""
    solution = Solution(
        **{k: v for k, v in data.items() if k in SOLUTION_FIELDS + CREATE_ONLY_FIELDS or k == "publiccode"}
    )
    _check_origin(solution.origin_commune)
    solution.full_clean(exclude=["search_text"])
    solution.save()
    _set_relations(
        solution, {"holders": holders, "themes": themes, "agreements": agreements, "contacts": contacts}
    )
    _refresh_search_text(solution)
    _changed()
    return solution


@transaction.atomic
def solution_update(
    *,
    solution: Solution,
    data: dict[str, Any],
    expected_version: int,
    holders: Iterable[Any] | None = None,
    themes: Iterable[Any] | None = None,
    agreements: Iterable[Any] | None = None,
    contacts: Iterable[Any] | None = None,
) -> Solution:
    """Change the description of a solution; a concurrent save raises ConcurrentEditError."""
    for key, value in data.items():
        if key in SOLUTION_FIELDS or key == "publiccode":  # the document of a publiccode.yml import
            setattr(solution, key, value)
    _check_origin(solution.origin_commune)
    solution.full_clean(exclude=["search_text"])
    if (
        solution.origin_commune_id
        and solution.replications.filter(commune_id=solution.origin_commune_id).exists()
    ):
        raise ValidationError(
            {
                "origin_commune": _(
                    "%(commune)s already reproduced this solution: it cannot also be its origin commune."
                )
                % {"commune": solution.origin_commune.name}
            }
        )
    save_versioned(solution, expected_version=expected_version)
    _set_relations(
        solution, {"holders": holders, "themes": themes, "agreements": agreements, "contacts": contacts}
    )
    _refresh_search_text(solution)
    _changed()
    return solution


def _stage_label(stage: str) -> str:
    return str(SolutionStage(stage).label) if stage in SolutionStage.values else stage or _("(none)")


def allowed_stages(current: str) -> dict[str, str]:
    """Stages reachable from ``current``: the next one (forward) and the previous one (back)."""
    index = STAGE_ORDER.index(current)
    moves: dict[str, str] = {}
    if index + 1 < len(STAGE_ORDER):
        moves[STAGE_ORDER[index + 1]] = "forward"
    if index > 0:
        moves[STAGE_ORDER[index - 1]] = "back"
    return moves


@transaction.atomic
def solution_change_stage(*, solution: Solution, to_stage: str, reason: str = "") -> Solution:
    """idea → experimentation → deployment → generalisation, one step at a time; back with a reason."""
    solution = Solution.objects.select_for_update().get(pk=solution.pk)
    moves = allowed_stages(solution.stage)
    current = _stage_label(solution.stage)
    if to_stage not in moves:
        choices = ", ".join(f"« {_stage_label(s)} »" for s in STAGE_ORDER if s in moves)
        raise ValidationError(
            {
                "stage": _(
                    "A solution at the stage « %(current)s » cannot move to « %(target)s ». "
                    "From « %(current)s » it may move to: %(allowed)s."
                )
                % {"current": current, "target": _stage_label(to_stage), "allowed": choices}
            }
        )
    reason = (reason or "").strip()
    if moves[to_stage] == "back" and not reason:
        raise ValidationError(
            {
                "reason": _("Give the reason why the solution goes back to the stage « %(target)s ».")
                % {"target": _stage_label(to_stage)}
            }
        )
    solution.stage = to_stage
    solution.version += 1
    with set_extra_data({"reason": reason} if reason else {}):
        solution.save(update_fields=["stage", "version", "updated_at"])
    _changed()
    return solution


@transaction.atomic
def solution_set_visibility(*, solution: Solution, visibility: str) -> Solution:
    """Publish (public) or withdraw to signed-in users only (internal)."""
    if visibility not in SolutionVisibility.values:
        raise ValidationError({"visibility": _("Unknown visibility.")})
    solution = Solution.objects.select_for_update().get(pk=solution.pk)
    if solution.visibility == visibility:
        return solution
    solution.visibility = visibility
    solution.version += 1
    solution.save(update_fields=["visibility", "version", "updated_at"])
    _changed()
    return solution


# --- Replications ------------------------------------------------------------------------------


def _validate_replication(
    *,
    solution: Solution,
    commune_code: str,
    parent: Replication | None,
    date: dt.date | None,
    replication: Replication | None = None,
) -> Commune:
    errors: dict[str, list[str]] = {}
    commune = Commune.objects.filter(pk=commune_code).only("code", "name").first() if commune_code else None
    if commune is None:
        errors.setdefault("commune", []).append(
            _("Choose a commune of the territorial referential (unknown code: « %(code)s »).")
            % {"code": commune_code or ""}
        )
    else:
        if commune.code == solution.origin_commune_id:
            errors.setdefault("commune", []).append(
                _("%(commune)s is the origin commune of this solution: it cannot reproduce it.")
                % {"commune": commune.name}
            )
        duplicates = Replication.objects.filter(solution_id=solution.pk, commune_id=commune.code)
        if replication is not None:
            duplicates = duplicates.exclude(pk=replication.pk)
        if duplicates.exists():
            errors.setdefault("commune", []).append(
                _("%(commune)s has already reproduced this solution: edit that replication instead.")
                % {"commune": commune.name}
            )
    if parent is not None:
        if parent.solution_id != solution.pk:
            errors.setdefault("parent", []).append(
                _("The replica it was reproduced from must be a replica of the same solution.")
            )
        elif replication is not None:
            siblings = list(Replication.objects.filter(solution_id=solution.pk).only("pk", "parent_id"))
            if parent.pk == replication.pk or parent.pk in descendant_ids(replication, siblings):
                errors.setdefault("parent", []).append(
                    _("A replication cannot be reproduced from itself or from one of its own replicas.")
                )
    if date is None:
        errors.setdefault("date", []).append(_("Give the date of the replication."))
    elif date > timezone.localdate():
        errors.setdefault("date", []).append(
            _("The date of a replication cannot be in the future (%(date)s).")
            % {"date": date.strftime("%d/%m/%Y")}
        )
    if errors:
        raise ValidationError(errors)
    return commune  # type: ignore[return-value]


@transaction.atomic
def replication_create(*, solution: Solution, data: dict[str, Any]) -> Replication:
    """Record that a commune reproduced the solution, from the origin (no parent) or from a replica."""
    # Lock the solution: two declarations for the same commune at once cannot both pass the checks.
    solution = Solution.objects.select_for_update().only("pk", "origin_commune_id").get(pk=solution.pk)
    commune_value = data.get("commune")
    commune_code = str(getattr(commune_value, "pk", commune_value) or "")
    parent = data.get("parent")
    commune = _validate_replication(
        solution=solution, commune_code=commune_code, parent=parent, date=data.get("date")
    )
    replication = Replication(
        solution=solution,
        commune=commune,
        parent=parent,
        **{k: v for k, v in data.items() if k in REPLICATION_FIELDS},
    )
    if not replication.outcome:
        replication.outcome = ReplicationOutcome.IN_PROGRESS
    replication.full_clean(exclude=["solution", "commune", "parent", "contact"], validate_constraints=False)
    try:
        with transaction.atomic():
            replication.save()
    except IntegrityError:
        raise ValidationError(
            {"commune": _("%(commune)s has already reproduced this solution.") % {"commune": commune.name}}
        ) from None
    _changed()
    return replication


@transaction.atomic
def replication_update(*, replication: Replication, data: dict[str, Any]) -> Replication:
    """Change a replication's details, outcome or parent (the commune stays)."""
    replication = Replication.objects.select_for_update().select_related("solution").get(pk=replication.pk)
    parent = data.get("parent", replication.parent)
    date = data.get("date", replication.date)
    _validate_replication(
        solution=replication.solution,
        commune_code=replication.commune_id,
        parent=parent,
        date=date,
        replication=replication,
    )
    replication.parent = parent
    for key, value in data.items():
        if key in REPLICATION_FIELDS:
            setattr(replication, key, value)
    replication.full_clean(exclude=["solution", "commune", "parent", "contact"], validate_constraints=False)
    replication.save()
    _changed()
    return replication
