"""Deadlines of conventions: the "my deadlines" page, the iCalendar feed, the e-mail alerts (real SMTP)."""

from __future__ import annotations

import datetime as dt
import socket
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from icalendar import Calendar

from maillage.agreements import alerts, deadlines
from maillage.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    Amendment,
    AmendmentStatus,
    CalendarToken,
    DeadlineAlert,
    Obligation,
    ObligationKind,
    ObligationStatus,
    PartyRole,
)
from maillage.agreements.tasks import send_deadline_alerts
from tests.conftest import login

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days(n: int) -> dt.date:
    return TODAY() + dt.timedelta(days=n)


def make_agreement(personas, reference, *, owner=None, organization=None, **fields) -> Agreement:
    values = {
        "reference": reference,
        "title": f"Convention {reference}",
        "purpose": "Coopération intercommunale.",
        "kind": AgreementKind.objects.order_by("pk").first(),
        "owner": owner or personas.arthur,
        "status": AgreementStatus.IN_FORCE,
        "effective_on": days(-700),
    }
    values.update(fields)
    agreement = Agreement.objects.create(**values)
    AgreementParty.objects.create(
        agreement=agreement, organization=organization or personas.montreuil, role=PartyRole.SIGNATORY
    )
    return agreement


def obligation(agreement, owner, due_on, title="Bilan annuel", **fields) -> Obligation:
    return Obligation.objects.create(
        agreement=agreement,
        kind=ObligationKind.ANNUAL_REPORT,
        title=title,
        due_on=due_on,
        owner=owner,
        **fields,
    )


def french(text: str) -> str:
    with translation.override("fr"):
        return gettext(text)


@pytest.fixture
def portfolio(personas):
    """Arthur's conventions and obligations, plus others' that he must not see in "mine"."""
    renewing = make_agreement(
        personas,
        "ECH-RENOUV",
        expires_on=days(40),
        tacit_renewal=True,
        notice_days=30,
        renewal_period_months=12,
    )
    expiring = make_agreement(personas, "ECH-FIN", expires_on=days(7))
    far = make_agreement(personas, "ECH-LOIN", expires_on=days(400))
    draft = make_agreement(personas, "ECH-BROUILLON", expires_on=days(20), status=AgreementStatus.DRAFT)
    alices = make_agreement(personas, "ECH-ALICE", owner=personas.alice, expires_on=days(15))
    return {
        "renewing": renewing,
        "expiring": expiring,
        "far": far,
        "draft": draft,
        "alices": alices,
        "overdue": obligation(expiring, personas.arthur, days(-5), title="Rapport d'activité 2025"),
        "delegated": obligation(renewing, personas.bruno, days(60), title="Comité de pilotage"),
        "done": obligation(
            expiring, personas.arthur, days(3), title="Déjà fait", status=ObligationStatus.DONE
        ),
        "alice_task": obligation(alices, personas.alice, days(2), title="Pièces justificatives"),
    }


# --- Selectors -----------------------------------------------------------------------------------


def test_deadline_list_mine_in_sql_order(personas, portfolio):
    rows = deadlines.as_deadlines(deadlines.deadline_list(user=personas.arthur, today=TODAY()), today=TODAY())
    got = [(d.date, d.kind, d.reference, d.obligation_title) for d in rows]
    assert got == [
        (days(-5), "obligation", "ECH-FIN", "Rapport d'activité 2025"),
        (days(7), "expiry", "ECH-FIN", ""),
        (days(10), "notice", "ECH-RENOUV", ""),  # 40 days to expiry − 30 days of notice
        (days(40), "expiry", "ECH-RENOUV", ""),
        (days(60), "obligation", "ECH-RENOUV", "Comité de pilotage"),  # on his convention, owned by bruno
    ]
    assert rows[0].overdue and rows[0].days_late == 5
    assert rows[2].uid == f"agreement-{portfolio['renewing'].pk}-notice@maillage"
    assert rows[4].owner_name == str(personas.bruno)

    everything = deadlines.deadline_list(user=personas.arthur, today=TODAY(), scope="all", horizon_days=365)
    references = {row["d_reference"] for row in everything}
    assert references == {"ECH-FIN", "ECH-RENOUV", "ECH-ALICE"}  # not the draft, not beyond 365 days


def test_deadlines_follow_amendments_in_force_and_renewals(personas):
    amended = make_agreement(
        personas,
        "ECH-AVENANT",
        expires_on=days(20),
        tacit_renewal=True,
        notice_days=10,
        renewal_period_months=12,
    )
    Amendment.objects.create(agreement=amended, number=1, purpose="Prolongation", new_expires_on=days(50))
    Amendment.objects.create(
        agreement=amended,
        number=2,
        purpose="Prolongation",
        new_expires_on=days(80),
        status=AmendmentStatus.IN_FORCE,
    )
    make_agreement(personas, "ECH-RECONDUITE", expires_on=days(100), status=AgreementStatus.RENEWED,
                   tacit_renewal=True, notice_days=30, renewal_period_months=12)  # fmt: skip
    make_agreement(personas, "ECH-RESILIEE", expires_on=days(30), status=AgreementStatus.TERMINATED)
    rows = deadlines.as_deadlines(deadlines.deadline_list(user=personas.arthur, today=TODAY()), today=TODAY())
    assert [(d.reference, d.kind, d.date) for d in rows] == [
        ("ECH-AVENANT", "notice", days(70)),  # from the amended expiry, not the base one
        ("ECH-RECONDUITE", "notice", days(70)),  # renewed: may renew again, so its notice counts
        ("ECH-AVENANT", "expiry", days(80)),
        ("ECH-RECONDUITE", "expiry", days(100)),
    ]


def test_correspondents_see_their_own_deadlines_within_their_visibility(personas, portfolio):
    vincennes = make_agreement(personas, "ECH-VINC", organization=personas.vincennes, expires_on=days(30))
    obligation(vincennes, personas.camille, days(5), title="Hors de portée")
    obligation(portfolio["expiring"], personas.camille, days(9), title="Compte rendu")
    rows = deadlines.as_deadlines(
        deadlines.deadline_list(user=personas.camille, today=TODAY(), scope="all"), today=TODAY()
    )
    assert [(d.reference, d.obligation_title) for d in rows] == [("ECH-FIN", "Compte rendu")]


# --- The page ------------------------------------------------------------------------------------


def test_my_deadlines_page(personas, portfolio):
    client = login(personas.arthur)
    response = client.get(reverse("deadlines:mine"))
    assert response.status_code == 200
    html = response.content.decode()
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]
    assert len(rows) == 5
    assert 'class="overdue"' in rows[0] and french("Overdue") in rows[0]
    assert not any('class="overdue"' in row for row in rows[1:])
    assert "ECH-LOIN" not in html and "ECH-ALICE" not in html and "ECH-BROUILLON" not in html
    assert "Déjà fait" not in html
    assert reverse("deadlines:calendar_token") in html

    html = client.get(reverse("deadlines:mine"), {"scope": "all", "days": 365}).content.decode()
    assert "ECH-ALICE" in html and "ECH-LOIN" not in html and "Pièces justificatives" in html
    html = client.get(reverse("deadlines:mine"), {"days": 30}).content.decode()
    assert "Comité de pilotage" not in html and "ECH-FIN" in html


def test_correspondents_have_no_scope_filter(personas, portfolio):
    obligation(portfolio["expiring"], personas.camille, days(9), title="Compte rendu")
    response = login(personas.camille).get(reverse("deadlines:mine"), {"scope": "all"})
    html = response.content.decode()
    assert 'name="scope"' not in html
    assert "Compte rendu" in html and "ECH-RENOUV" not in html


def test_deadlines_page_query_count_is_constant(personas):
    client = login(personas.arthur)

    def grow(count: int, start: int) -> None:
        for index in range(start, start + count):
            agreement = make_agreement(
                personas,
                f"ECH-VOL-{index}",
                expires_on=days(10 + index % 150),
                tacit_renewal=bool(index % 2),
                notice_days=5 if index % 2 else None,
            )
            obligation(agreement, personas.arthur, days(index % 90 - 30))

    def count(url: str) -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    urls = [reverse("deadlines:mine"), reverse("deadlines:mine") + "?scope=all&page=2"]
    grow(5, 0)
    small = [count(url) for url in urls]
    grow(195, 5)
    assert [count(url) for url in urls] == small


# --- Calendar ------------------------------------------------------------------------------------


def test_calendar_token_page_and_regeneration(personas):
    client = login(personas.camille)
    page = client.get(reverse("deadlines:calendar_token"))
    assert page.status_code == 200 and ".ics" not in page.content.decode()
    assert client.get(reverse("deadlines:calendar_regenerate")).status_code == 405
    assert client.post(reverse("deadlines:calendar_regenerate")).status_code == 302
    first = CalendarToken.objects.get(user=personas.camille).token
    assert len(first) >= 40
    assert first in client.get(reverse("deadlines:calendar_token")).content.decode()
    client.post(reverse("deadlines:calendar_regenerate"))
    second = CalendarToken.objects.get(user=personas.camille).token
    assert second != first
    feed = login(None)
    assert feed.get(reverse("deadlines:feed", kwargs={"token": first})).status_code == 404  # revoked
    assert feed.get(reverse("deadlines:feed", kwargs={"token": second})).status_code == 200


def test_ical_feed_follows_rfc_5545(personas, portfolio):
    token = CalendarToken.objects.create(user=personas.arthur, token="a" * 20 + "B-_" + "c" * 20)
    response = login(None).get(reverse("deadlines:feed", kwargs={"token": token.token}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//Maillage//Deadlines of agreements//FR"
    events = calendar.walk("VEVENT")
    assert len(events) == 6  # the page's five, and the expiry in 400 days (the feed looks 2 years ahead)
    uids = [str(event["UID"]) for event in events]
    assert len(set(uids)) == 6
    renewing = portfolio["renewing"]
    assert f"agreement-{renewing.pk}-expiry@maillage" in uids
    assert f"agreement-{renewing.pk}-notice@maillage" in uids
    assert f"obligation-{portfolio['overdue'].pk}@maillage" in uids
    for event in events:
        assert event["DTSTAMP"].dt.tzinfo is not None
        start = event["DTSTART"].dt
        assert isinstance(start, dt.date) and not isinstance(start, dt.datetime)
        assert event["DTSTART"].params.get("VALUE") == "DATE"
        assert str(event["SUMMARY"])
        assert str(event["URL"]).startswith("http://testserver/conventions/")
        alarm = event.walk("VALARM")[0]
        assert alarm["ACTION"] == "DISPLAY" and alarm["TRIGGER"].dt == dt.timedelta(days=-7)
    notice = next(e for e in events if str(e["UID"]).endswith("-notice@maillage"))
    assert notice["DTSTART"].dt == days(10)
    assert "ECH-RENOUV" in str(notice["SUMMARY"])
    # The same UID on the next fetch: calendar clients update events in place.
    again = Calendar.from_ical(
        login(None).get(reverse("deadlines:feed", kwargs={"token": token.token})).content
    )
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == uids


def test_ical_feed_applies_the_visibility_of_the_token_owner(personas, portfolio):
    vincennes = make_agreement(personas, "ECH-VINC", organization=personas.vincennes, expires_on=days(30))
    obligation(vincennes, personas.camille, days(5), title="Hors de portée")
    obligation(portfolio["expiring"], personas.camille, days(9), title="Compte rendu")
    token = CalendarToken.objects.create(user=personas.camille, token="camille-calendar-token-0123456789")
    content = login(None).get(reverse("deadlines:feed", kwargs={"token": token.token})).content.decode()
    assert "Compte rendu" in content
    assert "Hors de port" not in content and "ECH-VINC" not in content


@pytest.mark.parametrize("token", ["x" * 43, "short", "../../etc/passwd", "a" * 100])
def test_tampered_tokens_reveal_nothing(personas, token):
    CalendarToken.objects.create(user=personas.arthur, token="b" * 43)
    response = login(None).get(f"/echeances/calendrier/{token}.ics")
    assert response.status_code == 404
    assert "text/calendar" not in response["Content-Type"]


def test_inactive_account_feed_is_404(personas):
    CalendarToken.objects.create(user=personas.arthur, token="d" * 43)
    personas.arthur.is_active = False
    personas.arthur.save()
    assert login(None).get(reverse("deadlines:feed", kwargs={"token": "d" * 43})).status_code == 404


# --- E-mail alerts, through a real SMTP server ---------------------------------------------------


class Collector:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.AGREEMENT_ALERT_DAYS = [60, 30, 7]
    settings.SITE_URL = "https://maillage.example.org"


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    use_smtp(settings, controller.port)
    yield handler
    controller.stop()


def received(handler) -> dict[str, dict]:
    messages = {}
    for envelope in handler.envelopes:
        message = message_from_bytes(envelope.original_content)
        body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
        subject = str(make_header(decode_header(message["Subject"])))
        for recipient in envelope.rcpt_tos:
            messages[recipient] = {"subject": subject, "body": body, "message": message}
    return messages


@pytest.fixture
def due(personas):
    """Deadlines due for an alert today, and some that are not."""
    week = make_agreement(personas, "ALR-7J", expires_on=days(7))
    month = make_agreement(
        personas, "ALR-PREAVIS", expires_on=days(90), tacit_renewal=True, notice_days=60
    )  # notice deadline in 30 days
    make_agreement(personas, "ALR-61J", expires_on=days(61))  # beyond every threshold: no alert yet
    late = obligation(week, personas.bruno, days(-3), title="Rapport en retard")
    sixty = obligation(month, personas.bruno, days(60), title="Comité de suivi")
    return {"week": week, "month": month, "late": late, "sixty": sixty}


def test_alerts_are_emailed_grouped_by_recipient_and_only_once(personas, due, smtp):
    report = alerts.deadline_alerts_send()
    assert report.sent_messages == 2 and report.sent_alerts == 4

    messages = received(smtp)
    assert set(messages) == {personas.arthur.email, personas.bruno.email}
    arthur = messages[personas.arthur.email]
    assert "2" in arthur["subject"] and "Maillage" in arthur["subject"]
    assert "ALR-7J" in arthur["body"] and "ALR-PREAVIS" in arthur["body"] and "ALR-61J" not in arthur["body"]
    assert f"https://maillage.example.org/conventions/{due['week'].pk}/" in arthur["body"]
    assert "&#x27;" not in arthur["body"] and "&amp;" not in arthur["body"]
    assert arthur["message"]["Auto-Submitted"] == "auto-generated"
    bruno = messages[personas.bruno.email]
    assert "Rapport en retard" in bruno["body"] and "Comité de suivi" in bruno["body"]

    assert set(DeadlineAlert.objects.values_list("key", flat=True)) == {
        f"agreement-{due['week'].pk}-expiry-{days(7).isoformat()}-7d",
        f"agreement-{due['month'].pk}-notice-{days(30).isoformat()}-30d",
        f"obligation-{due['late'].pk}-{days(-3).isoformat()}-overdue",
        f"obligation-{due['sixty'].pk}-{days(60).isoformat()}-60d",
    }
    assert DeadlineAlert.objects.get(key__endswith="-overdue").recipient == personas.bruno.email

    # A rerun the same day sends nothing twice.
    smtp.envelopes.clear()
    assert alerts.deadline_alerts_send().sent_messages == 0
    assert smtp.envelopes == []
    # The next day, only what has become due: ALR-61J reaches the 60-day threshold; the rest was sent.
    assert alerts.deadline_alerts_send(today=days(1)).sent_alerts == 1
    [tomorrow] = received(smtp).values()
    assert "ALR-61J" in tomorrow["body"] and "ALR-7J" not in tomorrow["body"]
    assert "Rapport en retard" not in tomorrow["body"]


def test_smtp_down_records_nothing_and_the_next_run_sends(personas, due, settings):
    use_smtp(settings, free_port())  # nothing listens there
    with pytest.raises(alerts.DeadlineAlertError):
        alerts.deadline_alerts_send()
    assert not DeadlineAlert.objects.exists()

    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.EMAIL_PORT = controller.port
        assert alerts.deadline_alerts_send().sent_alerts == 4
    finally:
        controller.stop()
    assert len(handler.envelopes) == 2
    assert DeadlineAlert.objects.count() == 4


def test_a_rejected_message_is_not_recorded(personas, due, settings):
    class Refusing(Collector):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
            if address == personas.bruno.email:
                return "550 No such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    refusing = Refusing()
    controller = Controller(refusing, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        use_smtp(settings, controller.port)
        with pytest.raises(alerts.DeadlineAlertError):
            alerts.deadline_alerts_send()
    finally:
        controller.stop()
    # Arthur's alerts went out and are recorded; bruno's will be retried.
    assert [envelope.rcpt_tos for envelope in refusing.envelopes] == [[personas.arthur.email]]
    assert set(DeadlineAlert.objects.values_list("recipient", flat=True)) == {personas.arthur.email}


def test_accounts_without_email_are_skipped(personas, due, mailoutbox, settings):
    settings.AGREEMENT_ALERT_DAYS = [60, 30, 7]
    personas.bruno.email = ""
    personas.bruno.save()
    report = alerts.deadline_alerts_send()
    assert report.skipped_without_email == [personas.bruno.pk]
    assert [message.to for message in mailoutbox] == [[personas.arthur.email]]


def test_the_task_calls_the_service(personas, due, mailoutbox, settings):
    settings.AGREEMENT_ALERT_DAYS = [60, 30, 7]
    assert send_deadline_alerts.call() == 4
    assert len(mailoutbox) == 2
    assert send_deadline_alerts.call() == 0


def test_a_missed_day_is_caught_up_with_the_threshold_reached(personas, smtp):
    """No run (or a mail server down) on the 7th day before: the next run still alerts, once."""
    late_notice = make_agreement(personas, "ALR-5J", expires_on=days(5))
    report = alerts.deadline_alerts_send()
    assert report.sent_alerts == 1
    assert DeadlineAlert.objects.get().key == f"agreement-{late_notice.pk}-expiry-{days(5).isoformat()}-7d"
    assert alerts.deadline_alerts_send(today=days(1)).sent_alerts == 0
