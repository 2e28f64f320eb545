"""Writes about common topics and cooperations.

Topic counters (``support_count``, ``territory_count``) are recomputed from the rows inside the
transaction that changes them, with the topic row locked, so two organisations declaring their
interest at the same moment never leave a wrong count. Counters are written with ``update()``: they
are not an edit of the record, so they neither bump its version nor clutter its history.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.cooperation.models import (
    TOPIC_TRANSITIONS,
    CommonTopic,
    Cooperation,
    CooperationParticipant,
    Milestone,
    ParticipantRole,
    TopicInterest,
    TopicStatus,
)
from maillage.core.concurrency import save_versioned
from maillage.core.text import normalize
from maillage.organizations.models import Organization

TOPIC_FIELDS = ("title", "description")
COOPERATION_FIELDS = ("title", "description", "objectives", "status", "start_date", "end_date", "owner")
MILESTONE_FIELDS = ("title", "due_date")
# Organisations may declare or withdraw their interest only while the topic is still being considered.
OPEN_STATUSES = (TopicStatus.PROPOSED, TopicStatus.STUDYING, TopicStatus.RETAINED)


def _search_text(title: str) -> str:
    return normalize(title)[:250]


def _lock(topic: CommonTopic) -> CommonTopic:
    return CommonTopic.objects.select_for_update().select_related("proposer").get(pk=topic.pk)


def _status_label(status: str) -> str:
    return str(TopicStatus(status).label)


def _recount(topic: CommonTopic) -> CommonTopic:
    """Recompute the counters from the rows; the caller holds the lock on the topic."""
    organization_ids = {topic.proposer_id} | set(
        TopicInterest.objects.filter(topic_id=topic.pk).values_list("organization_id", flat=True)
    )
    territories = {
        territory
        for territory in Organization.objects.filter(pk__in=organization_ids)
        .annotate(place=Coalesce("territory_id", "commune__territory_id"))
        .values_list("place", flat=True)
        if territory
    }
    topic.support_count = len(organization_ids)
    topic.territory_count = len(territories)
    CommonTopic.objects.filter(pk=topic.pk).update(
        support_count=topic.support_count, territory_count=topic.territory_count
    )
    return topic


# --- Common topics ---------------------------------------------------------------------------


@transaction.atomic
def topic_create(
    *, data: dict[str, Any], proposed_by: Any = None, themes: Iterable[Any] | None = None
) -> CommonTopic:
    """Propose a topic on behalf of an organisation (counted as its first supporter)."""
    topic = CommonTopic(
        proposed_by=proposed_by,
        proposer=data.get("proposer"),
        **{k: v for k, v in data.items() if k in TOPIC_FIELDS},
    )
    if topic.proposer_id is None:
        raise ValidationError({"proposer": _("Choose the organisation that proposes the topic.")})
    topic.search_text = _search_text(topic.title)
    topic.full_clean(exclude=["search_text", "proposed_by", "cooperation"])
    topic.save()
    if themes is not None:
        topic.themes.set(themes)
    return _recount(_lock(topic))


@transaction.atomic
def topic_update(
    *,
    topic: CommonTopic,
    data: dict[str, Any],
    expected_version: int,
    themes: Iterable[Any] | None = None,
) -> CommonTopic:
    """Change the wording and themes of a topic (the proposer and the status have their own paths)."""
    for key, value in data.items():
        if key in TOPIC_FIELDS:
            setattr(topic, key, value)
    topic.search_text = _search_text(topic.title)
    topic.full_clean(exclude=["search_text", "proposed_by", "cooperation"])
    save_versioned(topic, expected_version=expected_version)
    if themes is not None:
        topic.themes.set(themes)
    # The instance carried the counters read before the lock: put the exact ones back.
    return _recount(topic)


@transaction.atomic
def topic_interest_declare(
    *, topic: CommonTopic, organization: Organization, declared_by: Any = None, comment: str = ""
) -> TopicInterest:
    topic = _lock(topic)
    if topic.status not in OPEN_STATUSES:
        raise ValidationError(
            _("This topic is « %(status)s »: interests can no longer be declared.")
            % {"status": topic.get_status_display()}
        )
    if organization.pk == topic.proposer_id:
        raise ValidationError(
            {
                "organization": _("« %(name)s » proposed this topic: its support is already counted.")
                % {"name": organization.name}
            }
        )
    duplicate = _("« %(name)s » has already declared its interest in this topic.") % {
        "name": organization.name
    }
    if TopicInterest.objects.filter(topic=topic, organization=organization).exists():
        raise ValidationError({"organization": duplicate})
    interest = TopicInterest(
        topic=topic, organization=organization, declared_by=declared_by, comment=(comment or "").strip()
    )
    interest.full_clean(exclude=["topic", "organization", "declared_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            interest.save()
    except IntegrityError:
        raise ValidationError({"organization": duplicate}) from None
    _recount(topic)
    return interest


@transaction.atomic
def topic_interest_withdraw(*, topic: CommonTopic, organization: Organization) -> CommonTopic:
    topic = _lock(topic)
    if organization.pk == topic.proposer_id:
        raise ValidationError(
            _("« %(name)s » proposed this topic and cannot withdraw: staff may dismiss the topic instead.")
            % {"name": organization.name}
        )
    if topic.status not in OPEN_STATUSES:
        raise ValidationError(
            _("This topic is « %(status)s »: interests can no longer be withdrawn.")
            % {"status": topic.get_status_display()}
        )
    interests = list(TopicInterest.objects.filter(topic=topic, organization=organization))
    if not interests:
        raise ValidationError(
            _("« %(name)s » had not declared its interest in this topic.") % {"name": organization.name}
        )
    for interest in interests:
        interest.delete()  # one by one, so that the audit trail records each withdrawal
    return _recount(topic)


def _check_transition(topic: CommonTopic, to_status: str) -> None:
    allowed = TOPIC_TRANSITIONS.get(topic.status, set())
    if to_status in allowed:
        return
    current = _status_label(topic.status)
    if to_status not in TopicStatus.values:
        target = to_status or _("(none)")
    else:
        target = _status_label(to_status)
    if not allowed:
        raise ValidationError(
            _("The topic is « %(current)s »: its status can no longer change (asked: « %(target)s »).")
            % {"current": current, "target": target}
        )
    choices = ", ".join(f"« {_status_label(s)} »" for s in TopicStatus.values if s in allowed)
    raise ValidationError(
        _(
            "A topic « %(current)s » cannot become « %(target)s ». From « %(current)s » it may become: "
            "%(allowed)s."
        )
        % {"current": current, "target": target, "allowed": choices}
    )


@transaction.atomic
def topic_transition(*, topic: CommonTopic, to_status: str, reason: str = "") -> CommonTopic:
    """Move a topic along TOPIC_TRANSITIONS; dismissing needs a reason, reopening clears it."""
    topic = _lock(topic)
    _check_transition(topic, to_status)
    if to_status == TopicStatus.CONVERTED:
        raise ValidationError(_("Use « Turn into a cooperation » to convert a retained topic."))
    reason = (reason or "").strip()
    if to_status == TopicStatus.DISMISSED and not reason:
        raise ValidationError({"reason": _("Give the reason why the topic is dismissed.")})
    topic.status = to_status
    topic.dismissal_reason = reason if to_status == TopicStatus.DISMISSED else ""
    topic.save(update_fields=["status", "dismissal_reason", "updated_at"])
    return topic


@transaction.atomic
def topic_convert(*, topic: CommonTopic, owner: Any = None) -> Cooperation:
    """Turn a retained topic into a cooperation: its proposer pilots, its interested organisations partner."""
    topic = _lock(topic)
    if topic.cooperation_id is not None:
        raise ValidationError(_("This topic has already been turned into a cooperation."))
    _check_transition(topic, TopicStatus.CONVERTED)
    cooperation = Cooperation(
        title=topic.title,
        description=topic.description,
        owner=owner,
        search_text=_search_text(topic.title),
    )
    cooperation.full_clean(exclude=["search_text", "owner"])
    cooperation.save()
    cooperation.themes.set(topic.themes.all())
    CooperationParticipant.objects.create(
        cooperation=cooperation, organization_id=topic.proposer_id, role=ParticipantRole.PILOT
    )
    partners = (
        TopicInterest.objects.filter(topic=topic)
        .exclude(organization_id=topic.proposer_id)
        .order_by("created_at", "pk")
        .values_list("organization_id", flat=True)
    )
    for organization_id in partners:
        # One save per row (not bulk_create) so that each participant enters the audit trail.
        CooperationParticipant.objects.create(
            cooperation=cooperation, organization_id=organization_id, role=ParticipantRole.PARTNER
        )
    topic.cooperation = cooperation
    topic.status = TopicStatus.CONVERTED
    topic.save(update_fields=["cooperation", "status", "updated_at"])
    return cooperation


# --- Cooperations ----------------------------------------------------------------------------


@transaction.atomic
def cooperation_create(
    *,
    data: dict[str, Any],
    themes: Iterable[Any] | None = None,
    pilot: Organization | None = None,
) -> Cooperation:
    cooperation = Cooperation(**{k: v for k, v in data.items() if k in COOPERATION_FIELDS})
    cooperation.search_text = _search_text(cooperation.title)
    cooperation.full_clean(exclude=["search_text"])
    cooperation.save()
    if themes is not None:
        cooperation.themes.set(themes)
    if pilot is not None:
        CooperationParticipant.objects.create(
            cooperation=cooperation, organization=pilot, role=ParticipantRole.PILOT
        )
    return cooperation


@transaction.atomic
def cooperation_update(
    *,
    cooperation: Cooperation,
    data: dict[str, Any],
    expected_version: int,
    themes: Iterable[Any] | None = None,
) -> Cooperation:
    """Apply the given fields (a pilot's correspondent sends only the objectives)."""
    for key, value in data.items():
        if key in COOPERATION_FIELDS:
            setattr(cooperation, key, value)
    cooperation.search_text = _search_text(cooperation.title)
    cooperation.full_clean(exclude=["search_text"])
    save_versioned(cooperation, expected_version=expected_version)
    if themes is not None:
        cooperation.themes.set(themes)
    return cooperation


@transaction.atomic
def participant_add(
    *, cooperation: Cooperation, organization: Organization, role: str
) -> CooperationParticipant:
    if CooperationParticipant.objects.filter(
        cooperation=cooperation, organization=organization, role=role
    ).exists():
        raise ValidationError(
            {
                "organization": _("« %(name)s » is already « %(role)s » of this cooperation.")
                % {"name": organization.name, "role": ParticipantRole(role).label}
            }
        )
    participant = CooperationParticipant(cooperation=cooperation, organization=organization, role=role)
    participant.full_clean(exclude=["cooperation", "organization"], validate_constraints=False)
    participant.save()
    return participant


@transaction.atomic
def milestone_add(*, cooperation: Cooperation, data: dict[str, Any]) -> Milestone:
    milestone = Milestone(cooperation=cooperation, **{k: v for k, v in data.items() if k in MILESTONE_FIELDS})
    milestone.full_clean(exclude=["cooperation"])
    milestone.save()
    return milestone


@transaction.atomic
def milestone_complete(*, milestone: Milestone) -> Milestone:
    """Mark a milestone done today (a second click changes nothing)."""
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.done_on is None:
        milestone.done_on = timezone.localdate()
        milestone.save(update_fields=["done_on", "updated_at"])
    return milestone
