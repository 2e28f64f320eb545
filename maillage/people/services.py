"""Writes about people: records, positions, contact history, and the personal-data duties (GDPR)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from maillage.core.concurrency import save_versioned
from maillage.core.text import normalize
from maillage.people import personal_data
from maillage.people.models import Person, Position, PurgeLog

PERSON_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "notes",
    "legal_basis",
    "source",
    "newsletter_consent",
)
POSITION_FIELDS = ("organization", "role", "title", "start_date", "end_date")

# Stored values, not interface text: what an anonymised record shows in place of the name.
ANONYMISED_FIRST_NAME = "Personne"
ANONYMISED_LAST_NAME = "anonymisée"

# Reasons recorded in PurgeLog (msgids; translated when displayed).
REASON_RETENTION = gettext_noop("Retention period exceeded")
REASON_REQUEST = gettext_noop("Erasure requested by the person concerned")


def search_text_for(person: Person) -> str:
    return normalize(" ".join(p for p in (person.first_name, person.last_name, person.email) if p))[:300]


def _apply_consent(person: Person, *, previously: bool) -> None:
    """Consent is dated when given; withdrawing it clears the date."""
    if person.newsletter_consent and not (previously and person.newsletter_consent_at):
        person.newsletter_consent_at = timezone.now()
    elif not person.newsletter_consent:
        person.newsletter_consent_at = None


def _check_position_dates(data: dict[str, Any]) -> None:
    start, end = data.get("start_date"), data.get("end_date")
    if start and end and end < start:
        raise ValidationError({"end_date": _("The end date must come after the start date.")})


def _build_position(person: Person, data: dict[str, Any]) -> Position:
    values = {key: value for key, value in data.items() if key in POSITION_FIELDS}
    _check_position_dates(values)
    position = Position(person=person, **values)
    if not position.organization_id:
        raise ValidationError({"organization": _("Choose the organisation of this position.")})
    position.full_clean(exclude=["person"])
    return position


@transaction.atomic
def person_create(
    *, data: dict[str, Any], position: dict[str, Any], themes: Iterable[Any] | None = None
) -> Person:
    """Create a person and their first position together: both are saved, or neither."""
    person = Person(**{key: value for key, value in data.items() if key in PERSON_FIELDS})
    _apply_consent(person, previously=False)
    person.retention_until = Person.retention_from(person.last_interaction_at)
    person.search_text = search_text_for(person)
    person.full_clean(exclude=["search_text"])
    first = _build_position(person, position)  # validated before anything is written
    person.save()
    first.person = person
    first.save()
    if themes is not None:
        person.themes.set(themes)
    return person


@transaction.atomic
def person_update(
    *,
    person: Person,
    data: dict[str, Any],
    expected_version: int,
    themes: Iterable[Any] | None = None,
) -> Person:
    previously = Person.objects.filter(pk=person.pk).values_list("newsletter_consent", flat=True).first()
    for key, value in data.items():
        if key in PERSON_FIELDS:
            setattr(person, key, value)
    _apply_consent(person, previously=bool(previously))
    person.search_text = search_text_for(person)
    person.full_clean(exclude=["search_text"])
    save_versioned(person, expected_version=expected_version)
    if themes is not None:
        person.themes.set(themes)
    return person


@transaction.atomic
def position_create(*, person: Person, data: dict[str, Any]) -> Position:
    position = _build_position(person, data)
    position.save()
    return position


@transaction.atomic
def person_touch_interaction(*, people: Iterable[Person | int], date: dt.date) -> int:
    """An interaction took place on ``date``: it becomes the people's last interaction if later,
    and their retention period restarts from it. A future date counts as today.
    Returns the number of records changed."""
    date = min(date, timezone.localdate())
    ids = [p.pk if isinstance(p, Person) else p for p in people]
    changed = 0
    candidates = Person.objects.filter(pk__in=ids, anonymized_at__isnull=True).only(
        "pk", "last_interaction_at", "retention_until"
    )
    for person in candidates:
        if person.last_interaction_at and person.last_interaction_at >= date:
            continue
        # Never shorten a retention period already granted (e.g. a record created today about a past meeting).
        retention = max(Person.retention_from(date), person.retention_until)
        changed += Person.objects.filter(pk=person.pk).update(
            last_interaction_at=date, retention_until=retention
        )
    return changed


def _scrub_audit(
    person: Person, *, names: set[str], position_ids: list[int], interaction_ids: list[int]
) -> None:
    """Remove the person's identity from the audit trail: their own entries go, the names they left
    in the entries of their positions and interactions are replaced."""
    person_type = ContentType.objects.get_for_model(Person)
    LogEntry.objects.filter(content_type=person_type, object_pk=str(person.pk)).delete()
    replacement = str(person)
    names = {name for name in names if name.strip()}
    if not names:
        return
    related = []
    if position_ids:
        related.append((ContentType.objects.get_for_model(Position), position_ids))
    if interaction_ids:
        from maillage.interactions.models import Interaction

        related.append((ContentType.objects.get_for_model(Interaction), interaction_ids))
    for content_type, ids in related:
        entries = LogEntry.objects.filter(content_type=content_type, object_pk__in=[str(i) for i in ids])
        for entry in entries:
            changes = json.dumps(entry.changes, ensure_ascii=False) if entry.changes is not None else None
            fields = {
                "object_repr": entry.object_repr,
                "changes_text": entry.changes_text,
                "changes": changes,
            }
            for name in names:
                fields = {
                    k: v.replace(name, replacement) if isinstance(v, str) else v for k, v in fields.items()
                }
            LogEntry.objects.filter(pk=entry.pk).update(
                object_repr=fields["object_repr"],
                changes_text=fields["changes_text"],
                changes=json.loads(fields["changes"]) if fields["changes"] is not None else None,
            )


def _anonymize(person: Person) -> None:
    names = {str(person), f"{person.last_name} {person.first_name}"}
    position_ids = list(person.positions.values_list("pk", flat=True))
    interaction_ids = list(person.interactions.values_list("pk", flat=True))
    # Other apps' data first: they find it by the e-mail address and the name, erased below.
    for provider in personal_data.providers():
        provider.erase(person)
    with disable_auditlog():
        person.interactions.clear()
        person.themes.clear()
        person.first_name = ANONYMISED_FIRST_NAME
        person.last_name = ANONYMISED_LAST_NAME
        person.email = ""
        person.phone = ""
        person.notes = ""
        person.source = ""
        person.search_text = ""
        person.newsletter_consent = False
        person.newsletter_consent_at = None
        person.anonymized_at = timezone.now()
        person.version += 1
        person.save()
    # Positions keep their organisation, role and dates: they feed statistics and name nobody.
    _scrub_audit(person, names=names, position_ids=position_ids, interaction_ids=interaction_ids)
    _scrub_free_text(names=names, interaction_ids=interaction_ids)


def _scrub_free_text(*, names: set[str], interaction_ids: list[int]) -> None:
    """Replace the person's name where agents typed it: interaction subjects, notes, follow-up actions."""
    from maillage.interactions.models import FollowUpAction, Interaction

    placeholder = f"[{ANONYMISED_LAST_NAME.lower()}]"

    def scrub(text: str) -> str:
        for name in names:
            text = re.sub(re.escape(name), placeholder, text, flags=re.IGNORECASE)
        return text

    with disable_auditlog():
        for interaction in Interaction.objects.filter(pk__in=interaction_ids):
            subject, notes = scrub(interaction.subject), scrub(interaction.notes)
            if (subject, notes) != (interaction.subject, interaction.notes):
                Interaction.objects.filter(pk=interaction.pk).update(subject=subject, notes=notes)
        for action in FollowUpAction.objects.filter(interaction_id__in=interaction_ids):
            description = scrub(action.description)
            if description != action.description:
                FollowUpAction.objects.filter(pk=action.pk).update(description=description)


@transaction.atomic
def person_anonymize(*, person: Person, reason: str) -> PurgeLog:
    """Erase a person's identity and contact data for good (right to erasure)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.anonymized_at is not None:
        raise ValidationError(_("This record has already been anonymised."))
    _anonymize(person)
    return PurgeLog.objects.create(anonymized_count=1, person_ids=[person.pk], reason=reason[:200])


@transaction.atomic
def people_purge_expired(*, today: dt.date | None = None) -> PurgeLog | None:
    """Anonymise everyone whose retention period has ended; one PurgeLog row per run that changed something."""
    today = today or timezone.localdate()
    expired = list(
        Person.objects.select_for_update()
        .filter(anonymized_at__isnull=True, retention_until__lt=today)
        .order_by("pk")
    )
    if not expired:
        return None
    for person in expired:
        _anonymize(person)
    return PurgeLog.objects.create(
        anonymized_count=len(expired), person_ids=[p.pk for p in expired], reason=REASON_RETENTION
    )


def person_export(*, person: Person) -> dict[str, Any]:
    """Everything held about a person (right of access): identity, contact, GDPR data, positions,
    interactions they took part in, and the audit trail of their record."""
    from maillage.interactions.models import Interaction

    positions = list(person.positions.select_related("organization").order_by("start_date", "pk"))
    interactions = (
        Interaction.objects.filter(people=person)
        .select_related("author")
        .prefetch_related("organizations", "themes", "actions__owner")
        .order_by("date", "pk")
    )
    history = (
        (
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Person), object_pk=str(person.pk)
            )
            | LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Position),
                object_pk__in=[str(p.pk) for p in positions],
            )
        )
        .select_related("actor", "content_type")
        .order_by("timestamp", "pk")
    )
    return {
        "exported_at": timezone.now(),
        "identity": {
            "id": person.pk,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "created_at": person.created_at,
            "updated_at": person.updated_at,
        },
        "contact": {"email": person.email, "phone": person.phone},
        "notes": person.notes,
        "themes": [str(theme) for theme in person.themes.all()],
        "personal_data": {
            "legal_basis": person.legal_basis,
            "legal_basis_label": str(person.get_legal_basis_display()),
            "source": person.source,
            "newsletter_consent": person.newsletter_consent,
            "newsletter_consent_at": person.newsletter_consent_at,
            "last_interaction_at": person.last_interaction_at,
            "retention_until": person.retention_until,
            "anonymized_at": person.anonymized_at,
        },
        "positions": [
            {
                "organization_id": p.organization_id,
                "organization": p.organization.name,
                "role": p.role,
                "role_label": str(p.get_role_display()),
                "title": p.title,
                "start_date": p.start_date,
                "end_date": p.end_date,
            }
            for p in positions
        ],
        "interactions": [
            {
                "id": i.pk,
                "date": i.date,
                "kind": i.kind,
                "subject": i.subject,
                "notes": i.notes,
                "organizations": [o.name for o in i.organizations.all()],
                "themes": [str(t) for t in i.themes.all()],
                "author": str(i.author) if i.author else None,
                "follow_up_actions": [
                    {
                        "description": a.description,
                        "owner": str(a.owner),
                        "due_date": a.due_date,
                        "done_at": a.done_at,
                    }
                    for a in i.actions.all()
                ],
            }
            for i in interactions
        ],
        "history": [
            {
                "timestamp": entry.timestamp,
                "record": entry.content_type.model,
                "record_id": entry.object_pk,
                "action": entry.get_action_display(),
                "actor": str(entry.actor) if entry.actor else None,
                "changes": entry.changes,
            }
            for entry in history
        ],
        # Data other apps hold about the person (see people/personal_data.py).
        **{provider.key: provider.export(person) for provider in personal_data.providers()},
    }
