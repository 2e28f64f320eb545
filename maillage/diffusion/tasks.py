"""Background job sending the scheduled newsletters (to be wired in settings.PERIODIC_JOBS)."""

from __future__ import annotations

from django_tasks import task

from maillage.diffusion.services import newsletters_send_due


@task()
def send_scheduled_newsletters() -> list[int]:
    return newsletters_send_due()
