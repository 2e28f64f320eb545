"""Builders of programmes and experiments for tests, through the services (so every rule applies)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count
from typing import Any

from django.utils import timezone

from maillage.programmes import services
from maillage.programmes.models import Decision, Experiment, Indicator, Programme, ProgrammeLevel
from maillage.territories.models import Commune

_numbers = count(1)


def make_programme(**data: Any) -> Programme:
    participants = data.pop("participants", [])
    number = next(_numbers)
    programme = services.programme_create(
        data={"name": f"Programme fictif n°{number}", "level": ProgrammeLevel.NATIONAL, **data}
    )
    for organization, role in participants:
        services.participant_add(programme=programme, organization=organization, role=role)
    return programme


def make_qmi(**data: Any) -> Programme:
    return make_programme(
        name=data.pop("name", f"Quartiers Métropolitains d'Innovation {next(_numbers)}"),
        acronym="QMI",
        level=ProgrammeLevel.METROPOLITAN,
        requires_committee=True,
        experiment_months=18,
        **data,
    )


def make_experiment(*, commune: str = "93048", **data: Any) -> Experiment:
    number = next(_numbers)
    values = {
        "title": f"Expérimentation fictive n°{number}",
        "hypothesis": "Une hypothèse vérifiable.",
        "host_commune": Commune.objects.get(pk=commune),
        "start_date": timezone.localdate() - dt.timedelta(days=60),
        **data,
    }
    return services.experiment_create(data=values)


def retain(experiment: Experiment) -> Experiment:
    return services.experiment_committee(
        experiment=experiment,
        retained=True,
        committee_date=timezone.localdate() - dt.timedelta(days=30),
        opinion="Avis favorable du comité.",
        cofinancing_eur=Decimal("20000"),
    )


def running(experiment: Experiment) -> Experiment:
    return services.experiment_start(experiment=retain(experiment))


def make_indicator(experiment: Experiment, **data: Any) -> Indicator:
    values = {
        "name": f"Indicateur {next(_numbers)}",
        "unit": "%",
        "baseline": Decimal(10),
        "target": Decimal(50),
    }
    return services.indicator_add(experiment=experiment, data={**values, **data})


def decided(experiment: Experiment, decision: str = Decision.GENERALISE) -> Experiment:
    experiment = services.experiment_evaluate(experiment=running(experiment))
    return services.experiment_decide(
        experiment=experiment,
        decision=decision,
        decision_date=timezone.localdate(),
        rationale="Résultats probants.",
        evaluation="Les indicateurs ont atteint leur cible.",
        new_end_date=(experiment.end_date or experiment.start_date) + dt.timedelta(days=180)
        if decision == Decision.EXTEND
        else None,
    )
