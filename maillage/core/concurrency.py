"""Optimistic locking: the second of two concurrent saves is refused, never silently applied."""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from maillage.core.models import Versioned

V = TypeVar("V", bound=Versioned)


class ConcurrentEditError(ValidationError):
    """A validation error without a field: views show it where they show any error of a service
    (``core.forms.add_service_errors``, or their messages), with no handling of their own."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else saved this record while you were editing it. Your changes were not saved: "
                "reload the page to see the current version, then apply your changes again."
            ),
            code="concurrent_edit",
        )

    def __str__(self) -> str:
        return str(self.message)


@transaction.atomic
def save_versioned(instance: V, *, expected_version: int) -> V:
    """Save ``instance`` if the stored row still has ``expected_version``; bump the version."""
    current = (
        type(instance).objects.select_for_update().filter(pk=instance.pk).values_list("version", flat=True)
    )
    stored = current.first()
    if stored is None or stored != expected_version:
        raise ConcurrentEditError()
    instance.version = stored + 1
    instance.save()
    return instance
