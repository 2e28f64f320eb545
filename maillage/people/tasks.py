"""Background jobs about people (wired into the scheduler by core)."""

from __future__ import annotations

from django_tasks import task

from maillage.people.services import people_purge_expired


@task()
def purge_expired_people() -> int:
    """Anonymise the people whose retention period has ended; returns how many were anonymised."""
    log = people_purge_expired()
    return log.anonymized_count if log else 0
