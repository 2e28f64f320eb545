"""Personal iCalendar feed (RFC 5545) of deadlines, reached with a secret token instead of a login.

Calendar clients cannot log in, so the feed URL carries a random token (CalendarToken). The token
identifies the person and the feed shows what ``deadline_list`` gives them (their own conventions and
obligations, within their visibility). Regenerating the token revokes the previous URL.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from icalendar import Alarm, Calendar, Event

from maillage.agreements import deadlines
from maillage.agreements.models import CalendarToken

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
FEED_PAST_DAYS = 365
FEED_FUTURE_DAYS = 2 * 365
FEED_LIMIT = 2000


# --- Tokens --------------------------------------------------------------------------------------


def calendar_token_of(*, user: Any) -> CalendarToken | None:
    return CalendarToken.objects.filter(user=user).first()


@transaction.atomic
def calendar_token_regenerate(*, user: Any) -> CalendarToken:
    """A new secret for the user's feed; the previous URL stops working at once."""
    token, _created = CalendarToken.objects.update_or_create(
        user=user, defaults={"token": secrets.token_urlsafe(32), "created_at": timezone.now()}
    )
    return token


def calendar_user_for(token: str) -> Any | None:
    """The active account a token belongs to, or None (unknown, revoked, malformed, inactive)."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    found = CalendarToken.objects.select_related("user").filter(token=token).first()
    if found is None or not found.user.is_active or not secrets.compare_digest(found.token, token):
        return None
    return found.user


# --- Feed ----------------------------------------------------------------------------------------


def _summary(deadline: deadlines.Deadline) -> str:
    if deadline.kind == deadlines.EXPIRY:
        return _("Expiry: %(reference)s – %(title)s") % {
            "reference": deadline.reference,
            "title": deadline.agreement_title,
        }
    if deadline.kind == deadlines.NOTICE:
        return _("Notice deadline before tacit renewal: %(reference)s – %(title)s") % {
            "reference": deadline.reference,
            "title": deadline.agreement_title,
        }
    return _("Obligation: %(title)s (%(reference)s)") % {
        "title": deadline.obligation_title,
        "reference": deadline.reference,
    }


def deadline_calendar(*, user: Any, base_url: str, today: dt.date | None = None) -> bytes:
    """The user's deadlines as an RFC 5545 VCALENDAR (one all-day VEVENT each, with a reminder)."""
    today = today or timezone.localdate()
    rows = deadlines.deadline_list(
        user=user,
        today=today,
        scope=deadlines.MINE,
        horizon_days=FEED_FUTURE_DAYS,
        since=today - dt.timedelta(days=FEED_PAST_DAYS),
    )[:FEED_LIMIT]
    base_url = base_url.rstrip("/")
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    remind_days = min(settings.AGREEMENT_ALERT_DAYS or [7])

    calendar = Calendar()
    calendar.add("prodid", "-//Maillage//Deadlines of agreements//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Maillage – my deadlines"))
    calendar.add("x-published-ttl", "PT6H")
    for deadline in deadlines.as_deadlines(rows, today=today):
        summary = _summary(deadline)
        url = f"{base_url}{deadline.path}"
        lines = [deadline.label, f"{deadline.reference} – {deadline.agreement_title}"]
        if deadline.overdue:
            lines.append(
                ngettext("Overdue by %(days)s day.", "Overdue by %(days)s days.", deadline.days_late)
                % {"days": deadline.days_late}
            )
        lines.append(url)
        event = Event()
        event.add("uid", deadline.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.date)
        event.add("dtend", deadline.date + dt.timedelta(days=1))
        event.add("summary", summary)
        event.add("description", "\n".join(lines))
        event.add("url", url)
        event.add("categories", ["Maillage", deadline.kind])
        event.add("transp", "TRANSPARENT")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", dt.timedelta(days=-remind_days))
        event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()


def feed_path(token: CalendarToken) -> str:
    return reverse("deadlines:feed", kwargs={"token": token.token})
