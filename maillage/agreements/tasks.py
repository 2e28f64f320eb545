"""Background jobs about conventions (add them to settings.PERIODIC_JOBS to run them daily)."""

from __future__ import annotations

from django_tasks import task

from maillage.agreements.alerts import deadline_alerts_send


@task()
def send_deadline_alerts() -> int:
    """E-mail today's deadline alerts (each once); returns how many alerts were sent."""
    return deadline_alerts_send().sent_alerts
