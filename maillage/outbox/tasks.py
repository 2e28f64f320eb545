"""Background job sending the outbox (wired into the scheduler by core: every 60 s)."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from maillage.outbox.sender import outbox_send_due
from maillage.outbox.services import outbox_purge


@task()
def send_outbox() -> dict:
    """Send the due messages for at most OUTBOX_TASK_SECONDS (default 50), so a big mailing is
    spread over several runs and never holds the worker; returns the run's report."""
    return outbox_send_due(max_seconds=getattr(settings, "OUTBOX_TASK_SECONDS", 50)).as_dict()


@task()
def purge_outbox() -> int:
    return outbox_purge()
