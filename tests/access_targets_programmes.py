"""Access-matrix additions for the programmes app: programmes and experiments.

Programmes are public (staff edit them); experiments are for signed-in accounts. The own experiment is
hosted in camille's commune (Montreuil), the other one in bruno's (Vincennes): a host commune's
correspondent edits the description and records indicators and measures (OWN_ORGANIZATION); the
committee, the moves and the decision are for staff.
"""

from __future__ import annotations

from maillage.programmes import services
from maillage.programmes.models import ParticipantRole
from tests.factories_programmes import make_experiment, make_programme


def build(world) -> None:
    personas = world.personas
    world.own_programme = make_programme(
        name="Programme avec Montreuil", participants=[(personas.montreuil, ParticipantRole.LEAD)]
    )
    world.other_programme = make_programme(
        name="Programme avec Vincennes", participants=[(personas.vincennes, ParticipantRole.LEAD)]
    )
    world.own_experiment = make_experiment(commune="93048", programme=world.own_programme)
    world.other_experiment = make_experiment(commune="94080", programme=world.other_programme)
    services.indicator_add(experiment=world.own_experiment, data={"name": "Usagers", "target": 100})


def _same(kwargs):
    return lambda w: (kwargs(w), kwargs(w))


def _programmes(w):
    return ({"pk": w.own_programme.pk}, {"pk": w.other_programme.pk})


def _experiments(w):
    return ({"pk": w.own_experiment.pk}, {"pk": w.other_experiment.pk})


TARGETS = {
    "programmes:programme_list": _same(lambda w: {}),
    "programmes:programme_create": _same(lambda w: {}),
    "programmes:programme_detail": _programmes,
    "programmes:programme_update": _programmes,
    "programmes:participant_add": _programmes,
    "programmes:participant_remove": _programmes,
    "programmes:experiment_list": _same(lambda w: {}),
    "programmes:experiment_create": _same(lambda w: {}),
    "programmes:experiment_detail": _experiments,
    "programmes:experiment_update": _experiments,
    "programmes:indicator_add": _experiments,
    "programmes:measure_add": _experiments,
    "programmes:experiment_committee": _experiments,
    "programmes:experiment_decision": _experiments,
    "programmes:experiment_transition": _experiments,
    "api:programme-list": _same(lambda w: {}),
    "api:programme-detail": _programmes,
    "api:experiment-list": _same(lambda w: {}),
    "api:experiment-detail": _experiments,
}
_SIGNED_IN_API = {
    "anonymous": ("forbidden", "forbidden"),
    "admin": ("allowed", "allowed"),
    "agent": ("allowed", "allowed"),
    "correspondent": ("allowed", "allowed"),
}
SCOPED: dict = {"api:experiment-list": _SIGNED_IN_API, "api:experiment-detail": _SIGNED_IN_API}
POST_ONLY = {"programmes:participant_remove", "programmes:experiment_transition"}
