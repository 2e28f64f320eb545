"""What the meetings app holds about a person, for the rights of access and erasure
(registered in MeetingsConfig.ready(), see people/personal_data.py)."""

from __future__ import annotations

from typing import Any

from maillage.meetings.models import AgendaItem, Invitation, MeetingAction, _new_token
from maillage.people.models import Person


def export(person: Person) -> dict[str, Any]:
    invitations = Invitation.objects.filter(person=person).select_related("session__body", "organization")
    actions = MeetingAction.objects.filter(owner_person=person).select_related("body")
    presented = AgendaItem.objects.filter(presenter=person).select_related("session__body")
    return {
        "invitations": [
            {
                "body": invitation.session.body.name,
                "session": str(invitation.session),
                "starts_at": invitation.session.starts_at,
                "on_behalf_of": str(invitation.organization or ""),
                "role": invitation.role,
                "answer": invitation.response,
                "represented_by": invitation.proxy_name,
                "answered_at": invitation.responded_at,
                "attendance": invitation.attendance,
            }
            for invitation in invitations.order_by("session__starts_at", "pk")
        ],
        "actions": [
            {"body": a.body.name, "description": a.description, "due_date": a.due_date, "status": a.status}
            for a in actions.order_by("pk")
        ],
        "agenda_items_presented": [
            {"session": str(item.session), "title": item.title} for item in presented.order_by("pk")
        ],
    }


def erase(person: Person) -> None:
    """Invitations stay, attached to the anonymised record: attendance rates per organisation rest on
    them. What could still identify the person goes: the names typed as proxies, and the answer links
    already e-mailed (a new token makes them invalid)."""
    name = f"{person.first_name} {person.last_name}".strip()
    for invitation in Invitation.objects.filter(person=person).only("pk"):
        Invitation.objects.filter(pk=invitation.pk).update(
            token=_new_token(), proxy_name="", attendance_proxy=""
        )
    if name:
        placeholder = "[anonymisé]"
        Invitation.objects.filter(proxy_name__iexact=name).update(proxy_name=placeholder)
        Invitation.objects.filter(attendance_proxy__iexact=name).update(attendance_proxy=placeholder)
