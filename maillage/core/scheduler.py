"""A small scheduler for periodic jobs on top of Django's tasks API.

It only *enqueues*: the database worker runs the tasks. Each job's last enqueue time is
stored in PeriodicJobRun and claimed under a row lock, so several schedulers (or a restart)
never enqueue the same run twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from maillage.core.models import PeriodicJobRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    every: dt.timedelta


def periodic_jobs() -> list[PeriodicJob]:
    return [
        PeriodicJob(name, spec["task"], dt.timedelta(seconds=spec["every"]))
        for name, spec in settings.PERIODIC_JOBS.items()
    ]


def enqueue_due_jobs(*, now: dt.datetime | None = None) -> list[str]:
    """Enqueue every job whose interval has elapsed; return their names."""
    now = now or timezone.now()
    enqueued = []
    for job in periodic_jobs():
        with transaction.atomic():
            PeriodicJobRun.objects.get_or_create(
                name=job.name, defaults={"last_enqueued_at": now - job.every}
            )
            run = PeriodicJobRun.objects.select_for_update().get(name=job.name)
            if now - run.last_enqueued_at < job.every:
                continue
            import_string(job.task).enqueue()
            run.last_enqueued_at = now
            run.save(update_fields=["last_enqueued_at"])
        logger.info("Periodic job %s enqueued", job.name)
        enqueued.append(job.name)
    return enqueued
