"""Bodies, sessions, invitations (.ics), RSVP by signed link, attendance, actions, participation."""

from __future__ import annotations

import base64
import datetime as dt
import time

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from maillage.meetings import participation, selectors, services
from maillage.meetings.models import Invitation, MeetingSession, SessionStatus
from maillage.meetings.tokens import RSVP_MAX_AGE, rsvp_token
from maillage.organizations.models import Organization
from maillage.outbox.models import OutboxMessage
from maillage.people.models import PositionRole
from tests.conftest import login
from tests.factories import PersonFactory, PositionFactory

pytestmark = pytest.mark.django_db

DGS_RULE = {"rule_role": PositionRole.DGS, "rule_kinds": ["commune", "ept", "metropole"]}


def future(days: int = 10) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0)


def make_session(body, *, days: int = 10, **extra) -> MeetingSession:
    start = future(days)
    data = {"starts_at": start, "ends_at": start + dt.timedelta(hours=2), "address": "Hôtel de la métropole"}
    return services.session_create(body=body, data={**data, **extra})


def dgs(organization, **kwargs):
    return PositionFactory(organization=organization, role=PositionRole.DGS, **kwargs)


def ics_of(message: OutboxMessage) -> Calendar:
    [attachment] = message.attachments
    assert attachment["content_type"].startswith("text/calendar")
    return Calendar.from_ical(base64.b64decode(attachment["content"]))


def event_of(calendar: Calendar):
    [event] = [c for c in calendar.walk() if c.name == "VEVENT"]
    return event


@pytest.fixture
def council(personas):
    """A DGS body (rule) with the DGS of Montreuil and of Vincennes, a substitute for Montreuil."""
    body = services.body_create(
        data={"name": "Conférence des DGS", "quorum_kind": "percent", "quorum_value": 50, **DGS_RULE}
    )
    montreuil_dgs = dgs(personas.montreuil).person
    vincennes_dgs = dgs(personas.vincennes).person
    substitute = PersonFactory()
    services.substitute_add(body=body, organization=personas.montreuil, person=substitute)
    return body, montreuil_dgs, vincennes_dgs, substitute


# --- Membership ------------------------------------------------------------------------------------


def test_rule_membership_follows_a_dgs_change(personas, council):
    body, montreuil_dgs, vincennes_dgs, substitute = council
    seats = {seat.person.pk: seat for seat in selectors.body_seats(body)}
    assert set(seats) == {montreuil_dgs.pk, vincennes_dgs.pk}
    assert seats[montreuil_dgs.pk].substitutes == [substitute]
    # An association's DGS is not in the rule's kinds; an EPT's DGS is.
    dgs(Organization.objects.create(kind="association", name="Asso", search_text="asso"))
    ept = Organization.objects.filter(kind="ept").first()
    ept_dgs = dgs(ept).person

    # Montreuil's DGS leaves yesterday, a new one starts today: the body follows.
    today = timezone.localdate()
    montreuil_dgs.positions.update(end_date=today - dt.timedelta(days=1))
    successor = dgs(personas.montreuil, start_date=today).person
    seats = {seat.person.pk: seat for seat in selectors.body_seats(body)}
    assert set(seats) == {successor.pk, vincennes_dgs.pk, ept_dgs.pk}
    # The substitute belongs to the seat, not to the person: the successor keeps it.
    assert seats[successor.pk].substitutes == [substitute]


def test_hand_members_and_visibility_for_correspondents(personas, council):
    body, *_ = council
    hand = services.body_create(data={"name": "Comité numérique"})
    services.body_member_add(body=hand, person=PersonFactory(), organization=personas.vincennes)
    # Camille's Montreuil sits in the DGS council through its DGS (rule), not in the Vincennes committee.
    assert set(selectors.body_visible_to(personas.camille)) == {body}
    assert set(selectors.body_visible_to(personas.bruno)) == {body, hand}
    response = login(personas.camille).get(reverse("meetings:body_detail", args=[hand.pk]))
    assert response.status_code == 404
    anonymous = login(None).get(reverse("meetings:body_list"))
    assert body.name not in anonymous.content.decode()


def test_public_body_shows_sessions_but_not_internals(personas, council):
    body, *_ = council
    public = services.body_create(data={"name": "Assemblée ouverte", "is_public": True})
    session = make_session(public)
    services.minutes_save(session=session, minutes="Secret des débats")
    response = login(None).get(reverse("meetings:session_detail", args=[session.pk]))
    assert response.status_code == 200
    assert "Secret des débats" not in response.content.decode()
    hidden = make_session(body)
    assert login(None).get(reverse("meetings:session_detail", args=[hidden.pk])).status_code == 404


# --- Invitations -----------------------------------------------------------------------------------


def test_invitations_enqueue_ics_with_stable_uid_and_growing_sequence(personas, council):
    body, montreuil_dgs, vincennes_dgs, substitute = council
    session = make_session(body, title="Séance de rentrée")
    services.agenda_item_add(session=session, data={"title": "Budget"})
    result = services.invitations_send(session=session, base_url="https://maillage.test")
    assert result.sent == 3 and result.sequence == 0
    assert Invitation.objects.filter(session=session).count() == 3
    message = OutboxMessage.objects.get(to=montreuil_dgs.email)
    assert message.dedupe_key == f"meetings:invitation:{session.pk}:{montreuil_dgs.pk}:0"
    calendar = ics_of(message)
    assert str(calendar["method"]) == "REQUEST"
    event = event_of(calendar)
    uid = str(event["uid"])
    assert uid == session.uid and int(event["sequence"]) == 0
    assert event.decoded("dtstart") == session.starts_at
    assert "https://maillage.test/instances/reponse/" in message.body_text
    # The substitute is informed (same ics), without an RSVP link.
    informed = OutboxMessage.objects.get(to=substitute.email)
    assert "reponse" not in informed.body_text
    assert Invitation.objects.get(person=substitute).role == "substitute"

    # Sending again after a change is an update: same UID, SEQUENCE 1.
    session.refresh_from_db()
    services.session_update(session=session, data={"address": "Salle 2"}, expected_version=session.version)
    services.invitations_send(session=session)
    updates = OutboxMessage.objects.filter(to=montreuil_dgs.email).order_by("pk")
    assert updates.count() == 2
    event = event_of(ics_of(updates.last()))
    assert str(event["uid"]) == uid and int(event["sequence"]) == 1
    assert str(event["location"]) == "Salle 2"
    assert Invitation.objects.filter(session=session).count() == 3  # still one per person

    # Cancellation: METHOD:CANCEL, STATUS:CANCELLED, same UID, higher SEQUENCE.
    assert services.session_cancel(session=session) == 3
    cancel = OutboxMessage.objects.filter(to=montreuil_dgs.email).order_by("pk").last()
    calendar = ics_of(cancel)
    event = event_of(calendar)
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == uid and int(event["sequence"]) == 2
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED


def test_dedupe_key_makes_a_retry_harmless(personas, council):
    body, montreuil_dgs, *_ = council
    session = make_session(body)
    services.invitations_send(session=session)
    # Replaying the same sequence (a retried job) adds nothing.
    services._enqueue_invitation(
        MeetingSession.objects.get(pk=session.pk), Invitation.objects.get(person=montreuil_dgs), base=""
    )
    assert OutboxMessage.objects.filter(to=montreuil_dgs.email).count() == 1


def test_invitations_follow_the_directory_at_sending_time(personas, council):
    body, montreuil_dgs, *_ = council
    session = make_session(body)
    today = timezone.localdate()
    montreuil_dgs.positions.update(end_date=today - dt.timedelta(days=1))
    successor = dgs(personas.montreuil, start_date=today).person
    services.invitations_send(session=session)
    invited = set(session.invitations.values_list("person_id", flat=True))
    assert successor.pk in invited and montreuil_dgs.pk not in invited
    assert session.invitations.get(person=successor).organization == personas.montreuil


def test_bad_inputs_are_refused_with_clear_messages(personas, council):
    body, *_ = council
    past = MeetingSession.objects.create(
        body=body, starts_at=timezone.now() - dt.timedelta(days=1), ends_at=timezone.now(), address="Mairie"
    )
    with pytest.raises(ValidationError, match="in the past|passée"):
        services.invitations_send(session=past)
    assert not OutboxMessage.objects.exists()

    with pytest.raises(ValidationError) as error:
        make_session(body, address="", video_url="")
    assert "address" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        start = future()
        services.session_create(body=body, data={"starts_at": start, "ends_at": start, "address": "Mairie"})
    assert "ends_at" in error.value.message_dict

    other_body = services.body_create(data={"name": "Autre instance"})
    foreign_item = services.agenda_item_add(session=make_session(other_body), data={"title": "Ailleurs"})
    session = make_session(body)
    with pytest.raises(ValidationError, match="Ailleurs"):
        services.agenda_item_copy(session=session, item=foreign_item)
    with pytest.raises(ValidationError):
        services.agenda_reorder(session=session, item_ids=[foreign_item.pk])
    # Through the page: the message is shown and nothing is added.
    client = login(personas.arthur)
    response = client.post(
        reverse("meetings:agenda_item_add", args=[session.pk]), {"copy_of": foreign_item.pk}, follow=True
    )
    assert "Ailleurs" in response.content.decode()
    assert not session.agenda_items.exists()
    # Invite a past session through the page: refused with a message, no e-mail.
    response = client.post(reverse("meetings:session_invite", args=[past.pk]), follow=True)
    assert response.status_code == 200 and not OutboxMessage.objects.exists()

    with pytest.raises(ValidationError):
        services.body_create(data={"name": "Sans règle complète", "rule_role": PositionRole.DGS})


def test_session_form_creates_and_agenda_takes_a_common_topic(personas, council):
    from maillage.cooperation import services as cooperation

    body, *_ = council
    client = login(personas.arthur)
    start = future(5)
    response = client.post(
        reverse("meetings:session_create", args=[body.pk]),
        {
            "title": "Séance 1",
            "cycle": "2026",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "video_url": "https://visio.example.org/abc",
        },
    )
    session = MeetingSession.objects.get(title="Séance 1")
    assert response.status_code == 302
    topic = cooperation.topic_create(
        data={"title": "Mutualiser la paie", "description": "…", "proposer": personas.montreuil},
        proposed_by=personas.camille,
    )
    response = client.post(
        reverse("meetings:agenda_item_add", args=[session.pk]), {"title": "Paie", "topic": topic.pk}
    )
    assert response.status_code == 302
    assert session.agenda_items.get().topic == topic


# --- RSVP ------------------------------------------------------------------------------------------


def _invited(council):
    body, montreuil_dgs, vincennes_dgs, _substitute = council
    session = make_session(body)
    services.invitations_send(session=session)
    return session, Invitation.objects.get(session=session, person=montreuil_dgs), vincennes_dgs


def test_rsvp_with_a_valid_signed_link(personas, council):
    session, invitation, vincennes_dgs = _invited(council)
    client = login(None)
    url = reverse("meetings:rsvp", args=[rsvp_token(invitation)])
    assert client.get(url).status_code == 200
    response = client.post(url, {"response": "represented", "proxy_person": vincennes_dgs.pk})
    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.response == "represented" and invitation.proxy_person == vincennes_dgs
    # Represented needs a name or a member.
    response = client.post(url, {"response": "represented"})
    assert response.status_code == 200 and "represent" in response.content.decode().lower()
    client.post(url, {"response": "absent"})
    invitation.refresh_from_db()
    assert invitation.response == "absent" and invitation.proxy_person is None


def test_rsvp_with_a_tampered_link_changes_nothing(personas, council):
    _session, invitation, _other = _invited(council)
    token = rsvp_token(invitation)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = login(None).post(reverse("meetings:rsvp", args=[tampered]), {"response": "present"})
    assert response.status_code == 400
    assert "not valid" in response.content.decode() or "valide" in response.content.decode()
    # A well-signed link to a regenerated invitation token is refused too.
    Invitation.objects.filter(pk=invitation.pk).update(token="revoked")
    response = login(None).post(reverse("meetings:rsvp", args=[token]), {"response": "present"})
    assert response.status_code == 400
    invitation.refresh_from_db()
    assert invitation.response == ""


def test_rsvp_with_an_expired_link(personas, council, monkeypatch):
    _session, invitation, _other = _invited(council)
    real = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: real - RSVP_MAX_AGE - 60)
    token = rsvp_token(invitation)
    monkeypatch.undo()
    response = login(None).post(reverse("meetings:rsvp", args=[token]), {"response": "present"})
    assert response.status_code == 400
    assert "expired" in response.content.decode() or "expiré" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.response == ""


def test_reminders_go_to_those_who_have_not_answered(personas, council):
    session, invitation, vincennes_dgs = _invited(council)
    services.rsvp_record(invitation=invitation, response="present")
    assert services.reminders_send(session=session) == 1  # Vincennes only; substitutes are not reminded
    reminder = OutboxMessage.objects.get(
        subject__icontains=str(session.body.name), dedupe_key__contains="reminder"
    )
    assert reminder.to == vincennes_dgs.email
    assert services.reminders_send(session=session) == 1  # same day: dedupe key, still one message
    assert OutboxMessage.objects.filter(dedupe_key__contains="reminder").count() == 1
    assert services.upcoming_reminders_send(within_days=30) == 1


# --- Attendance, quorum, actions -------------------------------------------------------------------


def test_attendance_sheet_opens_on_the_day(personas, council):
    session, invitation, _vincennes_dgs = _invited(council)
    with pytest.raises(ValidationError):
        services.attendance_record(session=session, marks={invitation.pk: ("present", "")})
    session.refresh_from_db()
    assert session.status == "planned"


def test_attendance_sheet_and_quorum(personas, council):
    session, invitation, vincennes_dgs = _invited(council)
    _the_day_has_come(session)
    client = login(personas.arthur)
    url = reverse("meetings:attendance", args=[session.pk])
    page = client.get(url)
    assert page.status_code == 200
    quorum = selectors.quorum_of(session)
    assert quorum.members == 2 and quorum.required == 1 and quorum.reached is False
    other = Invitation.objects.get(session=session, person=vincennes_dgs)
    response = client.post(
        url,
        {
            f"status_{invitation.pk}": "represented",
            f"proxy_{invitation.pk}": "M. Adjoint",
            f"status_{other.pk}": "absent",
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD
    quorum = selectors.quorum_of(session)
    assert (quorum.present, quorum.represented, quorum.reached) == (0, 1, True)
    # A bad value is refused, nothing changes.
    response = client.post(url, {f"status_{invitation.pk}": "dancing"})
    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.attendance == "represented" and invitation.attendance_proxy == "M. Adjoint"
    pdf = client.get(reverse("meetings:attendance_pdf", args=[session.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert login(personas.camille).get(url).status_code == 403


def test_open_actions_are_carried_over_until_closed(personas, council):
    body, montreuil_dgs, *_ = council
    first = make_session(body, days=5)
    action = services.action_add(
        session=first, data={"description": "Chiffrer la mutualisation", "owner_person": montreuil_dgs}
    )
    services.decision_add(session=first, text="Lancer l'étude")
    second = make_session(body, days=40)
    client = login(personas.arthur)
    page = client.get(reverse("meetings:session_detail", args=[second.pk])).content.decode()
    assert "Chiffrer la mutualisation" in page
    # The correspondent of a member organisation sees them too.
    assert (
        "Chiffrer la mutualisation"
        in login(personas.camille).get(reverse("meetings:session_detail", args=[second.pk])).content.decode()
    )
    client.post(reverse("meetings:action_close", args=[action.pk]), follow=True)  # (shows a message)
    page = client.get(reverse("meetings:session_detail", args=[second.pk])).content.decode()
    assert "Chiffrer la mutualisation" not in page
    with pytest.raises(ValidationError):
        services.action_add(session=second, data={"description": "Sans responsable"})


# --- Participation ---------------------------------------------------------------------------------


def _the_day_has_come(session: MeetingSession) -> None:
    """Invitations go out before the session; attendance is recorded on its day."""
    now = timezone.now()
    MeetingSession.objects.filter(pk=session.pk).update(starts_at=now, ends_at=now + dt.timedelta(hours=2))
    session.refresh_from_db()


def _held_session(body, marks: dict, *, cycle: str = "2026"):
    session = make_session(body, cycle=cycle)
    services.invitations_send(session=session)
    _the_day_has_come(session)
    rows = {i.person_id: i.pk for i in session.invitations.filter(role="member")}
    services.attendance_record(
        session=session, marks={rows[p.pk]: (status, "") for p, status in marks.items()}
    )
    return session


def test_participation_rates_per_commune_and_territory(personas, council):
    body, montreuil_dgs, vincennes_dgs, _substitute = council
    _held_session(body, {montreuil_dgs: "present", vincennes_dgs: "absent"})
    _held_session(body, {montreuil_dgs: "represented", vincennes_dgs: "absent"})
    _held_session(body, {montreuil_dgs: "absent", vincennes_dgs: "present"}, cycle="2027")
    rates = {rate.key: rate for rate in participation.rates_by_commune(cycle="2026")}
    assert (rates["93048"].attended, rates["93048"].invited, rates["93048"].percent) == (2, 2, 100)
    assert (rates["94080"].attended, rates["94080"].percent) == (0, 0)
    rare = participation.rarely_present(list(rates.values()), threshold=50)
    assert [rate.key for rate in rare] == ["94080"]
    all_rates = {rate.key: rate for rate in participation.rates_by_commune()}
    assert all_rates["94080"].percent == 33
    territories = {rate.key: rate for rate in participation.rates_by_territory(cycle="2026")}
    montreuil_territory = personas.montreuil.commune.territory_id
    assert territories[montreuil_territory].percent == 100

    client = login(personas.arthur)
    page = client.get(reverse("meetings:participation"), {"cycle": "2026", "threshold": 50})
    assert page.status_code == 200 and "Vincennes" in page.content.decode()
    data = client.get(reverse("meetings:participation_map_data"), {"cycle": "2026"}).json()
    colors = {f["properties"]["code"]: f["properties"]["color"] for f in data["features"]}
    if colors:  # outlines shipped with the referential
        assert colors["93048"] == participation.BANDS[0][1]
        assert colors["94080"] == participation.BANDS[-1][1]
    csv = b"".join(client.get(reverse("meetings:participation"), {"format": "csv"}).streaming_content)
    assert "Montreuil" in csv.decode()
    assert login(personas.camille).get(reverse("meetings:participation")).status_code == 403


# --- Query counts ----------------------------------------------------------------------------------


def _count(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _grow(body, session, rows: int, start: int) -> None:
    for index in range(start, start + rows):
        person = PersonFactory()
        organization = Organization.objects.create(kind="association", name=f"Org {index}", search_text="org")
        services.body_member_add(body=body, person=person, organization=organization)
        services.substitute_add(body=body, organization=organization, person=PersonFactory())
        services.agenda_item_add(session=session, data={"title": f"Point {index}", "presenter": person})
        Invitation.objects.create(session=session, person=person, organization=organization, role="member")
        services.action_add(session=session, data={"description": f"Action {index}", "owner_person": person})
        services.body_create(data={"name": f"Instance {index}"})
        make_session(body, days=20 + index)


@pytest.mark.parametrize("who", ["agent", "correspondent"])
def test_constant_query_counts(personas, council, who):
    body, *_ = council
    session = make_session(body)
    client = login(personas.arthur if who == "agent" else personas.camille)
    urls = [
        reverse("meetings:body_list"),
        reverse("meetings:body_detail", args=[body.pk]),
        reverse("meetings:session_detail", args=[session.pk]),
    ]
    if who == "agent":
        urls += [
            reverse("meetings:attendance", args=[session.pk]),
            reverse("meetings:body_members", args=[body.pk]),
            reverse("meetings:minutes", args=[session.pk]),
            reverse("meetings:participation"),
        ]
    _grow(body, session, 5, 0)
    small = {url: _count(client, url) for url in urls}
    _grow(body, session, 195, 5)
    large = {url: _count(client, url) for url in urls}
    assert small == large
