"""Writes about interactions: logging a contact, editing it, and its follow-up actions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.core.concurrency import save_versioned
from maillage.interactions.models import FollowUpAction, Interaction
from maillage.people.services import person_touch_interaction

EDITABLE_FIELDS = ("kind", "date", "subject", "notes")
ACTION_FIELDS = ("description", "owner", "due_date")


def _build_actions(
    interaction: Interaction, actions: Iterable[dict[str, Any]] | None
) -> list[FollowUpAction]:
    built = []
    for data in actions or []:
        action = FollowUpAction(
            interaction=interaction, **{k: v for k, v in data.items() if k in ACTION_FIELDS}
        )
        action.full_clean(exclude=["interaction"])
        built.append(action)
    return built


def _check_relations(data: dict[str, Any]) -> None:
    if not data.get("organizations"):
        raise ValidationError({"organizations": _("Choose at least one organisation involved.")})


def _set_relations(interaction: Interaction, data: dict[str, Any]) -> None:
    interaction.organizations.set(data["organizations"])
    if "people" in data:
        interaction.people.set(data["people"] or [])
    if "themes" in data:
        interaction.themes.set(data["themes"] or [])


@transaction.atomic
def interaction_create(
    *, author: Any, data: dict[str, Any], actions: Iterable[dict[str, Any]] | None = None
) -> Interaction:
    """Log an interaction with its organisations, people, themes and follow-up actions, all or nothing."""
    interaction = Interaction(author=author, **{k: v for k, v in data.items() if k in EDITABLE_FIELDS})
    interaction.full_clean(exclude=["author"])
    _check_relations(data)
    follow_ups = _build_actions(interaction, actions)
    interaction.save()
    _set_relations(interaction, data)
    for action in follow_ups:
        action.interaction = interaction
        action.save()
    people = list(data.get("people") or [])
    if people:
        person_touch_interaction(people=people, date=interaction.date)
    return interaction


@transaction.atomic
def interaction_update(
    *,
    interaction: Interaction,
    data: dict[str, Any],
    expected_version: int,
    actions: Iterable[dict[str, Any]] | None = None,
) -> Interaction:
    for key, value in data.items():
        if key in EDITABLE_FIELDS:
            setattr(interaction, key, value)
    interaction.full_clean(exclude=["author"])
    _check_relations(data)
    follow_ups = _build_actions(interaction, actions)
    save_versioned(interaction, expected_version=expected_version)
    _set_relations(interaction, data)
    for action in follow_ups:
        action.save()
    people = list(interaction.people.all())
    if people:
        person_touch_interaction(people=people, date=interaction.date)
    return interaction


@transaction.atomic
def action_complete(*, action: FollowUpAction) -> FollowUpAction:
    """Mark a follow-up action done (a second click changes nothing)."""
    action = FollowUpAction.objects.select_for_update().get(pk=action.pk)
    if action.done_at is None:
        action.done_at = timezone.now()
        action.save(update_fields=["done_at", "updated_at"])
    return action
