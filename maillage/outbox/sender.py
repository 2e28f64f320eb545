"""The outbox sender: claims due messages, delivers them over one SMTP connection, records outcomes.

Claiming
    Due messages are QUEUED ones, DEFERRED ones whose ``next_attempt_at`` has passed, and SENDING
    ones whose lease has expired (their worker died). A batch is selected with
    ``select_for_update(skip_locked=True)`` on PostgreSQL (SQLite serialises writers with its
    IMMEDIATE transactions) and switched to SENDING in the same transaction. While a message is
    SENDING, ``next_attempt_at`` holds the end of its lease (claim time + ``OUTBOX_LEASE_SECONDS``,
    default 300): no other worker touches it before that instant. A worker renews the lease of the
    rest of its batch when it is about to run out, so a slow batch is never stolen while alive.

Delivery guarantee (precisely, and no more)
    A message is marked SENT by one committed UPDATE right after the SMTP server accepted it (the
    250 reply to DATA). Nothing is ever marked SENT that the server did not accept, and a message
    the server accepted is never sent again by this code, with one exception: if the worker dies
    (kill, power loss, lost database) *between* the server's acceptance and that UPDATE, the
    message stays SENDING, is reclaimed when its lease expires and is delivered a second time.
    That window holds at most one message per worker (messages are sent one at a time). The
    Message-ID header is the message's stored ``message_id``, identical on every attempt, so the
    receiving side can recognise and drop such a duplicate. Symmetrically, if the connection
    breaks after the server received the data but before its 250 reached us, we cannot know, the
    message is deferred and sent again with the same Message-ID. This is at-least-once delivery
    with a one-message-per-crash duplicate window, not a distributed exactly-once protocol.

Errors
    - 5xx on a recipient (``SMTPRecipientsRefused``): hard bounce, the message is FAILED and the
      address is suppressed (``outbox_record_bounce``), except for 5.7.x policy/relay refusals
      which are FAILED without suppression (they describe our relay, not the address).
    - 5xx on the data: FAILED, address kept (the content was refused, not the mailbox).
    - 4xx, timeouts, dropped connections: DEFERRED with exponential backoff (1, 5, 25, 125 min…,
      capped at 6 h); after ``OUTBOX_MAX_ATTEMPTS`` (default 6) attempts, FAILED. The connection
      is reopened for the next message; if it cannot be reopened the server is considered down,
      the run stops and the rest of the batch goes back to QUEUED/DEFERRED without an attempt
      being counted.
    - A message that cannot even be built (corrupt attachment, bad header): FAILED.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import smtplib
import time
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from maillage.outbox.models import MessageStatus, OutboxMessage, SuppressedAddress

logger = logging.getLogger(__name__)

DEFAULT_RATE = 20
DEFAULT_BATCH_SIZE = 100
DEFAULT_LEASE_SECONDS = 300
DEFAULT_MAX_ATTEMPTS = 6
BACKOFF_BASE_MINUTES = 5
BACKOFF_CAP_MINUTES = 6 * 60


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    suppressed: int = 0
    released: int = 0
    stopped_early: bool = False
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        text = (
            f"{self.sent} envoyé(s), {self.deferred} différé(s), {self.failed} en échec, "
            f"{self.suppressed} supprimé(s), {self.released} remis en file sur {self.claimed} pris "
            f"en {self.elapsed:.1f} s"
        )
        if self.stopped_early:
            text += f" – arrêt anticipé : {self.errors[-1] if self.errors else 'serveur indisponible'}"
        return text


class _ServerDown(Exception):
    """The SMTP server cannot be reached: stop the run."""


def backoff_delay(attempts: int) -> dt.timedelta:
    """Delay before the next try after ``attempts`` failed ones: 1, 5, 25, 125 min…, capped."""
    minutes = min(BACKOFF_BASE_MINUTES ** max(attempts - 1, 0), BACKOFF_CAP_MINUTES)
    return dt.timedelta(minutes=minutes)


def _lease_seconds() -> float:
    return float(getattr(settings, "OUTBOX_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def _max_attempts() -> int:
    return int(getattr(settings, "OUTBOX_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def _due_filter(now: dt.datetime) -> Q:
    return Q(status=MessageStatus.QUEUED) | Q(
        status__in=[MessageStatus.DEFERRED, MessageStatus.SENDING], next_attempt_at__lte=now
    )


def _claim(size: int) -> tuple[list[OutboxMessage], dt.datetime]:
    """Take up to ``size`` due messages for this worker; returns them and the end of their lease."""
    now = timezone.now()
    lease_until = now + dt.timedelta(seconds=_lease_seconds())
    with transaction.atomic():
        queryset = OutboxMessage.objects.filter(_due_filter(now)).order_by("id")
        if db_connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True)
        messages = list(queryset[:size])
        if messages:
            OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
                status=MessageStatus.SENDING, next_attempt_at=lease_until
            )
    for message in messages:
        if message.status == MessageStatus.SENDING:
            logger.warning("Outbox: message %s reclaimed after its lease expired", message.pk)
    return messages, lease_until


def _renew_lease(messages: list[OutboxMessage], lease_until: dt.datetime) -> tuple[list, dt.datetime]:
    """Extend the lease of the messages still ours; drop those another worker took over."""
    new_lease = timezone.now() + dt.timedelta(seconds=_lease_seconds())
    with transaction.atomic():
        ours = set(
            OutboxMessage.objects.filter(
                pk__in=[m.pk for m in messages], status=MessageStatus.SENDING, next_attempt_at=lease_until
            ).values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=ours).update(next_attempt_at=new_lease)
    return [m for m in messages if m.pk in ours], new_lease


def _release(messages: list[OutboxMessage], lease_until: dt.datetime) -> int:
    """Give claimed, untried messages back, as they were (QUEUED, or DEFERRED and due now)."""
    if not messages:
        return 0
    ours = OutboxMessage.objects.filter(
        pk__in=[m.pk for m in messages], status=MessageStatus.SENDING, next_attempt_at=lease_until
    )
    now = timezone.now()
    return ours.filter(attempts=0).update(status=MessageStatus.QUEUED, next_attempt_at=None) + ours.filter(
        attempts__gt=0
    ).update(status=MessageStatus.DEFERRED, next_attempt_at=now)


def _build(message: OutboxMessage, connection) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={**(message.headers or {}), "Message-ID": message.message_id},
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments or []:
        email.attach(
            attachment["filename"],
            base64.b64decode(attachment["content"], validate=True),
            attachment.get("content_type") or "application/octet-stream",
        )
    email.message()  # raises now on bad headers, rather than as a transport error
    return email


def _finish(message: OutboxMessage, **fields) -> None:
    """One committed UPDATE recording the outcome of one attempt."""
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=F("attempts") + 1, **fields)


def _mark_sent(message: OutboxMessage) -> None:
    _finish(message, status=MessageStatus.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error="")


def _mark_failed(message: OutboxMessage, error: str) -> None:
    _finish(message, status=MessageStatus.FAILED, next_attempt_at=None, last_error=error[:2000])


def _mark_deferred(message: OutboxMessage, error: str) -> bool:
    """Defer with backoff, or fail when attempts are exhausted; returns True if deferred."""
    attempts = message.attempts + 1
    if attempts >= _max_attempts():
        _mark_failed(message, f"{error} (abandon après {attempts} tentatives)")
        return False
    _finish(
        message,
        status=MessageStatus.DEFERRED,
        next_attempt_at=timezone.now() + backoff_delay(attempts),
        last_error=error[:2000],
    )
    return True


def _smtp_code(exc: Exception) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return max(codes) if codes else None
    return getattr(exc, "smtp_code", None)


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {resp.decode(errors='replace') if isinstance(resp, bytes) else resp}"
            for rcpt, (code, resp) in exc.recipients.items()
        )
    return f"{type(exc).__name__}: {exc}"


def _is_policy_refusal(exc: smtplib.SMTPRecipientsRefused) -> bool:
    """5.7.x (relay denied, authentication, policy) speaks about our relay, not the address."""
    for _, response in exc.recipients.values():
        text = response.decode(errors="replace") if isinstance(response, bytes) else str(response)
        if text.lstrip().startswith("5.7."):
            return True
    return False


def _suppressed_among(addresses: list[str]) -> set[str]:
    lowered = {a.lower() for a in addresses}
    return set(
        SuppressedAddress.objects.annotate(lower=Lower("email"))
        .filter(lower__in=lowered)
        .values_list("lower", flat=True)
    )


def outbox_record_bounce(*, email: str, reason: str, permanent: bool = True) -> int:
    """Record a bounce (or complaint) for ``email``; returns how many waiting messages were stopped.

    A permanent bounce suppresses the address (later enqueues are recorded as SUPPRESSED) and
    marks its QUEUED and DEFERRED messages SUPPRESSED. A temporary one changes nothing: it is only
    logged, the normal retries handle it.
    """
    email = email.strip()
    if not permanent:
        logger.info("Outbox: temporary bounce for %s: %s", email, reason)
        return 0
    with transaction.atomic():
        if not SuppressedAddress.objects.filter(email__iexact=email).exists():
            SuppressedAddress.objects.create(email=email, reason=reason[:300])
        return OutboxMessage.objects.filter(
            to__iexact=email, status__in=[MessageStatus.QUEUED, MessageStatus.DEFERRED]
        ).update(status=MessageStatus.SUPPRESSED, next_attempt_at=None, last_error=reason[:2000])


class _Sender:
    def __init__(self, report: SendReport, rate_per_second: float) -> None:
        self.report = report
        self.interval = 1.0 / rate_per_second if rate_per_second and rate_per_second > 0 else 0.0
        self.next_send_at = 0.0
        self.connection = None
        self.hard_bounced: set[str] = set()  # addresses refused with 5xx during this run

    def open(self) -> None:
        self.connection = get_connection(fail_silently=False)
        try:
            self.connection.open()
        except (smtplib.SMTPException, OSError) as exc:
            raise _ServerDown(_describe(exc)) from exc

    def reopen(self) -> None:
        self.close()
        self.open()

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # noqa: BLE001 – the connection is being dropped anyway
                pass
            self.connection = None

    def throttle(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if now < self.next_send_at:
            time.sleep(self.next_send_at - now)
        self.next_send_at = max(now, self.next_send_at) + self.interval

    def send(self, message: OutboxMessage) -> None:
        """Attempt one message and record its outcome; raises _ServerDown to stop the run."""
        report = self.report
        try:
            email = _build(message, self.connection)
        except Exception as exc:  # noqa: BLE001 – a message we cannot build will never go out
            _mark_failed(message, f"Message invalide : {_describe(exc)}")
            report.failed += 1
            return
        self.throttle()
        try:
            self.connection.send_messages([email])
        except smtplib.SMTPRecipientsRefused as exc:
            self.refused(message, exc)
        except smtplib.SMTPDataError as exc:
            if 500 <= exc.smtp_code < 600:
                _mark_failed(message, _describe(exc))
                report.failed += 1
            else:
                self.transient(message, exc)
        except smtplib.SMTPSenderRefused as exc:
            # Our own address or relay is refused: nothing will go out until configuration changes.
            self.transient(message, exc, stop=exc.smtp_code != 421)
        except (smtplib.SMTPException, OSError) as exc:  # disconnections, timeouts, 421…
            self.transient(message, exc)
        else:
            _mark_sent(message)
            report.sent += 1

    def refused(self, message: OutboxMessage, exc: smtplib.SMTPRecipientsRefused) -> None:
        code = _smtp_code(exc) or 0
        if code < 500:
            self.transient(message, exc)
            return
        error = _describe(exc)
        _mark_failed(message, error)
        self.report.failed += 1
        if not _is_policy_refusal(exc):
            outbox_record_bounce(email=message.to, reason=error)
            self.hard_bounced.add(message.to.lower())

    def transient(self, message: OutboxMessage, exc: Exception, *, stop: bool = False) -> None:
        error = _describe(exc)
        logger.warning("Outbox: message %s deferred: %s", message.pk, error)
        if _mark_deferred(message, error):
            self.report.deferred += 1
        else:
            self.report.failed += 1
        if stop:
            raise _ServerDown(error)
        self.reopen()  # raises _ServerDown if the server is gone


def outbox_send_due(
    *,
    limit: int | None = None,
    rate_per_second: float | None = None,
    batch_size: int | None = None,
    max_seconds: float | None = None,
) -> SendReport:
    """Send due messages until none is left, ``limit`` were taken or ``max_seconds`` have passed.

    ``rate_per_second`` defaults to ``settings.OUTBOX_RATE`` (20); 0 means unthrottled. One SMTP
    connection serves the whole run. See the module docstring for the delivery guarantee.
    """
    if rate_per_second is None:
        rate_per_second = getattr(settings, "OUTBOX_RATE", DEFAULT_RATE)
    if batch_size is None:
        batch_size = DEFAULT_BATCH_SIZE
        if rate_per_second:  # a batch must comfortably fit in its lease at the chosen pace
            batch_size = min(batch_size, max(1, int(rate_per_second * _lease_seconds() / 4)))
    started = time.monotonic()
    report = SendReport()
    if not OutboxMessage.objects.filter(_due_filter(timezone.now())).exists():
        return report  # the periodic run must not open an SMTP connection every minute for nothing
    sender = _Sender(report, rate_per_second)
    try:
        sender.open()
    except _ServerDown as exc:
        logger.error("Outbox: SMTP server unavailable, nothing claimed: %s", exc)
        report.stopped_early = True
        report.errors.append(str(exc))
        report.elapsed = time.monotonic() - started
        return report
    try:
        while limit is None or report.claimed < limit:
            if max_seconds is not None and time.monotonic() - started >= max_seconds:
                break
            size = batch_size if limit is None else min(batch_size, limit - report.claimed)
            batch, lease_until = _claim(size)
            if not batch:
                break
            report.claimed += len(batch)
            if not _send_batch(sender, batch, lease_until, started, max_seconds):
                break
    finally:
        sender.close()
        report.elapsed = time.monotonic() - started
    if report.claimed:
        logger.info("Outbox run: %s", report)
    return report


def _send_batch(
    sender: _Sender,
    batch: list[OutboxMessage],
    lease_until: dt.datetime,
    started: float,
    max_seconds: float | None,
) -> bool:
    """Send one claimed batch; returns False when the run must stop."""
    report = sender.report
    lease = _lease_seconds()
    renew_at = time.monotonic() + lease / 2
    suppressed = _suppressed_among([m.to for m in batch])
    pending = list(batch)
    try:
        while pending:
            if max_seconds is not None and time.monotonic() - started >= max_seconds:
                return False
            if time.monotonic() >= renew_at:
                pending, lease_until = _renew_lease(pending, lease_until)
                renew_at = time.monotonic() + lease / 2
                if not pending:
                    break
            message = pending.pop(0)  # from here its outcome is recorded, or unknown (then leased)
            if message.to.lower() in suppressed or message.to.lower() in sender.hard_bounced:
                OutboxMessage.objects.filter(pk=message.pk).update(
                    status=MessageStatus.SUPPRESSED, next_attempt_at=None
                )
                report.suppressed += 1
                continue
            try:
                sender.send(message)
            except _ServerDown as exc:
                logger.error("Outbox: SMTP server unavailable, run stopped: %s", exc)
                report.stopped_early = True
                report.errors.append(str(exc))
                return False
        return True
    finally:
        # Untried messages go back to the queue at once. The one in flight when an exception
        # escaped (worker stopped) has an unknown outcome: it stays SENDING until its lease
        # expires, and so do all of them if we are killed so hard that this does not run.
        try:
            report.released += _release(pending, lease_until)
        except Exception:  # noqa: BLE001 – the lease is the fallback
            logger.exception("Outbox: could not release %s claimed messages", len(pending))
