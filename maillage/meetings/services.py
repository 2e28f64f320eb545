"""Writes about bodies and sessions: membership, agenda, invitations (.ics), answers, attendance,
minutes and actions. E-mails go through the persistent outbox (``message_enqueue``), inside the
transaction of the change they announce, with a dedupe key so that a retry never duplicates them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from maillage.core.concurrency import save_versioned
from maillage.core.links import site_url
from maillage.core.uploads import upload_check
from maillage.meetings import ics, selectors
from maillage.meetings.models import (
    ActionStatus,
    AgendaItem,
    AgendaProposal,
    Body,
    BodyMember,
    Decision,
    Invitation,
    InvitationRole,
    MeetingAction,
    MeetingSession,
    ProposalStatus,
    Response,
    SessionStatus,
    Substitute,
)
from maillage.meetings.tokens import rsvp_token
from maillage.outbox.services import message_enqueue

CATEGORY = "meetings"
BODY_FIELDS = ("name", "purpose", "is_public", "quorum_kind", "quorum_value", "rule_role", "rule_kinds")
SESSION_FIELDS = ("title", "cycle", "starts_at", "ends_at", "address", "video_url")
ITEM_FIELDS = ("title", "description", "presenter", "topic", "document", "order")
ACTION_FIELDS = ("description", "owner_person", "owner_user", "due_date")


# --- Bodies ----------------------------------------------------------------------------------------


def _check_body(body: Body) -> None:
    if bool(body.rule_role) != bool(body.rule_kinds):
        raise ValidationError(
            {"rule_kinds": _("A membership rule needs both a role and at least one kind of organisation.")}
        )
    if body.quorum_kind and body.quorum_value is None:
        raise ValidationError({"quorum_value": _("Give the quorum: a number of members or a percentage.")})
    if body.quorum_kind == "percent" and (body.quorum_value or 0) > 100:
        raise ValidationError({"quorum_value": _("A percentage cannot exceed 100.")})


@transaction.atomic
def body_create(*, data: dict[str, Any]) -> Body:
    body = Body(**{k: v for k, v in data.items() if k in BODY_FIELDS})
    body.full_clean()
    _check_body(body)
    body.save()
    return body


@transaction.atomic
def body_update(*, body: Body, data: dict[str, Any], expected_version: int) -> Body:
    for key, value in data.items():
        if key in BODY_FIELDS:
            setattr(body, key, value)
    body.full_clean()
    _check_body(body)
    return save_versioned(body, expected_version=expected_version)


@transaction.atomic
def body_member_add(*, body: Body, person: Any, organization: Any) -> BodyMember:
    if BodyMember.objects.filter(body=body, person=person).exists():
        raise ValidationError({"person": _("This person is already a member of this body.")})
    return BodyMember.objects.create(body=body, person=person, organization=organization)


@transaction.atomic
def substitute_add(*, body: Body, organization: Any, person: Any) -> Substitute:
    if Substitute.objects.filter(body=body, organization=organization, person=person).exists():
        raise ValidationError({"person": _("This person is already a substitute for this seat.")})
    return Substitute.objects.create(body=body, organization=organization, person=person)


# --- Sessions and agenda ---------------------------------------------------------------------------


def _check_session(session: MeetingSession) -> None:
    errors: dict[str, str] = {}
    if session.starts_at and session.ends_at and session.ends_at <= session.starts_at:
        errors["ends_at"] = _("The session must end after it starts.")
    if not session.address and not session.video_url:
        errors["address"] = _("Give a place, a video link, or both.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def session_create(*, body: Body, data: dict[str, Any]) -> MeetingSession:
    session = MeetingSession(body=body, **{k: v for k, v in data.items() if k in SESSION_FIELDS})
    _check_session(session)
    session.full_clean(validate_constraints=False)
    session.save()
    return session


@transaction.atomic
def session_update(*, session: MeetingSession, data: dict[str, Any], expected_version: int) -> MeetingSession:
    for key, value in data.items():
        if key in SESSION_FIELDS:
            setattr(session, key, value)
    _check_session(session)
    session.full_clean(validate_constraints=False)
    return save_versioned(session, expected_version=expected_version)


def document_max_bytes() -> int:
    """Uploaded documents share one size limit (AGREEMENT_DOCUMENT_MAX_MB)."""
    return settings.AGREEMENT_DOCUMENT_MAX_MB * 1024 * 1024


@transaction.atomic
def agenda_item_add(*, session: MeetingSession, data: dict[str, Any]) -> AgendaItem:
    values = {k: v for k, v in data.items() if k in ITEM_FIELDS}
    if not values.get("order"):
        last = session.agenda_items.aggregate(last=Max("order"))["last"] or 0
        values["order"] = last + 1
    if document := values.get("document"):
        # The same checks as convention documents: type, size, content matching the extension.
        upload_check(document, filename=document.name, max_bytes=document_max_bytes(), field="document")
    item = AgendaItem(session=session, **values)
    item.full_clean(exclude=["session"])
    item.save()
    return item


@transaction.atomic
def agenda_proposal_create(
    *, session: MeetingSession, organization: Any, author: Any, data: dict[str, Any]
) -> AgendaProposal:
    """A member organisation proposes an agenda item for a session still to come."""
    if session.status != SessionStatus.PLANNED or session.starts_at <= timezone.now():
        raise ValidationError(_("Items can only be proposed for a planned session still to come."))
    if organization is None or session.body_id not in selectors.member_body_ids({organization.pk}):
        raise ValidationError(_("Only the organisations that sit in this body can propose agenda items."))
    proposal = AgendaProposal(
        session=session,
        organization=organization,
        author=author,
        title=(data.get("title") or "").strip(),
        description=(data.get("description") or "").strip(),
    )
    proposal.full_clean()
    proposal.save()
    return proposal


@transaction.atomic
def agenda_proposal_decide(
    *, proposal: AgendaProposal, status: str, user: Any, note: str = ""
) -> AgendaProposal:
    """Accept (the item joins the end of the agenda) or decline a proposal, once."""
    proposal = AgendaProposal.objects.select_for_update().select_related("session").get(pk=proposal.pk)
    if not proposal.can_move_to(status):
        raise ValidationError(
            _("This proposal was already handled (%(status)s).") % {"status": proposal.get_status_display()}
        )
    if status == ProposalStatus.ACCEPTED:
        proposal.agenda_item = agenda_item_add(
            session=proposal.session, data={"title": proposal.title, "description": proposal.description}
        )
    proposal.status = status
    proposal.decided_by = user
    proposal.decided_at = timezone.now()
    proposal.decision_note = note.strip()[:300]
    proposal.save()
    return proposal


@transaction.atomic
def agenda_item_copy(*, session: MeetingSession, item: AgendaItem) -> AgendaItem:
    """Put an item of an earlier session of the same body on this session's agenda again."""
    if item.session.body_id != session.body_id:
        raise ValidationError(
            _("The agenda item « %(title)s » belongs to another body: it cannot be put on this agenda.")
            % {"title": item.title}
        )
    return agenda_item_add(
        session=session,
        data={
            "title": item.title,
            "description": item.description,
            "presenter": item.presenter,
            "topic": item.topic,
        },
    )


@transaction.atomic
def agenda_reorder(*, session: MeetingSession, item_ids: Iterable[int]) -> None:
    ids = [int(i) for i in item_ids]
    items = {item.pk: item for item in AgendaItem.objects.filter(pk__in=ids).select_related("session")}
    foreign = [item for item in items.values() if item.session_id != session.pk]
    if foreign or len(items) != len(ids):
        raise ValidationError(
            _("An agenda item of another session or another body cannot be ordered on this agenda.")
        )
    for position, pk in enumerate(ids, start=1):
        AgendaItem.objects.filter(pk=pk).update(order=position)


# --- Invitations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    sent: int
    without_email: list[str]
    sequence: int


def _base(base_url: str) -> str:
    return (base_url or site_url()).rstrip("/")


def _when(session: MeetingSession) -> str:
    start = timezone.localtime(session.starts_at)
    end = timezone.localtime(session.ends_at)
    return _("%(date)s from %(start)s to %(end)s") % {
        "date": formats.date_format(start, "l j F Y"),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
    }


def _body_text(session: MeetingSession, invitation: Invitation, *, base: str, intro: str) -> str:
    lines = [
        _("Hello %(name)s,") % {"name": invitation.person},
        "",
        intro,
        "",
        f"{session.body.name} – {session.title or ''}".rstrip(" –"),
        _("When: %(when)s") % {"when": _when(session)},
    ]
    if session.address:
        lines.append(_("Where: %(place)s") % {"place": session.address})
    if session.video_url:
        lines.append(_("Video link: %(url)s") % {"url": session.video_url})
    items = list(session.agenda_items.all())
    if items:
        lines += ["", _("Agenda:")] + [f"{n}. {item.title}" for n, item in enumerate(items, start=1)]
    if invitation.role == InvitationRole.MEMBER:
        link = base + reverse("meetings:rsvp", kwargs={"token": rsvp_token(invitation)})
        lines += ["", _("Please tell us whether you will attend (no login needed):"), link]
    return "\n".join(lines)


def _ensure_future(session: MeetingSession) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError(_("This session was cancelled: no invitation can be sent for it."))
    if session.starts_at <= timezone.now():
        raise ValidationError(
            _("This session is in the past: invitations can only be sent for a session still to come.")
        )


@transaction.atomic
def invitations_send(*, session: MeetingSession, base_url: str = "") -> SendResult:
    """Invite the current members (and inform their substitutes) of a session still to come.

    The first sending uses SEQUENCE 0; every later sending is an update of the same event
    (same UID, SEQUENCE + 1). Members are read from the directory at this moment: a new DGS
    receives the invitation, and the Invitation rows record who was invited for which seat.
    """
    session = MeetingSession.objects.select_for_update().select_related("body").get(pk=session.pk)
    _ensure_future(session)
    if session.invitations_sent_at is not None:
        session.sequence += 1
    session.invitations_sent_at = timezone.now()
    session.save(update_fields=["sequence", "invitations_sent_at", "updated_at"])
    base = _base(base_url)
    existing = {i.person_id: i for i in session.invitations.all()}
    recipients: list[tuple[Any, Any, str]] = []
    for seat in selectors.body_seats(session.body):
        recipients.append((seat.person, seat.organization, InvitationRole.MEMBER))
        recipients += [(p, seat.organization, InvitationRole.SUBSTITUTE) for p in seat.substitutes]
    sent, without_email, done = 0, [], set()
    for person, organization, role in recipients:
        if person.pk in done:
            continue
        done.add(person.pk)
        invitation = existing.get(person.pk)
        if invitation is None:
            invitation = Invitation.objects.create(
                session=session, person=person, organization=organization, role=role
            )
        elif invitation.role != role or invitation.organization_id != getattr(organization, "pk", None):
            invitation.role, invitation.organization = role, organization
            invitation.save(update_fields=["role", "organization", "updated_at"])
        if not person.email:
            without_email.append(str(person))
            continue
        _enqueue_invitation(session, invitation, base=base)
        invitation.sent_sequence = session.sequence
        invitation.save(update_fields=["sent_sequence", "updated_at"])
        sent += 1
    return SendResult(sent, without_email, session.sequence)


def _enqueue_invitation(session: MeetingSession, invitation: Invitation, *, base: str) -> None:
    person = invitation.person
    update = session.sequence > 0
    if invitation.role == InvitationRole.MEMBER:
        subject = (_("Updated invitation: %(session)s") if update else _("Invitation: %(session)s")) % {
            "session": session
        }
        intro = (
            _("The session below was changed; here is the updated invitation.")
            if update
            else _("You are invited to the session below.")
        )
    else:
        subject = _("For information (substitute): %(session)s") % {"session": session}
        intro = _(
            "For your information as a substitute: the session below takes place. "
            "The member you stand in for may ask you to represent them."
        )
    url = base + reverse("meetings:session_detail", kwargs={"pk": session.pk})
    attachment = ics.session_calendar(
        session, method=ics.REQUEST, attendee_email=person.email, attendee_name=str(person), url=url
    )
    message_enqueue(
        to=person.email,
        subject=subject,
        body_text=_body_text(session, invitation, base=base, intro=intro),
        category=CATEGORY,
        attachments=[("invitation.ics", attachment, "text/calendar; method=REQUEST; charset=UTF-8")],
        dedupe_key=f"meetings:invitation:{session.pk}:{person.pk}:{session.sequence}",
    )


@transaction.atomic
def session_cancel(*, session: MeetingSession, base_url: str = "") -> int:
    """Cancel a session; everyone already invited receives METHOD:CANCEL (same UID, higher SEQUENCE)."""
    session = MeetingSession.objects.select_for_update().select_related("body").get(pk=session.pk)
    if session.status == SessionStatus.CANCELLED:
        return 0
    if session.status == SessionStatus.HELD:
        raise ValidationError(_("This session was already held: it cannot be cancelled."))
    session.status = SessionStatus.CANCELLED
    fields = ["status", "updated_at"]
    invited = list(
        session.invitations.filter(sent_sequence__isnull=False)
        .select_related("person")
        .exclude(person__email="")
    )
    if invited:
        session.sequence += 1
        fields.append("sequence")
    session.save(update_fields=fields)
    base = _base(base_url)
    url = base + reverse("meetings:session_detail", kwargs={"pk": session.pk})
    for invitation in invited:
        person = invitation.person
        message_enqueue(
            to=person.email,
            subject=_("Cancelled: %(session)s") % {"session": session},
            body_text="\n".join(
                [
                    _("Hello %(name)s,") % {"name": person},
                    "",
                    _("The session below is cancelled.") + f" {session.body.name} – {_when(session)}",
                ]
            ),
            category=CATEGORY,
            attachments=[
                (
                    "cancel.ics",
                    ics.session_calendar(
                        session,
                        method=ics.CANCEL,
                        attendee_email=person.email,
                        attendee_name=str(person),
                        url=url,
                    ),
                    "text/calendar; method=CANCEL; charset=UTF-8",
                )
            ],
            dedupe_key=f"meetings:invitation:{session.pk}:{person.pk}:{session.sequence}",
        )
    return len(invited)


@transaction.atomic
def reminders_send(*, session: MeetingSession, base_url: str = "", today: dt.date | None = None) -> int:
    """Remind the members who have not answered yet (at most once a day each)."""
    _ensure_future(session)
    today = today or timezone.localdate()
    base = _base(base_url)
    pending = (
        session.invitations.filter(
            role=InvitationRole.MEMBER, response=Response.PENDING, sent_sequence__isnull=False
        )
        .exclude(person__email="")
        .select_related("person", "session__body")
    )
    count = 0
    for invitation in pending:
        message_enqueue(
            to=invitation.person.email,
            subject=_("Reminder: %(session)s") % {"session": session},
            body_text=_body_text(
                session, invitation, base=base, intro=_("We have not received your answer yet.")
            ),
            category=CATEGORY,
            dedupe_key=f"meetings:reminder:{session.pk}:{invitation.person_id}:{today.isoformat()}",
        )
        count += 1
    return count


def upcoming_reminders_send(*, within_days: int = 7) -> int:
    """For the daily task: remind non-respondents of the sessions of the next days."""
    now = timezone.now()
    sessions = MeetingSession.objects.filter(
        status=SessionStatus.PLANNED,
        invitations_sent_at__isnull=False,
        starts_at__gt=now,
        starts_at__lte=now + dt.timedelta(days=within_days),
    ).select_related("body")
    return sum(reminders_send(session=session) for session in sessions)


# --- Answers and attendance ------------------------------------------------------------------------


@transaction.atomic
def rsvp_record(
    *, invitation: Invitation, response: str, proxy_name: str = "", proxy_person: Any = None
) -> Invitation:
    if invitation.session.status != SessionStatus.PLANNED:
        raise ValidationError(_("This session is no longer open for answers."))
    if response not in (Response.PRESENT, Response.ABSENT, Response.REPRESENTED):
        raise ValidationError({"response": _("Choose present, absent or represented.")})
    if response == Response.REPRESENTED:
        if not proxy_name.strip() and proxy_person is None:
            raise ValidationError({"proxy_name": _("Say who will represent you: a name or another member.")})
        if proxy_person is not None and proxy_person.pk == invitation.person_id:
            raise ValidationError({"proxy_person": _("You cannot be represented by yourself.")})
    else:
        proxy_name, proxy_person = "", None
    invitation.response = response
    invitation.proxy_name = proxy_name.strip()
    invitation.proxy_person = proxy_person
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["response", "proxy_name", "proxy_person", "responded_at", "updated_at"])
    return invitation


@transaction.atomic
def attendance_record(*, session: MeetingSession, marks: dict[int, tuple[str, str]]) -> int:
    """Record the attendance sheet: invitation id → (present/absent/represented, represented by)."""
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError(_("This session was cancelled: there is no attendance to record."))
    if timezone.localdate(session.starts_at) > timezone.localdate():
        # Recording attendance marks the session held: not before its day.
        raise ValidationError(_("The attendance sheet opens on the day of the session."))
    invitations = {i.pk: i for i in session.invitations.all()}
    unknown = set(marks) - set(invitations)
    if unknown:
        raise ValidationError(_("The attendance sheet lists people not invited to this session."))
    for pk, (status, proxy) in marks.items():
        invitation = invitations[pk]
        invitation.attendance = status
        invitation.attendance_proxy = proxy.strip() if status == Response.REPRESENTED else ""
    Invitation.objects.bulk_update(
        [invitations[pk] for pk in marks], ["attendance", "attendance_proxy", "updated_at"]
    )
    if session.status == SessionStatus.PLANNED and any(s != Response.PENDING for s, _p in marks.values()):
        session.status = SessionStatus.HELD
        session.save(update_fields=["status", "updated_at"])
    return len(marks)


# --- After the session -----------------------------------------------------------------------------


@transaction.atomic
def minutes_save(*, session: MeetingSession, minutes: str) -> MeetingSession:
    session.minutes = minutes
    session.save(update_fields=["minutes", "updated_at"])
    return session


@transaction.atomic
def decision_add(*, session: MeetingSession, text: str) -> Decision:
    if not text.strip():
        raise ValidationError({"text": _("Write the decision.")})
    return Decision.objects.create(session=session, text=text.strip())


@transaction.atomic
def action_add(*, session: MeetingSession, data: dict[str, Any]) -> MeetingAction:
    action = MeetingAction(
        body_id=session.body_id, session=session, **{k: v for k, v in data.items() if k in ACTION_FIELDS}
    )
    if action.owner_person is None and action.owner_user is None:
        raise ValidationError({"owner_person": _("Choose who owns the action: a person or an account.")})
    action.full_clean(exclude=["body", "session"])
    action.save()
    return action


@transaction.atomic
def action_close(*, action: MeetingAction) -> MeetingAction:
    """Close an action (closing twice changes nothing)."""
    action = MeetingAction.objects.select_for_update().get(pk=action.pk)
    if action.status != ActionStatus.CLOSED:
        action.status = ActionStatus.CLOSED
        action.closed_at = timezone.now()
        action.save(update_fields=["status", "closed_at", "updated_at"])
    return action
