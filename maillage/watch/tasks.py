"""Background job fetching the due watch sources (wired in settings.PERIODIC_JOBS)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django_tasks import task

from maillage.watch.services import sources_fetch_due


@task()
def fetch_due_sources() -> dict[str, int]:
    # Error messages stored on the sources are in the interface language.
    with translation.override(settings.LANGUAGE_CODE):
        return sources_fetch_due()
