"""Background jobs about meetings (add to settings.PERIODIC_JOBS to run daily)."""

from __future__ import annotations

from django_tasks import task

from maillage.meetings.services import upcoming_reminders_send


@task()
def send_meeting_reminders() -> int:
    """Remind members who have not answered the invitations of the sessions of the coming week."""
    return upcoming_reminders_send()
