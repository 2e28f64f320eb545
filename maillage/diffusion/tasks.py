"""Background jobs of diffusion: one newsletter sent now, the scheduled ones, the purge."""

from __future__ import annotations

from django_tasks import task

from maillage.diffusion import services
from maillage.diffusion.models import Newsletter


@task()
def send_scheduled_newsletters() -> list[int]:
    return services.newsletters_send_due()


@task()
def send_newsletter(newsletter_id: int) -> int:
    """Queue one message per recipient in the outbox (the outbox sender delivers them)."""
    newsletter = Newsletter.objects.filter(pk=newsletter_id).first()
    if newsletter is None:
        return 0
    return services.newsletter_send(newsletter=newsletter)


@task()
def purge_subscribers() -> int:
    return services.subscribers_purge()
