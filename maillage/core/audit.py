"""Audit trail: every create, update and delete of a domain record, with actor, time and changed fields.

django-auditlog records the changes (its middleware sets the actor); this module lists the
audited models in one place and reads a record's history for the detail pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model

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
    audit_register({apps.get_model(label): options for label, options in AUDITED.items()})


def audit_register(audited: dict[type[Model], dict[str, Any]]) -> None:
    """Register models in the audit trail, each with its auditlog options (``exclude_fields``,
    ``m2m_fields``): the one way apps do it, from their AppConfig.ready()."""
    for model, options in audited.items():
        if not auditlog.contains(model):
            auditlog.register(model, **options)


@dataclass(frozen=True)
class HistoryLine:
    timestamp: Any
    actor: Any
    action: int
    fields: list[str]


def _label(model: type[Model], name: str) -> str:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    # Reverse relations (e.g. a person's positions) carry their model's plural name.
    return str(getattr(field, "verbose_name", None) or field.related_model._meta.verbose_name_plural)


def history_for(instance: Model, limit: int = 50) -> list[HistoryLine]:
    """The latest changes of a record, with the changed fields' labels, in one query.

    (auditlog's ``changes_display_dict`` would look up related objects per entry.)
    """
    model = type(instance)
    content_type = ContentType.objects.get_for_model(model)
    entries = (
        LogEntry.objects.filter(content_type=content_type, object_pk=str(instance.pk))
        .select_related("actor")
        .order_by("-timestamp")[:limit]
    )
    return [
        HistoryLine(
            entry.timestamp,
            entry.actor,
            entry.action,
            [_label(model, name) for name in entry.changes_dict if name not in ("id", "created_at")],
        )
        for entry in entries
    ]
