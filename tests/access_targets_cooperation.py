"""Access-matrix additions for the cooperation app: common topics and cooperations.

Own objects belong to camille's organisation (Montreuil proposes the topic, pilots the cooperation),
other objects to bruno's (Vincennes). Topics are for signed-in accounts (AUTHENTICATED), cooperations
are public; editing a topic is for its proposer's correspondents and staff, editing a cooperation's
plan (objectives, milestones) for its pilots' correspondents and staff.
"""

from __future__ import annotations

import datetime as dt

from maillage.cooperation import services


def build(world) -> None:
    personas = world.personas
    world.own_topic = services.topic_create(
        data={"title": "Sujet de Montreuil", "description": "Un sujet.", "proposer": personas.montreuil},
        proposed_by=personas.camille,
    )
    world.other_topic = services.topic_create(
        data={"title": "Sujet de Vincennes", "description": "Un sujet.", "proposer": personas.vincennes},
        proposed_by=personas.bruno,
    )
    world.own_cooperation = services.cooperation_create(
        data={"title": "Coopération pilotée par Montreuil"}, pilot=personas.montreuil
    )
    world.other_cooperation = services.cooperation_create(
        data={"title": "Coopération pilotée par Vincennes"}, pilot=personas.vincennes
    )
    world.own_milestone = services.milestone_add(
        cooperation=world.own_cooperation, data={"title": "Lancement", "due_date": dt.date(2030, 1, 1)}
    )
    world.other_milestone = services.milestone_add(
        cooperation=world.other_cooperation, data={"title": "Lancement", "due_date": dt.date(2030, 1, 1)}
    )


def _same(kwargs):
    return lambda w: (kwargs(w), kwargs(w))


def _topics(w):
    return ({"pk": w.own_topic.pk}, {"pk": w.other_topic.pk})


def _cooperations(w):
    return ({"pk": w.own_cooperation.pk}, {"pk": w.other_cooperation.pk})


TARGETS = {
    "cooperation:topic_list": _same(lambda w: {}),
    "cooperation:topic_create": _same(lambda w: {}),
    "cooperation:topic_detail": _topics,
    "cooperation:topic_update": _topics,
    "cooperation:topic_interest": _topics,
    "cooperation:topic_withdraw": _topics,
    "cooperation:topic_transition": _topics,
    "cooperation:topic_convert": _topics,
    "cooperation:topic_map_data": _topics,
    "cooperation:cooperation_list": _same(lambda w: {}),
    "cooperation:cooperation_create": _same(lambda w: {}),
    "cooperation:cooperation_detail": _cooperations,
    "cooperation:cooperation_update": _cooperations,
    "cooperation:participant_add": _cooperations,
    "cooperation:milestone_add": _cooperations,
    "cooperation:milestone_complete": lambda w: ({"pk": w.own_milestone.pk}, {"pk": w.other_milestone.pk}),
}
SCOPED: dict = {}
POST_ONLY = {
    "cooperation:topic_interest",
    "cooperation:topic_withdraw",
    "cooperation:topic_transition",
    "cooperation:topic_convert",
    "cooperation:milestone_complete",
}
