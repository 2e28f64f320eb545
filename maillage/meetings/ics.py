"""iCalendar (RFC 5545) invitations: METHOD:REQUEST for an invitation or an update, METHOD:CANCEL.

The UID of a session never changes; SEQUENCE grows with every update sent, so calendar clients
replace the event instead of adding a second one.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from maillage.meetings.models import MeetingSession

REQUEST, CANCEL = "REQUEST", "CANCEL"


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def session_calendar(
    session: MeetingSession, *, method: str, attendee_email: str = "", attendee_name: str = "", url: str = ""
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Maillage//Meetings//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = Event()
    event.add("uid", session.uid)
    event.add("sequence", session.sequence)
    event.add("dtstamp", _utc(timezone.now()).replace(microsecond=0))
    event.add("dtstart", _utc(session.starts_at))
    event.add("dtend", _utc(session.ends_at))
    event.add("summary", str(session.title or session.body.name))
    location = session.address or session.video_url
    if location:
        event.add("location", location)
    lines = [session.body.name]
    lines += [f"{item.order}. {item.title}" for item in session.agenda_items.all()]
    if session.video_url:
        lines.append(session.video_url)
    if url:
        lines.append(url)
        event.add("url", url)
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    organizer_name, organizer_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = vText(organizer_name or "Maillage")
    event.add("organizer", organizer)
    if attendee_email:
        attendee = vCalAddress(f"mailto:{attendee_email}")
        attendee.params["cn"] = vText(attendee_name or attendee_email)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical()
