"""Public iCalendar feed (RFC 5545) of the sessions of public bodies, to subscribe to in a calendar.

Only bodies marked public, only sessions planned or held (never cancelled ones), from a year back
on. Each event carries the session's stable UID — the one of the e-mailed invitations — so a
calendar that received an invitation and also subscribes to the feed shows one event.
Times are given in the site's time zone (TZID, with its VTIMEZONE).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from maillage.core.access import PUBLIC, access
from maillage.meetings.models import AgendaItem, MeetingSession, SessionStatus

PRODID = "-//Maillage//Public meetings//FR"
CALENDAR_NAME = "Maillage – séances publiques"
# How far back held sessions stay in the feed.
PAST_WINDOW = dt.timedelta(days=365)


def public_sessions(*, now: dt.datetime | None = None) -> QuerySet[MeetingSession]:
    """Sessions of public bodies, planned or held, from PAST_WINDOW ago on (two queries)."""
    now = now or timezone.now()
    return (
        MeetingSession.objects.filter(
            body__is_public=True,
            status__in=(SessionStatus.PLANNED, SessionStatus.HELD),
            starts_at__gte=now - PAST_WINDOW,
        )
        .select_related("body")
        .prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.only("session_id", "order", "title"))
        )
        .order_by("starts_at", "pk")
    )


def public_calendar(sessions: QuerySet[MeetingSession], *, base_url: str) -> bytes:
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    for session in sessions:
        url = base_url + reverse("meetings:session_detail", args=[session.pk])
        event = Event()
        event.add("uid", session.uid)
        event.add("sequence", session.sequence)
        event.add("dtstamp", stamp)
        event.add("last-modified", session.updated_at.astimezone(dt.UTC).replace(microsecond=0))
        event.add("dtstart", session.starts_at.astimezone(zone).replace(microsecond=0))
        event.add("dtend", session.ends_at.astimezone(zone).replace(microsecond=0))
        event.add("summary", f"{session.body.name} – {session.title}" if session.title else session.body.name)
        location = session.address or session.video_url
        if location:
            event.add("location", location)
        lines = [f"{item.order}. {item.title}" for item in session.agenda_items.all()]
        if session.video_url:
            lines.append(session.video_url)
        lines.append(url)
        event.add("description", "\n".join(lines))
        event.add("url", url)
        event.add("status", "CONFIRMED")
        event.add("class", "PUBLIC")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


@access(PUBLIC)
def public_feed_view(request: HttpRequest) -> HttpResponse:
    base_url = request.build_absolute_uri("/").rstrip("/")
    response = HttpResponse(
        public_calendar(public_sessions(), base_url=base_url), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="seances-publiques.ics"'
    response["Cache-Control"] = "public, max-age=900"
    return response
