"""E-mail alerts on deadlines, sent once each by the daily job.

For each deadline falling exactly N days ahead (N in ``settings.AGREEMENT_ALERT_DAYS``), and for each
obligation already missed, the person in charge (owner of the convention for an expiry or a notice
deadline, owner of the obligation for an obligation) gets one e-mail grouping all their deadlines.

Each alert is a DeadlineAlert row with a unique key (``obligation-12-2026-03-31-7d``, the date being
part of the key so that a renewed convention is alerted again). The rows of one e-mail are inserted
and the e-mail sent inside one transaction: if sending fails, the rows are rolled back and the next run
tries again; if another run is sending the same alerts, the unique key makes this one skip them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from maillage.agreements import deadlines
from maillage.agreements.models import DeadlineAlert
from maillage.core.links import site_url

logger = logging.getLogger(__name__)

OVERDUE = "overdue"


class DeadlineAlertError(Exception):
    """Some alerts could not be sent; they were not recorded and the next run retries them."""


@dataclass(frozen=True)
class AlertItem:
    key: str
    deadline: deadlines.Deadline
    url: str


@dataclass
class AlertReport:
    sent_messages: int = 0
    sent_alerts: int = 0
    skipped_without_email: list[int] = field(default_factory=list)
    failed_recipients: list[str] = field(default_factory=list)


def _pending_items(*, today: dt.date, base_url: str) -> dict[int, list[AlertItem]]:
    """Alerts due today and not sent yet, by recipient (account id)."""
    days = sorted({int(n) for n in settings.AGREEMENT_ALERT_DAYS})
    items: list[AlertItem] = []
    for deadline in deadlines.alert_candidates(today=today, days=days):
        # One alert per threshold reached (e.g. 60, 30, 7 days before), whatever day it is noticed on.
        threshold = min(n for n in days if deadline.days_left <= n) if not deadline.overdue else None
        suffix = OVERDUE if deadline.overdue else f"{threshold}d"
        items.append(AlertItem(deadline.alert_key(suffix), deadline, f"{base_url}{deadline.path}"))
    sent: set[str] = set()
    keys = [item.key for item in items]
    for start in range(0, len(keys), 500):
        sent.update(
            DeadlineAlert.objects.filter(key__in=keys[start : start + 500]).values_list("key", flat=True)
        )
    by_recipient: dict[int, list[AlertItem]] = defaultdict(list)
    for item in items:
        if item.key not in sent:
            by_recipient[item.deadline.owner_id].append(item)
    return by_recipient


def _message(items: list[AlertItem], *, base_url: str, connection) -> EmailMessage:
    first = items[0].deadline
    overdue = sum(1 for item in items if item.deadline.overdue)
    subject = ngettext(
        "Maillage: %(count)d deadline of your agreements",
        "Maillage: %(count)d deadlines of your agreements",
        len(items),
    ) % {"count": len(items)}
    body = render_to_string(
        "agreements/deadlines/alert_email.txt",
        {
            "recipient_name": first.owner_name,
            "items": items,
            "overdue": overdue,
            "deadlines_url": f"{base_url}{reverse('deadlines:mine')}",
        },
    )
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[first.owner_email],
        connection=connection,
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    )


def deadline_alerts_send(*, today: dt.date | None = None) -> AlertReport:
    """Send today's deadline alerts, each once. Raises DeadlineAlertError (after sending what could be
    sent) when some e-mails failed or the mail server cannot be reached: nothing unsent is recorded."""
    today = today or timezone.localdate()
    report = AlertReport()
    base_url = site_url()
    with translation.override(settings.LANGUAGE_CODE):
        pending = _pending_items(today=today, base_url=base_url)
        if not pending:
            return report
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
        except Exception as error:
            logger.exception("Deadline alerts: the mail server cannot be reached; nothing was sent")
            raise DeadlineAlertError("the mail server cannot be reached; nothing was sent") from error
        try:
            for recipient_id, items in pending.items():
                deadline = items[0].deadline
                if not deadline.owner_email or not deadline.owner_active:
                    logger.warning("Deadline alerts: account %s has no e-mail or is inactive", recipient_id)
                    report.skipped_without_email.append(recipient_id)
                    continue
                message = _message(items, base_url=base_url, connection=connection)
                try:
                    with transaction.atomic():
                        DeadlineAlert.objects.bulk_create(
                            [DeadlineAlert(key=item.key, recipient=deadline.owner_email) for item in items]
                        )
                        if message.send() != 1:
                            raise DeadlineAlertError(
                                f"the message to {deadline.owner_email} was not accepted"
                            )
                except IntegrityError:
                    # Another run recorded (and is sending) some of these alerts: leave them to it.
                    logger.info("Deadline alerts for account %s already being sent", recipient_id)
                except Exception:
                    logger.exception("Deadline alerts: e-mail to account %s failed", recipient_id)
                    report.failed_recipients.append(deadline.owner_email)
                else:
                    report.sent_messages += 1
                    report.sent_alerts += len(items)
        finally:
            connection.close()
    logger.info(
        "Deadline alerts: %s alerts in %s e-mails, %s failures",
        report.sent_alerts,
        report.sent_messages,
        len(report.failed_recipients),
    )
    if report.failed_recipients:
        raise DeadlineAlertError(
            f"{len(report.failed_recipients)} e-mail(s) not sent; they will be retried on the next run"
        )
    return report
