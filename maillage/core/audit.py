"""Audit trail: every create, update and delete of a domain record, with actor, time and changed fields.

django-auditlog records the changes (its middleware sets the actor); this module lists the
audited models in one place and reads a record's history for the detail pages.
"""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

AUDITED: dict[str, dict[str, Any]] = {
    "organizations.Organization": {
        "exclude_fields": ["search_text", "version", "updated_at"],
        "m2m_fields": {"themes"},
    },
    "organizations.OrganizationMembership": {"exclude_fields": ["updated_at"]},
    "people.Person": {"exclude_fields": ["search_text", "version", "updated_at"], "m2m_fields": {"themes"}},
    "people.Position": {"exclude_fields": ["updated_at"]},
    "interactions.Interaction": {
        "exclude_fields": ["version", "updated_at"],
        "m2m_fields": {"organizations", "people", "themes"},
    },
    "interactions.FollowUpAction": {"exclude_fields": ["updated_at"]},
    "accounts.User": {"include_fields": ["username", "email", "role", "organization", "is_active"]},
}


def register_models() -> None:
    for label, options in AUDITED.items():
        model = apps.get_model(label)
        if not auditlog.contains(model):
            auditlog.register(model, **options)


def history_for(instance: Model, limit: int = 50) -> QuerySet[LogEntry]:
    content_type = ContentType.objects.get_for_model(type(instance))
    return (
        LogEntry.objects.filter(content_type=content_type, object_pk=str(instance.pk))
        .select_related("actor")
        .order_by("-timestamp")[:limit]
    )
