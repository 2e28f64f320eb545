"""The public iCalendar feed of public meetings, parsed back with icalendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from maillage.meetings import ics, services
from maillage.meetings.models import MeetingSession, SessionStatus
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _session(body, *, days, title="", status=SessionStatus.PLANNED, address="Hôtel de ville", video=""):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
    session = services.session_create(
        body=body,
        data={
            "title": title,
            "starts_at": start,
            "ends_at": start + dt.timedelta(hours=2),
            "address": address,
            "video_url": video,
        },
    )
    if status != SessionStatus.PLANNED:
        MeetingSession.objects.filter(pk=session.pk).update(status=status)
    return session


@pytest.fixture
def sessions(db):
    public = services.body_create(data={"name": "Conférence fictive des maires", "is_public": True})
    internal = services.body_create(data={"name": "Réunion fictive des DGS"})
    upcoming = _session(public, days=15, title="Conférence d'automne")
    services.agenda_item_add(session=upcoming, data={"title": "Budget", "order": 1})
    held = _session(
        public, days=-20, status=SessionStatus.HELD, address="", video="https://visio.example.org/c"
    )
    cancelled = _session(public, days=30, status=SessionStatus.CANCELLED)
    old = _session(public, days=-500, status=SessionStatus.HELD)
    secret = _session(internal, days=10)
    return {"upcoming": upcoming, "held": held, "cancelled": cancelled, "old": old, "secret": secret}


def _events(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).startswith("-//Maillage//")
    return calendar, {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_lists_public_planned_and_held_sessions_only(client, sessions):
    calendar, events = _events(client.get(reverse("meetings:public_feed")))
    assert set(events) == {sessions["upcoming"].uid, sessions["held"].uid}


def test_an_event_carries_what_a_calendar_needs(client, sessions):
    upcoming = sessions["upcoming"]
    calendar, events = _events(client.get(reverse("meetings:public_feed")))
    event = events[upcoming.uid]
    # The same UID as the e-mailed invitation: one event in a calendar that has both.
    invitation = Calendar.from_ical(ics.session_calendar(upcoming, method=ics.REQUEST))
    assert str(next(iter(invitation.walk("VEVENT")))["UID"]) == str(event["UID"])
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start.tzinfo is not None and str(start.tzinfo) == "Europe/Paris"
    assert start == upcoming.starts_at and end == upcoming.ends_at
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} == {"Europe/Paris"}
    assert str(event["SUMMARY"]) == "Conférence fictive des maires – Conférence d'automne"
    assert str(event["LOCATION"]) == "Hôtel de ville"
    assert str(event["STATUS"]) == "CONFIRMED"
    url = str(event["URL"])
    assert url.endswith(reverse("meetings:session_detail", args=[upcoming.pk]))
    assert "1. Budget" in str(event["DESCRIPTION"])
    # The session page linked from the feed is open to anyone (public body).
    assert Client().get(reverse("meetings:session_detail", args=[upcoming.pk])).status_code == 200
    held = events[sessions["held"].uid]
    assert str(held["LOCATION"]) == "https://visio.example.org/c"


def test_the_feed_is_the_same_for_everyone(client, personas, sessions):
    anonymous = set(_events(client.get(reverse("meetings:public_feed")))[1])
    for user in (personas.arthur, personas.camille):
        assert set(_events(login(user).get(reverse("meetings:public_feed")))[1]) == anonymous


def test_an_empty_feed_is_a_valid_calendar(client, db):
    calendar, events = _events(client.get(reverse("meetings:public_feed")))
    assert events == {}
