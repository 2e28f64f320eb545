"""The outbox sender against a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import datetime as dt
import socket
import time
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from django.core.management import call_command
from django.utils import timezone

from maillage.outbox.models import MessageStatus, OutboxMessage, SuppressedAddress
from maillage.outbox.sender import backoff_delay, outbox_record_bounce, outbox_send_due
from maillage.outbox.services import _message_id, message_enqueue

pytestmark = pytest.mark.django_db

UNSUBSCRIBE = {
    "List-Unsubscribe": "<https://maillage.localhost/desabonnement/abc/>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """aiosmtpd handler keeping what it receives, with programmable refusals and a crash switch.

    - recipients starting with ``bounce`` are refused 550 (hard bounce);
    - recipients starting with ``grey`` are refused 451 the first ``greylist`` times;
    - after ``crash_after`` accepted messages the server stops listening and answers 421, as a
      server going down in the middle of a mailing.
    """

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []
        self.greylist = 1
        self.grey_seen: dict[str, int] = {}
        self.crash_after: int | None = None
        self.controller = None

    def parsed(self):
        return [message_from_bytes(content, policy=default_policy) for _, content in self.received]

    def message_ids(self) -> list[str]:
        # The compat32 parser is enough for one header and much faster on thousands of messages.
        return [message_from_bytes(content)["Message-ID"] for _, content in self.received]

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if self.crash_after is not None and len(self.received) >= self.crash_after:
            self.controller.server.close()  # no new connection from now on
            return "421 4.3.2 Service shutting down"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("bounce"):
            return "550 5.1.1 No such user"
        if address.startswith("grey"):
            self.grey_seen[address] = self.grey_seen.get(address, 0) + 1
            if self.grey_seen[address] <= self.greylist:
                return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def _start(handler: Mailbox, port: int):
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.controller = controller
    return controller


@pytest.fixture
def smtp(settings):
    handler = Mailbox()
    handler.port = _free_port()
    _start(handler, handler.port)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = handler.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.OUTBOX_RATE = 0
    yield handler
    handler.controller.stop(no_assert=True)


def _enqueue(to="camille@example.org", **kwargs):
    return message_enqueue(
        to=to,
        subject=kwargs.pop("subject", "Réunion du 12 mars"),
        body_text=kwargs.pop("body_text", "Bonjour,\nVoici l'ordre du jour."),
        category=kwargs.pop("category", "meeting"),
        **kwargs,
    )


def _status(message) -> str:
    message.refresh_from_db()
    return message.status


def test_sends_with_headers_html_and_attachment(smtp):
    message = _enqueue(
        body_html="<p>Voici l'<strong>ordre du jour</strong>.</p>",
        headers=UNSUBSCRIBE,
        attachments=[("reunion.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")],
    )
    report = outbox_send_due()
    assert (report.claimed, report.sent) == (1, 1)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.sent_at and message.attempts == 1
    [(rcpt, _)] = smtp.received
    assert rcpt == ["camille@example.org"]
    [received] = smtp.parsed()
    assert received["Message-ID"] == message.message_id
    assert received["Subject"] == "Réunion du 12 mars"
    assert received["List-Unsubscribe"] == UNSUBSCRIBE["List-Unsubscribe"]
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Voici l'ordre du jour." in received.get_body(("plain",)).get_content()
    assert "<strong>ordre du jour</strong>" in received.get_body(("html",)).get_content()
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "reunion.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert b"BEGIN:VCALENDAR" in attachment.get_payload(decode=True)


def test_nothing_due_nothing_done(smtp):
    report = outbox_send_due()
    assert report.claimed == 0 and not smtp.received


def test_rate_is_respected(smtp):
    for i in range(6):
        _enqueue(to=f"p{i}@example.org")
    started = time.monotonic()
    report = outbox_send_due(rate_per_second=10)
    elapsed = time.monotonic() - started
    assert report.sent == 6
    assert elapsed >= 0.5  # 6 messages at 10/s: 5 intervals of 0.1 s at least
    assert elapsed < 3


def test_limit(smtp):
    for i in range(5):
        _enqueue(to=f"p{i}@example.org")
    assert outbox_send_due(limit=2).sent == 2
    assert OutboxMessage.objects.filter(status=MessageStatus.QUEUED).count() == 3


def test_hard_bounce_fails_and_suppresses(smtp):
    bounced = _enqueue(to="bounce@example.org")
    also_waiting = _enqueue(to="Bounce@example.org", subject="Second")
    fine = _enqueue(to="ok@example.org")
    report = outbox_send_due()
    assert (report.sent, report.failed, report.suppressed) == (1, 1, 1)
    bounced.refresh_from_db()
    assert bounced.status == MessageStatus.FAILED and "550" in bounced.last_error
    assert _status(also_waiting) == MessageStatus.SUPPRESSED
    assert _status(fine) == MessageStatus.SENT
    assert SuppressedAddress.objects.filter(email__iexact="bounce@example.org").exists()
    assert _enqueue(to="bounce@example.org", subject="Later").status == MessageStatus.SUPPRESSED
    assert [rcpt for rcpt, _ in smtp.received] == [["ok@example.org"]]


def test_greylisting_defers_with_backoff_then_succeeds(smtp):
    smtp.greylist = 2
    message = _enqueue(to="grey@example.org")
    other = _enqueue(to="ok@example.org")
    before = timezone.now()
    report = outbox_send_due()
    assert (report.deferred, report.sent) == (1, 1)  # the connection is reopened for the next one
    message.refresh_from_db()
    assert message.status == MessageStatus.DEFERRED and message.attempts == 1
    assert "451" in message.last_error
    assert message.next_attempt_at >= before + dt.timedelta(minutes=1)
    assert _status(other) == MessageStatus.SENT

    assert outbox_send_due().claimed == 0  # not due yet

    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())  # time passes
    outbox_send_due()
    message.refresh_from_db()
    assert message.status == MessageStatus.DEFERRED and message.attempts == 2
    assert message.next_attempt_at >= timezone.now() + dt.timedelta(minutes=4)

    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox_send_due().sent == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 3
    assert len(smtp.received) == 2


def test_backoff_schedule_and_max_attempts(smtp, settings):
    assert [backoff_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 5, 25, 125]
    assert backoff_delay(10) == dt.timedelta(hours=6)
    settings.OUTBOX_MAX_ATTEMPTS = 2
    smtp.greylist = 99
    message = _enqueue(to="grey@example.org")
    outbox_send_due()
    assert _status(message) == MessageStatus.DEFERRED
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    report = outbox_send_due()
    assert report.failed == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 2
    assert not SuppressedAddress.objects.exists()  # a temporary refusal never suppresses


def test_server_down_at_start_claims_nothing(smtp):
    message = _enqueue()
    smtp.controller.stop()
    report = outbox_send_due()
    assert report.stopped_early and report.claimed == 0
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and message.attempts == 0
    _start(smtp, smtp.port)  # for the fixture's teardown


def test_stale_sending_is_reclaimed_after_the_lease(smtp, settings, monkeypatch):
    """A worker killed between the server's acceptance and the SENT update: the message is sent
    again after the lease, with the same Message-ID, and recorded SENT once."""
    from maillage.outbox import sender

    message = _enqueue()
    waiting = _enqueue(to="next@example.org")

    def killed(_message):
        raise SystemExit("worker killed")

    monkeypatch.setattr(sender, "_mark_sent", killed)
    with pytest.raises(SystemExit):
        outbox_send_due()
    monkeypatch.undo()
    assert _status(message) == MessageStatus.SENDING
    assert _status(waiting) == MessageStatus.QUEUED  # released on the way out

    report = outbox_send_due()
    assert report.sent == 1  # the other one; ours is still leased
    assert _status(message) == MessageStatus.SENDING

    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )  # the lease (OUTBOX_LEASE_SECONDS) has expired
    assert outbox_send_due().sent == 1
    assert _status(message) == MessageStatus.SENT
    ids = smtp.message_ids()
    assert ids.count(message.message_id) == 2  # the documented duplicate window, recognisable


def test_claimed_message_is_not_claimed_again_during_its_lease(smtp):
    message = _enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, next_attempt_at=timezone.now() + dt.timedelta(seconds=300)
    )
    assert outbox_send_due().claimed == 0


def test_dedupe_key_enqueues_once(smtp):
    first = _enqueue(dedupe_key="meeting:1:invite:camille")
    second = _enqueue(dedupe_key="meeting:1:invite:camille", subject="Autre")
    assert first.pk == second.pk
    assert outbox_send_due().sent == 1
    assert len(smtp.received) == 1


def test_record_bounce(smtp):
    queued = _enqueue(to="gone@example.org")
    deferred = _enqueue(to="GONE@example.org")
    OutboxMessage.objects.filter(pk=deferred.pk).update(status=MessageStatus.DEFERRED)
    other = _enqueue(to="stay@example.org")
    assert outbox_record_bounce(email="gone@example.org", reason="550 user unknown", permanent=False) == 0
    assert not SuppressedAddress.objects.exists()
    assert outbox_record_bounce(email="gone@example.org", reason="550 user unknown") == 2
    assert outbox_record_bounce(email="Gone@example.org", reason="again") == 0
    assert SuppressedAddress.objects.count() == 1
    assert _status(queued) == _status(deferred) == MessageStatus.SUPPRESSED
    assert _status(other) == MessageStatus.QUEUED


def test_invalid_message_fails_without_stopping_the_run(smtp):
    broken = _enqueue()
    OutboxMessage.objects.filter(pk=broken.pk).update(
        attachments=[{"filename": "x.pdf", "content": "not base64!", "content_type": "application/pdf"}]
    )
    fine = _enqueue(to="ok@example.org")
    report = outbox_send_due()
    assert (report.failed, report.sent) == (1, 1)
    assert _status(broken) == MessageStatus.FAILED and _status(fine) == MessageStatus.SENT


def test_server_crash_midway_every_message_delivered_exactly_once(smtp):
    """The issue's fault test: 5,000 messages, the server goes down midway and comes back."""
    total, crash_after = 5000, 1800
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            category="newsletter",
            to=f"person{i}@example.org",
            subject=f"Lettre n°{i}",
            body_text=f"Bonjour {i}",
            headers=UNSUBSCRIBE,
            message_id=_message_id(),
        )
        for i in range(total)
    )
    smtp.crash_after = crash_after

    first = outbox_send_due(rate_per_second=0)
    assert first.stopped_early
    assert first.sent == crash_after
    assert first.deferred == 1  # the one in flight when the server went down: one attempt counted
    assert OutboxMessage.objects.filter(status=MessageStatus.SENDING).count() == 0
    assert OutboxMessage.objects.filter(attempts__gt=1).count() == 0
    assert OutboxMessage.objects.filter(status=MessageStatus.QUEUED).count() == total - crash_after - 1

    smtp.controller.stop(no_assert=True)  # restart the server
    smtp.crash_after = None
    _start(smtp, smtp.port)
    OutboxMessage.objects.filter(status=MessageStatus.DEFERRED).update(next_attempt_at=timezone.now())
    for _ in range(10):
        if outbox_send_due(rate_per_second=0).claimed == 0:
            break

    ids = smtp.message_ids()
    assert len(ids) == total
    assert len(set(ids)) == total
    assert set(ids) == set(OutboxMessage.objects.values_list("message_id", flat=True))
    assert OutboxMessage.objects.exclude(status=MessageStatus.SENT).count() == 0


def test_send_outbox_command(smtp):
    for i in range(3):
        _enqueue(to=f"p{i}@example.org")
    call_command("send_outbox", "--once", "--batch", "2", "--rate", "0")
    assert len(smtp.received) == 2
    call_command("send_outbox", "--rate", "0")
    assert len(smtp.received) == 3


def test_send_outbox_task(smtp, settings):
    from maillage.outbox.tasks import send_outbox

    _enqueue()
    result = send_outbox.call()
    assert result["sent"] == 1


def test_admin_lists_messages_read_only(smtp, admin_client_):
    _enqueue()
    response = admin_client_.get("/admin/outbox/outboxmessage/?status__exact=queued")
    assert response.status_code == 200
    assert b"camille@example.org" in response.content
    assert admin_client_.get("/admin/outbox/outboxmessage/add/").status_code == 403
    response = admin_client_.post(
        "/admin/outbox/suppressedaddress/add/", {"email": "camille@example.org", "reason": "plainte"}
    )
    assert response.status_code == 302
    assert OutboxMessage.objects.get().status == MessageStatus.SUPPRESSED


def test_lease_is_renewed_during_a_long_batch_and_lost_messages_are_dropped(smtp, settings):
    from maillage.outbox import sender

    settings.OUTBOX_LEASE_SECONDS = 0.3
    for i in range(6):
        _enqueue(to=f"p{i}@example.org")
    report = outbox_send_due(rate_per_second=10, batch_size=6)  # 0.5 s of sending, 0.3 s leases
    assert report.sent == 6 and len(smtp.received) == 6

    settings.OUTBOX_LEASE_SECONDS = 300
    a, b = _enqueue(to="a@example.org"), _enqueue(to="b@example.org")
    batch, lease_until = sender._claim(10)
    OutboxMessage.objects.filter(pk=b.pk).update(next_attempt_at=lease_until + dt.timedelta(seconds=5))
    kept, new_lease = sender._renew_lease(batch, lease_until)  # b was taken over by another worker
    assert [m.pk for m in kept] == [a.pk]
    assert OutboxMessage.objects.get(pk=a.pk).next_attempt_at == new_lease > lease_until


def test_benchmark_command_small_run():
    from io import StringIO

    out = StringIO()
    call_command("benchmark_outbox", "--count", "30", "--current-database", stdout=out)
    text = out.getvalue()
    assert "messages/s" in text and "30/30 envoyés" in text
    assert not OutboxMessage.objects.filter(category="benchmark").exists()  # cleaned up
