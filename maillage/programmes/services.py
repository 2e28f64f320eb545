"""Writes about programmes, their participants, experiments, indicators and measures.

The lifecycle of an experiment has one function per move (``experiment_committee``,
``experiment_start``, ``experiment_evaluate``, ``experiment_decide``, ``experiment_resume``); each
locks the row, checks the move against ``EXPERIMENT_TRANSITIONS`` and refuses any other with a
French message naming the allowed ones. Moves bump the version, so a form opened before a move
cannot silently undo it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.core.concurrency import save_versioned
from maillage.core.text import normalize
from maillage.organizations.models import Organization
from maillage.programmes.models import (
    EXPERIMENT_TRANSITIONS,
    MEASURABLE_STATUSES,
    Decision,
    Experiment,
    ExperimentStatus,
    Indicator,
    Measure,
    Programme,
    ProgrammeParticipant,
)

PROGRAMME_FIELDS = (
    "name",
    "acronym",
    "level",
    "funder",
    "description",
    "url",
    "start_date",
    "end_date",
    "requires_committee",
    "experiment_months",
)
EXPERIMENT_FIELDS = (
    "title",
    "programme",
    "solution",
    "hypothesis",
    "description",
    "host_commune",
    "host_site",
    "start_date",
    "end_date",
)
# What a correspondent of the host commune may change.
HOST_FIELDS = ("description", "host_site")
INDICATOR_FIELDS = ("name", "unit", "baseline", "target")
MEASURE_FIELDS = ("measured_on", "value", "note")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the last day of the month when that day does not exist)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _programme_search_text(programme: Programme) -> str:
    return normalize(f"{programme.name} {programme.acronym} {programme.funder}")[:400]


def _experiment_search_text(experiment: Experiment) -> str:
    return normalize(f"{experiment.title} {experiment.host_site}")[:400]


# --- Programmes ------------------------------------------------------------------------------


def _set_links(
    programme: Programme,
    themes: Iterable[Any] | None,
    solutions: Iterable[Any] | None,
    agreements: Iterable[Any] | None,
) -> None:
    if themes is not None:
        programme.themes.set(themes)
    if solutions is not None:
        programme.solutions.set(solutions)
    if agreements is not None:
        programme.agreements.set(agreements)


@transaction.atomic
def programme_create(
    *,
    data: dict[str, Any],
    themes: Iterable[Any] | None = None,
    solutions: Iterable[Any] | None = None,
    agreements: Iterable[Any] | None = None,
) -> Programme:
    programme = Programme(**{k: v for k, v in data.items() if k in PROGRAMME_FIELDS})
    programme.search_text = _programme_search_text(programme)
    programme.full_clean(exclude=["search_text"])
    programme.save()
    _set_links(programme, themes, solutions, agreements)
    return programme


@transaction.atomic
def programme_update(
    *,
    programme: Programme,
    data: dict[str, Any],
    expected_version: int,
    themes: Iterable[Any] | None = None,
    solutions: Iterable[Any] | None = None,
    agreements: Iterable[Any] | None = None,
) -> Programme:
    for key, value in data.items():
        if key in PROGRAMME_FIELDS:
            setattr(programme, key, value)
    programme.search_text = _programme_search_text(programme)
    programme.full_clean(exclude=["search_text"])
    save_versioned(programme, expected_version=expected_version)
    _set_links(programme, themes, solutions, agreements)
    return programme


@transaction.atomic
def participant_add(*, programme: Programme, organization: Organization, role: str) -> ProgrammeParticipant:
    duplicate = _("« %(name)s » already takes part in this programme.") % {"name": organization.name}
    if ProgrammeParticipant.objects.filter(programme=programme, organization=organization).exists():
        raise ValidationError({"organization": duplicate})
    participant = ProgrammeParticipant(programme=programme, organization=organization, role=role)
    participant.full_clean(exclude=["programme", "organization"], validate_constraints=False)
    try:
        with transaction.atomic():
            participant.save()
    except IntegrityError:
        raise ValidationError({"organization": duplicate}) from None
    return participant


@transaction.atomic
def participant_remove(*, participant: ProgrammeParticipant) -> None:
    participant.delete()


# --- Experiments -----------------------------------------------------------------------------


def _default_end(experiment: Experiment) -> None:
    """An experiment of a programme with a standard length (QMI: 18 months) ends after it by default."""
    programme = experiment.programme
    if experiment.end_date is None and experiment.start_date and programme and programme.experiment_months:
        experiment.end_date = add_months(experiment.start_date, programme.experiment_months)


def _check_dates(experiment: Experiment) -> None:
    if experiment.start_date and experiment.end_date and experiment.end_date < experiment.start_date:
        raise ValidationError({"end_date": _("The end date must come after the start date.")})


@transaction.atomic
def experiment_create(*, data: dict[str, Any], created_by: Any = None) -> Experiment:
    experiment = Experiment(
        created_by=created_by, **{k: v for k, v in data.items() if k in EXPERIMENT_FIELDS}
    )
    _check_dates(experiment)
    _default_end(experiment)
    experiment.search_text = _experiment_search_text(experiment)
    experiment.full_clean(exclude=["search_text", "created_by"])
    experiment.save()
    return experiment


@transaction.atomic
def experiment_update(
    *,
    experiment: Experiment,
    data: dict[str, Any],
    expected_version: int,
    fields: tuple[str, ...] = EXPERIMENT_FIELDS + ("evaluation",),
) -> Experiment:
    """Apply the given fields among ``fields`` (a host commune's correspondent passes ``HOST_FIELDS``)."""
    for key, value in data.items():
        if key in fields:
            setattr(experiment, key, value)
    _check_dates(experiment)
    _default_end(experiment)
    experiment.search_text = _experiment_search_text(experiment)
    experiment.full_clean(exclude=["search_text", "created_by"])
    save_versioned(experiment, expected_version=expected_version)
    return experiment


def _lock(experiment: Experiment) -> Experiment:
    return (
        Experiment.objects.select_for_update(of=("self",)).select_related("programme").get(pk=experiment.pk)
    )


def _label(status: str) -> str:
    return str(ExperimentStatus(status).label)


def check_transition(experiment: Experiment, to_status: str) -> None:
    """Refuse a move outside EXPERIMENT_TRANSITIONS with a message naming the allowed ones."""
    allowed = EXPERIMENT_TRANSITIONS.get(experiment.status, set())
    if to_status in allowed:
        return
    current = _label(experiment.status)
    target = _label(to_status) if to_status in ExperimentStatus.values else (to_status or _("(none)"))
    if not allowed:
        raise ValidationError(
            _("The experiment is « %(current)s »: its status can no longer change (asked: « %(target)s »).")
            % {"current": current, "target": target}
        )
    choices = ", ".join(f"« {_label(s)} »" for s in ExperimentStatus.values if s in allowed)
    raise ValidationError(
        _(
            "An experiment « %(current)s » cannot become « %(target)s ». From « %(current)s » it may "
            "become: %(allowed)s."
        )
        % {"current": current, "target": target, "allowed": choices}
    )


def _move(experiment: Experiment, to_status: str, fields: list[str]) -> Experiment:
    experiment.status = to_status
    experiment.version += 1
    experiment.full_clean(exclude=["search_text", "created_by"])
    experiment.save(update_fields=["status", "version", "updated_at", *fields])
    return experiment


@transaction.atomic
def experiment_committee(
    *,
    experiment: Experiment,
    retained: bool,
    committee_date: dt.date | None,
    opinion: str,
    cofinancing_eur: Decimal | None = None,
) -> Experiment:
    """Record the selection: retained or refused, with the expert committee's date, opinion and
    co-financing. A programme that requires a committee needs its date and opinion to retain; refusing
    always needs the opinion (the reason)."""
    experiment = _lock(experiment)
    to_status = ExperimentStatus.RETAINED if retained else ExperimentStatus.REFUSED
    check_transition(experiment, to_status)
    opinion = (opinion or "").strip()
    errors: dict[str, str] = {}
    needs_committee = bool(experiment.programme and experiment.programme.requires_committee)
    if retained and needs_committee:
        if committee_date is None:
            errors["committee_date"] = _(
                "The programme « %(programme)s » requires an expert committee: give the date of its meeting."
            ) % {"programme": experiment.programme.name}
        if not opinion:
            errors["opinion"] = _("Give the opinion of the expert committee.")
    if not retained and not opinion:
        errors["opinion"] = _("Give the reason of the refusal (the committee's opinion).")
    if committee_date and committee_date > timezone.localdate():
        errors["committee_date"] = _("The committee date cannot be in the future: record it once held.")
    if cofinancing_eur is not None:
        if cofinancing_eur < 0:
            errors["cofinancing_eur"] = _("The co-financing cannot be negative.")
        elif not retained:
            errors["cofinancing_eur"] = _("A refused experiment receives no co-financing: leave it empty.")
    if errors:
        raise ValidationError(errors)
    experiment.committee_date = committee_date
    experiment.committee_opinion = opinion
    experiment.cofinancing_eur = cofinancing_eur
    return _move(experiment, to_status, ["committee_date", "committee_opinion", "cofinancing_eur"])


@transaction.atomic
def experiment_start(*, experiment: Experiment) -> Experiment:
    experiment = _lock(experiment)
    check_transition(experiment, ExperimentStatus.RUNNING)
    if experiment.status == ExperimentStatus.DECIDED:
        raise ValidationError(_("Use « Resume the extended experiment » after a decision to extend it."))
    return _move(experiment, ExperimentStatus.RUNNING, [])


@transaction.atomic
def experiment_evaluate(*, experiment: Experiment) -> Experiment:
    experiment = _lock(experiment)
    check_transition(experiment, ExperimentStatus.EVALUATION)
    return _move(experiment, ExperimentStatus.EVALUATION, [])


@transaction.atomic
def experiment_decide(
    *,
    experiment: Experiment,
    decision: str,
    decision_date: dt.date | None,
    rationale: str,
    evaluation: str,
    new_end_date: dt.date | None = None,
) -> Experiment:
    """Close the evaluation with a decision: generalise, extend (with a new end date) or stop."""
    experiment = _lock(experiment)
    check_transition(experiment, ExperimentStatus.DECIDED)
    rationale, evaluation = (rationale or "").strip(), (evaluation or "").strip()
    errors: dict[str, str] = {}
    if decision not in Decision.values:
        errors["decision"] = _("Choose the decision: generalise, extend or stop.")
    if not evaluation:
        errors["evaluation"] = _("Write the evaluation of the experiment before deciding.")
    if not rationale:
        errors["rationale"] = _("Give the rationale of the decision.")
    if decision_date is None:
        errors["decision_date"] = _("Give the date of the decision.")
    elif decision_date < experiment.start_date:
        errors["decision_date"] = _("The decision cannot come before the start of the experiment.")
    if decision == Decision.EXTEND:
        current_end = experiment.end_date or experiment.start_date
        if new_end_date is None:
            errors["new_end_date"] = _("Extending an experiment needs its new end date.")
        elif new_end_date <= current_end:
            errors["new_end_date"] = _("The new end date must come after the current one (%(date)s).") % {
                "date": current_end.strftime("%d/%m/%Y")
            }
    elif new_end_date is not None:
        errors["new_end_date"] = _("Only a decision to extend sets a new end date: leave it empty.")
    if errors:
        raise ValidationError(errors)
    experiment.decision = decision
    experiment.decision_date = decision_date
    experiment.decision_rationale = rationale
    experiment.evaluation = evaluation
    fields = ["decision", "decision_date", "decision_rationale", "evaluation"]
    if decision == Decision.EXTEND:
        experiment.end_date = new_end_date
        fields.append("end_date")
    return _move(experiment, ExperimentStatus.DECIDED, fields)


@transaction.atomic
def experiment_resume(*, experiment: Experiment) -> Experiment:
    """An experiment decided « extend » runs again until its new end date."""
    experiment = _lock(experiment)
    check_transition(experiment, ExperimentStatus.RUNNING)
    if experiment.status != ExperimentStatus.DECIDED or experiment.decision != Decision.EXTEND:
        raise ValidationError(_("Only an experiment whose decision is « extend » can resume."))
    return _move(experiment, ExperimentStatus.RUNNING, [])


# --- Indicators and measures -----------------------------------------------------------------


@transaction.atomic
def indicator_add(*, experiment: Experiment, data: dict[str, Any]) -> Indicator:
    experiment = _lock(experiment)
    if experiment.status in (ExperimentStatus.REFUSED, ExperimentStatus.DECIDED):
        raise ValidationError(
            _("The experiment is « %(status)s »: no indicator can be added.")
            % {"status": experiment.get_status_display()}
        )
    indicator = Indicator(experiment=experiment, **{k: v for k, v in data.items() if k in INDICATOR_FIELDS})
    indicator.name = (indicator.name or "").strip()
    duplicate = _("This experiment already has an indicator named « %(name)s ».") % {"name": indicator.name}
    if Indicator.objects.filter(experiment=experiment, name=indicator.name).exists():
        raise ValidationError({"name": duplicate})
    indicator.full_clean(exclude=["experiment"], validate_constraints=False)
    indicator.save()
    return indicator


def check_measurable(experiment: Experiment) -> None:
    """Measures are recorded while the experiment is running or under evaluation."""
    if experiment.status not in MEASURABLE_STATUSES:
        raise ValidationError(
            _(
                "The experiment is « %(status)s »: measures are recorded while it is running or under "
                "evaluation."
            )
            % {"status": experiment.get_status_display()}
        )


@transaction.atomic
def measure_add(
    *, experiment: Experiment, indicator: Indicator, data: dict[str, Any], recorded_by: Any = None
) -> Measure:
    """A measured value of one of this experiment's indicators, while the experiment runs or is evaluated."""
    experiment = _lock(experiment)
    if indicator.experiment_id != experiment.pk:
        raise ValidationError({"indicator": _("This indicator does not belong to this experiment.")})
    check_measurable(experiment)
    measure = Measure(
        indicator=indicator,
        recorded_by=recorded_by,
        **{k: v for k, v in data.items() if k in MEASURE_FIELDS},
    )
    if measure.measured_on:
        if measure.measured_on < experiment.start_date:
            raise ValidationError(
                {
                    "measured_on": _("A measure cannot come before the start of the experiment (%(date)s).")
                    % {"date": experiment.start_date.strftime("%d/%m/%Y")}
                }
            )
        if measure.measured_on > timezone.localdate():
            raise ValidationError({"measured_on": _("A measure cannot be dated in the future.")})
    duplicate = _("This indicator already has a measure on that date.")
    if (
        measure.measured_on
        and Measure.objects.filter(indicator=indicator, measured_on=measure.measured_on).exists()
    ):
        raise ValidationError({"measured_on": duplicate})
    measure.full_clean(exclude=["indicator", "recorded_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            measure.save()
    except IntegrityError:
        raise ValidationError({"measured_on": duplicate}) from None
    return measure


@transaction.atomic
def experiment_transition(*, experiment: Experiment, to_status: str) -> Experiment:
    """The moves of the status buttons (start, evaluation, resume); the committee and the decision have
    their own forms. Any other move is refused with the allowed ones."""
    current = _lock(experiment)
    check_transition(current, to_status)
    if to_status == ExperimentStatus.EVALUATION:
        return experiment_evaluate(experiment=current)
    if to_status == ExperimentStatus.RUNNING:
        if current.status == ExperimentStatus.DECIDED:
            return experiment_resume(experiment=current)
        return experiment_start(experiment=current)
    if to_status == ExperimentStatus.DECIDED:
        raise ValidationError(_("Use the decision form: a decision needs the evaluation and its rationale."))
    raise ValidationError(_("Use the committee form to retain or refuse the experiment."))
