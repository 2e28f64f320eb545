from django_tasks import task

from maillage.community.services import registrations_purge_past


@task()
def purge_past_registrations() -> int:
    """Delete the registrations of events past their retention period (see services)."""
    return registrations_purge_past()
