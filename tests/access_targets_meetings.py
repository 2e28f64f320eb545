"""Access-matrix additions for the meetings app (bodies, sessions, invitations).

Own objects: a body where camille's organisation (Montreuil) sits through its DGS, added by hand;
other objects: the same for bruno's (Vincennes). Bodies and sessions are internal (not public):
anonymous visitors get 404, correspondents see only their organisation's. Managing is for staff.
The RSVP link is public by design (the signed token is the credential).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from maillage.meetings import services
from maillage.meetings.models import AgendaItem, AgendaProposal, Invitation
from maillage.meetings.tokens import rsvp_token
from maillage.people.models import PositionRole
from tests.factories import PositionFactory

ALLOWED, LOGIN, FORBIDDEN, HIDDEN = "allowed", "login", "forbidden", "hidden (404)"


def _body_with_session(name, person, organization):
    body = services.body_create(data={"name": name})
    services.body_member_add(body=body, person=person, organization=organization)
    start = timezone.now() + dt.timedelta(days=30)
    session = services.session_create(
        body=body, data={"starts_at": start, "ends_at": start + dt.timedelta(hours=2), "address": "Mairie"}
    )
    # A second seat, the one the removal URL deletes (the first keeps the body visible).
    extra = PositionFactory(organization=organization, role=PositionRole.DGA).person
    member = services.body_member_add(body=body, person=extra, organization=organization)
    action = services.action_add(session=session, data={"description": "Relancer", "owner_person": person})
    return body, session, member, action


def build(world) -> None:
    personas = world.personas
    world.own_body, world.own_session, world.own_member, world.own_meeting_action = _body_with_session(
        "Instance de Montreuil", world.own_person, personas.montreuil
    )
    world.other_body, world.other_session, world.other_member, world.other_meeting_action = (
        _body_with_session("Instance de Vincennes", world.other_person, personas.vincennes)
    )
    from django.core.files.base import ContentFile

    for session in (world.own_session, world.other_session):
        item = AgendaItem.objects.create(session=session, title="Point avec document", order=1)
        item.document.save("note.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
        setattr(world, "own_agenda_item" if session is world.own_session else "other_agenda_item", item)
    world.own_proposal, world.other_proposal = (
        AgendaProposal.objects.create(session=session, organization=organization, title="Point proposé")
        for session, organization in (
            (world.own_session, personas.montreuil),
            (world.other_session, personas.vincennes),
        )
    )
    world.own_invitation = Invitation.objects.create(
        session=world.own_session, person=world.own_person, organization=personas.montreuil, role="member"
    )


def _same(kwargs):
    return lambda w: (kwargs(w), kwargs(w))


def _bodies(w):
    return ({"pk": w.own_body.pk}, {"pk": w.other_body.pk})


def _sessions(w):
    return ({"pk": w.own_session.pk}, {"pk": w.other_session.pk})


TARGETS = {
    "meetings:body_list": _same(lambda w: {}),
    "meetings:body_create": _same(lambda w: {}),
    "meetings:participation": _same(lambda w: {}),
    "meetings:participation_map_data": _same(lambda w: {}),
    "meetings:rsvp": _same(lambda w: {"token": rsvp_token(w.own_invitation)}),
    "meetings:body_detail": _bodies,
    "meetings:body_update": _bodies,
    "meetings:body_members": _bodies,
    "meetings:body_member_remove": lambda w: (
        {"pk": w.own_body.pk, "member_pk": w.own_member.pk},
        {"pk": w.other_body.pk, "member_pk": w.other_member.pk},
    ),
    "meetings:session_create": _bodies,
    "meetings:session_detail": _sessions,
    "meetings:session_update": _sessions,
    "meetings:agenda_item_add": _sessions,
    "meetings:proposal_create": _sessions,
    "meetings:proposal_decide": lambda w: ({"pk": w.own_proposal.pk}, {"pk": w.other_proposal.pk}),
    "meetings:agenda_document": lambda w: ({"pk": w.own_agenda_item.pk}, {"pk": w.other_agenda_item.pk}),
    "meetings:session_invite": _sessions,
    "meetings:session_remind": _sessions,
    "meetings:session_cancel": _sessions,
    "meetings:attendance": _sessions,
    "meetings:attendance_pdf": _sessions,
    "meetings:minutes": _sessions,
    "meetings:action_close": lambda w: ({"pk": w.own_meeting_action.pk}, {"pk": w.other_meeting_action.pk}),
}
# Public rule, but internal bodies are scoped: 404 for what one may not see.
_SCOPE = {
    "anonymous": (HIDDEN, HIDDEN),
    "admin": (ALLOWED, ALLOWED),
    "agent": (ALLOWED, ALLOWED),
    "correspondent": (ALLOWED, HIDDEN),
}
SCOPED = {
    "meetings:body_detail": _SCOPE,
    "meetings:session_detail": _SCOPE,
    "meetings:agenda_document": _SCOPE,
}
POST_ONLY = {
    "meetings:body_member_remove",
    "meetings:session_invite",
    "meetings:session_remind",
    "meetings:session_cancel",
    "meetings:action_close",
    "meetings:proposal_decide",
}
