"""Access-matrix additions for the community app.

Own objects belong to camille's organisation (Montreuil: a member holding a position there, an event
it organises, a resource it wrote), other objects to bruno's (Vincennes). Profiles are personal data
for signed-in accounts; a correspondent manages the profiles of their organisation's people. Events
and resources are public (the targets are public ones; internal ones are tested in test_community).
"""

from __future__ import annotations

from maillage.community.tokens import cancel_token
from tests.factories_community import make_event, make_profile, make_resource, member, pdf_upload


def build(world) -> None:
    personas = world.personas
    world.own_profile = make_profile(
        member(personas.montreuil), organization=personas.montreuil, skills="Design"
    )
    world.other_profile = make_profile(
        member(personas.vincennes), organization=personas.vincennes, skills="Data"
    )
    world.own_event = make_event(organizer=personas.montreuil)
    world.other_event = make_event(organizer=personas.vincennes)
    from maillage.community import services

    world.own_registration = services.registration_create(
        event=world.own_event, name="Inès Test", email="ines@example.org", consent=True
    )
    world.other_registration = services.registration_create(
        event=world.other_event, name="Omar Test", email="omar@example.org", consent=True
    )
    world.own_resource = make_resource(organization=personas.montreuil, upload=pdf_upload())
    world.other_resource = make_resource(organization=personas.vincennes, upload=pdf_upload())


def _same(kwargs):
    return lambda w: (kwargs(w), kwargs(w))


def _pair(own, other):
    return lambda w: ({"pk": getattr(w, own).pk}, {"pk": getattr(w, other).pk})


TARGETS = {
    "community:home": _same(lambda w: {}),
    "community:directory": _same(lambda w: {}),
    "community:profile_create": _same(lambda w: {}),
    "community:my_profile": _same(lambda w: {}),
    "community:profile_detail": _pair("own_profile", "other_profile"),
    "community:profile_update": _pair("own_profile", "other_profile"),
    "community:profile_withdraw": _pair("own_profile", "other_profile"),
    "community:event_list": _same(lambda w: {}),
    "community:event_create": _same(lambda w: {}),
    "community:event_detail": _pair("own_event", "other_event"),
    "community:event_update": _pair("own_event", "other_event"),
    "community:registration_create": _pair("own_event", "other_event"),
    "community:attendance": _pair("own_event", "other_event"),
    "community:registration_cancel": lambda w: (
        {"token": cancel_token(w.own_registration)},
        {"token": cancel_token(w.other_registration)},
    ),
    "community:resource_list": _same(lambda w: {}),
    "community:resource_create": _same(lambda w: {}),
    "community:resource_detail": _pair("own_resource", "other_resource"),
    "community:resource_update": _pair("own_resource", "other_resource"),
    "community:resource_download": _pair("own_resource", "other_resource"),
}
SCOPED: dict = {}
POST_ONLY = {"community:registration_create"}

TARGETS |= {
    "api:community-event-list": _same(lambda w: {}),
    "api:community-event-detail": _pair("own_event", "other_event"),
    "api:community-resource-list": _same(lambda w: {}),
    "api:community-resource-detail": _pair("own_resource", "other_resource"),
}
