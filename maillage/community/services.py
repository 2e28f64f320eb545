"""Writes of the community app.

Profiles
    ``profile_create`` requires the consent (``consent_given=True``) and records when, how and by whom
    it was given. ``profile_withdraw`` deletes the profile: there is nothing left to hide or keep.
    Skills are entered as free text and de-duplicated on their normalised form (``skills_from_text``).

Events and registrations
    ``registration_create`` takes a name, an e-mail and an explicit consent. Over the capacity the
    registration goes to the waiting list; the same e-mail twice for an event is refused with a
    French message. The confirmation e-mail goes through the outbox, in the transaction, with a
    signed cancellation link. Cancelling a confirmed seat promotes the first person of the waiting
    list, who gets an e-mail; a larger capacity promotes too, a smaller one never demotes anyone already
    confirmed. Registrations are personal data: ``registrations_purge_past`` deletes
    them REGISTRATION_RETENTION_DAYS after the event, keeping two counters on the event.

Resources
    The optional file is checked (extension, signature, size) before anything is written; the file is
    stored in the transaction that records the row and removed again if that transaction fails.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from maillage.community.models import (
    ConsentMethod,
    Event,
    MemberProfile,
    Registration,
    RegistrationStatus,
    Resource,
    Skill,
)
from maillage.community.tokens import cancel_token, new_token
from maillage.core import uploads
from maillage.core.concurrency import save_versioned
from maillage.core.links import absolute_url
from maillage.core.text import normalize
from maillage.outbox.services import message_enqueue
from maillage.people.models import Person

logger = logging.getLogger(__name__)

CATEGORY = "community"
PROFILE_FIELDS = ("organization", "job_title", "bio", "show_email")
EVENT_FIELDS = (
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "place",
    "video_url",
    "capacity",
    "description",
    "is_public",
    "registration_open",
    "organizer",
)
RESOURCE_FIELDS = ("title", "summary", "body", "licence", "author_organization", "solution", "is_public")
MAX_SKILLS = 20
# Registrations are kept this long after the event (statistics survive as counters on the event).
REGISTRATION_RETENTION_DAYS = int(getattr(settings, "COMMUNITY_REGISTRATION_RETENTION_DAYS", 180))
RESOURCE_MAX_BYTES = 10 * 1024 * 1024
RESOURCE_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


# --- Skills and profiles -------------------------------------------------------------------------


def skill_names(text: str) -> list[str]:
    """Split a free entry on commas, semicolons and new lines; keep the first spelling of each skill."""
    seen: dict[str, str] = {}
    for raw in text.replace(";", ",").replace("\n", ",").split(","):
        name = " ".join(raw.split())[:80]
        key = normalize(name)[:80]
        if key and key not in seen:
            seen[key] = name
    return list(seen.values())


def skills_from_text(text: str) -> list[Skill]:
    """The Skill rows for a free entry, created when new (a concurrent creation is tolerated)."""
    names = skill_names(text or "")
    if len(names) > MAX_SKILLS:
        raise ValidationError(
            {
                "skills": _("Give %(max)s skills at most (you gave %(count)s).")
                % {"max": MAX_SKILLS, "count": len(names)}
            }
        )
    skills = []
    for name in names:
        key = normalize(name)[:80]
        skill = Skill.objects.filter(normalized=key).first()
        if skill is None:
            try:
                with transaction.atomic():
                    skill = Skill.objects.create(name=name, normalized=key)
            except IntegrityError:
                skill = Skill.objects.get(normalized=key)
        skills.append(skill)
    return skills


def _profile_search_text(profile: MemberProfile, skills: Iterable[Skill]) -> str:
    parts = [
        profile.person.first_name,
        profile.person.last_name,
        profile.job_title,
        profile.organization.name if profile.organization_id else "",
        " ".join(skill.name for skill in skills),
        profile.bio,
    ]
    return normalize(" ".join(p for p in parts if p))[:1000]


def _check_person(person: Person) -> None:
    if person.anonymized_at is not None:
        raise ValidationError({"person": _("This record has been anonymised: it cannot have a profile.")})


@transaction.atomic
def profile_create(
    *,
    person: Person,
    data: dict[str, Any],
    consent_given: bool,
    consent_method: str,
    consent_note: str = "",
    recorded_by: Any = None,
    skills: Iterable[Skill] = (),
    interests: Iterable[Any] = (),
    projects: Iterable[Any] = (),
) -> MemberProfile:
    """Open a profile in the community directory: only with the person's recorded consent."""
    if not consent_given:
        raise ValidationError(
            {
                "consent": _(
                    "A profile is published only with the person's consent: tick the box to confirm it was given."
                )
            }
        )
    _check_person(person)
    if MemberProfile.objects.filter(person=person).exists():
        raise ValidationError({"person": _("« %(name)s » already has a profile.") % {"name": person}})
    consent_note = (consent_note or "").strip()
    if consent_method == ConsentMethod.RECORDED and not consent_note:
        raise ValidationError(
            {
                "consent_note": _(
                    "Say how the person gave their consent, for example « e-mail of 12 March 2026 »."
                )
            }
        )
    profile = MemberProfile(
        person=person,
        consent_at=timezone.now(),
        consent_method=consent_method,
        consent_note=consent_note,
        consent_recorded_by=recorded_by if getattr(recorded_by, "is_authenticated", False) else None,
        **{k: v for k, v in data.items() if k in PROFILE_FIELDS},
    )
    skills = list(skills)
    profile.search_text = _profile_search_text(profile, skills)
    profile.full_clean(exclude=["search_text", "consent_recorded_by"])
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:
        raise ValidationError(
            {"person": _("« %(name)s » already has a profile.") % {"name": person}}
        ) from None
    profile.skills.set(skills)
    profile.interests.set(list(interests))
    profile.projects.set(list(projects))
    return profile


@transaction.atomic
def profile_update(
    *,
    profile: MemberProfile,
    data: dict[str, Any],
    expected_version: int,
    skills: Iterable[Skill] | None = None,
    interests: Iterable[Any] | None = None,
    projects: Iterable[Any] | None = None,
) -> MemberProfile:
    for key, value in data.items():
        if key in PROFILE_FIELDS:
            setattr(profile, key, value)
    skills = list(skills) if skills is not None else list(profile.skills.all())
    profile.search_text = _profile_search_text(profile, skills)
    profile.full_clean(exclude=["search_text", "consent_recorded_by"])
    save_versioned(profile, expected_version=expected_version)
    profile.skills.set(skills)
    if interests is not None:
        profile.interests.set(list(interests))
    if projects is not None:
        profile.projects.set(list(projects))
    return profile


def _delete_profiles(profiles: Any) -> None:
    """Delete profiles and their audit trail: a withdrawn profile leaves no copy of its content."""
    ids = [str(pk) for pk in profiles.values_list("pk", flat=True)]
    if not ids:
        return
    content_type = ContentType.objects.get_for_model(MemberProfile)
    with disable_auditlog():
        profiles.delete()
    LogEntry.objects.filter(content_type=content_type, object_pk__in=ids).delete()


@transaction.atomic
def profile_withdraw(*, profile: MemberProfile) -> None:
    """Consent withdrawn: the profile and its history are deleted (the directory record is untouched)."""
    _delete_profiles(MemberProfile.objects.filter(pk=profile.pk))


# --- Events --------------------------------------------------------------------------------------


def _check_event(event: Event) -> None:
    if event.ends_at and event.starts_at and event.ends_at < event.starts_at:
        raise ValidationError({"ends_at": _("The end must come after the start.")})
    if not (event.place or "").strip() and not (event.video_url or "").strip():
        raise ValidationError({"place": _("Give a place or a video link.")})


@transaction.atomic
def event_create(*, data: dict[str, Any], created_by: Any = None, themes: Iterable[Any] = ()) -> Event:
    event = Event(
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
        **{k: v for k, v in data.items() if k in EVENT_FIELDS},
    )
    _check_event(event)
    event.full_clean(exclude=["created_by"])
    event.save()
    event.themes.set(list(themes))
    return event


@transaction.atomic
def event_update(
    *, event: Event, data: dict[str, Any], expected_version: int, themes: Iterable[Any] | None = None
) -> Event:
    for key, value in data.items():
        if key in EVENT_FIELDS:
            setattr(event, key, value)
    _check_event(event)
    event.full_clean(exclude=["created_by"])
    save_versioned(event, expected_version=expected_version)
    if themes is not None:
        event.themes.set(list(themes))
    # A larger capacity opens seats to the waiting list.
    _promote_waiting(Event.objects.select_for_update().get(pk=event.pk))
    return event


def _confirmed_count(event: Event) -> int:
    return Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED).count()


def _event_when(event: Event) -> str:
    local = timezone.localtime(event.starts_at)
    return local.strftime("%d/%m/%Y %H:%M")


def _send_registration_mail(registration: Registration, *, kind: str) -> None:
    event = registration.event
    link = absolute_url(
        reverse("community:registration_cancel", kwargs={"token": cancel_token(registration)})
    )
    context = {
        "registration": registration,
        "event": event,
        "when": _event_when(event),
        "link": link,
        "kind": kind,
        "event_url": absolute_url(reverse("community:event_detail", kwargs={"pk": event.pk})),
    }
    subjects = {
        "confirmed": _("Registration confirmed: %(title)s"),
        "waiting": _("Waiting list: %(title)s"),
        "promoted": _("A seat is free for you: %(title)s"),
    }
    message_enqueue(
        to=registration.email,
        subject=subjects[kind] % {"title": event.title},
        body_text=render_to_string("community/email/registration.txt", context),
        category=CATEGORY,
        dedupe_key=f"community:registration:{registration.pk}:{kind}",
    )


def _duplicate_message(email: str) -> str:
    return _(
        "The address %(email)s is already registered for this event. To cancel, use the link in the e-mail you received."
    ) % {"email": email}


@transaction.atomic
def registration_create(
    *, event: Event, name: str, email: str, consent: bool, organization_name: str = ""
) -> Registration:
    """Register someone for an event: confirmed while seats remain, otherwise on the waiting list."""
    event = Event.objects.select_for_update().get(pk=event.pk)  # serialises the seat count
    name = " ".join((name or "").split())
    email = (email or "").strip().lower()
    if not consent:
        raise ValidationError(
            {"consent": _("Tick the box to accept that your name and e-mail are kept to organise the event.")}
        )
    if event.starts_at <= timezone.now():
        raise ValidationError(_("This event has already started: registrations are closed."))
    if not event.registration_open:
        raise ValidationError(_("Registrations for this event are closed."))
    if (
        Registration.objects.filter(event=event, email__iexact=email)
        .exclude(status=RegistrationStatus.CANCELLED)
        .exists()
    ):
        raise ValidationError({"email": _duplicate_message(email)})
    full = event.capacity is not None and _confirmed_count(event) >= event.capacity
    person = (
        Person.objects.filter(email__iexact=email, anonymized_at__isnull=True).order_by("pk").first()
        if email
        else None
    )
    registration = Registration(
        event=event,
        name=name,
        email=email,
        organization_name=(organization_name or "").strip(),
        status=RegistrationStatus.WAITING if full else RegistrationStatus.CONFIRMED,
        consent_at=timezone.now(),
        person=person,
        token=new_token(),
    )
    registration.full_clean(exclude=["event", "person", "token"], validate_constraints=False)
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        raise ValidationError({"email": _duplicate_message(email)}) from None
    _send_registration_mail(registration, kind=registration.status)
    return registration


def _promote_waiting(event: Event) -> list[Registration]:
    """Fill the free seats from the waiting list, first come first served; the caller holds the lock."""
    if event.starts_at <= timezone.now():
        return []
    waiting = Registration.objects.filter(event=event, status=RegistrationStatus.WAITING).order_by(
        "created_at", "pk"
    )
    if event.capacity is not None:
        free = event.capacity - _confirmed_count(event)
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = list(waiting)
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED
        registration.save(update_fields=["status", "updated_at"])
        registration.event = event
        _send_registration_mail(registration, kind="promoted")
    return promoted


@transaction.atomic
def registration_cancel(*, registration: Registration) -> Registration:
    """Cancel from the e-mail link (or by staff); promotes the first of the waiting list."""
    event = Event.objects.select_for_update().get(pk=registration.event_id)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError(_("This registration was already cancelled."))
    if event.starts_at <= timezone.now():
        raise ValidationError(
            _("The event has already started: the registration can no longer be cancelled.")
        )
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at", "updated_at"])
    _promote_waiting(event)
    registration.event = event
    return registration


@transaction.atomic
def attendance_record(*, event: Event, present_ids: Iterable[int]) -> int:
    """Tick who came among the confirmed registrations; everyone else confirmed is marked absent.

    Identifiers that are not confirmed registrations of this event are refused (nothing is saved).
    Returns the number of people present."""
    registrations = {
        r.pk: r
        for r in Registration.objects.select_for_update().filter(
            event=event, status=RegistrationStatus.CONFIRMED
        )
    }
    present = set(present_ids)
    unknown = present - set(registrations)
    if unknown:
        raise ValidationError(
            _("Some ticked people are not confirmed registrations of this event: reload the page.")
        )
    if timezone.localdate(event.starts_at) > timezone.localdate() + dt.timedelta(days=1):
        raise ValidationError(_("Attendance is taken on the day of the event, not before."))
    for pk, registration in registrations.items():
        attended = pk in present
        if registration.attended != attended:
            Registration.objects.filter(pk=pk).update(attended=attended, updated_at=timezone.now())
    return len(present)


@transaction.atomic
def registrations_purge_past(*, today: dt.date | None = None) -> int:
    """Delete the registrations of events that started more than REGISTRATION_RETENTION_DAYS ago;
    their numbers are added to the event's counters. Returns how many were deleted."""
    today = today or timezone.localdate()
    limit = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=REGISTRATION_RETENTION_DAYS), dt.time())
    )
    events = (
        Event.objects.select_for_update()
        .filter(starts_at__lt=limit)
        .filter(Exists(Registration.objects.filter(event=OuterRef("pk"))))
        .order_by("pk")
    )
    deleted = 0
    for event in events:
        counts = Registration.objects.filter(event=event).aggregate(
            confirmed=Count("pk", filter=Q(status=RegistrationStatus.CONFIRMED)),
            attended=Count("pk", filter=Q(attended=True)),
        )
        Event.objects.filter(pk=event.pk).update(
            purged_registrations=event.purged_registrations + counts["confirmed"],
            purged_attendance=event.purged_attendance + counts["attended"],
        )
        deleted += Registration.objects.filter(event=event).delete()[0]
    if deleted:
        logger.info("Community: %s past registrations purged", deleted)
    return deleted


# --- Resources -----------------------------------------------------------------------------------


RESOURCE_EXTENSIONS = ("pdf", "odt", "docx")


def accepted_file_text() -> str:
    return uploads.accepted_types_text(extensions=RESOURCE_EXTENSIONS, max_bytes=RESOURCE_MAX_BYTES)


def resource_file_check(upload: File) -> str:
    """The safe original name of an acceptable file, or a ValidationError on ``file`` (the checks every
    upload of the product goes through: type, size, content matching the extension)."""
    filename = Path(str(upload.name or "")).name.strip()[-200:] or "document"
    uploads.upload_check(
        upload, filename=filename, max_bytes=RESOURCE_MAX_BYTES, extensions=RESOURCE_EXTENSIONS
    )
    return filename


def _resource_search_text(resource: Resource) -> str:
    parts = [
        resource.title,
        resource.summary,
        resource.author_organization.name if resource.author_organization_id else "",
    ]
    return normalize(" ".join(p for p in parts if p))[:800]


def _store_file(resource: Resource, upload: File | None) -> str:
    """Check and store the new file (before the row is saved); return its storage name."""
    if upload is None:
        return ""
    resource.filename = resource_file_check(upload)
    safe = get_valid_filename(Path(resource.filename).stem.replace(".", "_"))[:40] or "fiche"
    upload.seek(0)
    resource.file.save(f"{safe}.{uploads.extension_of(resource.filename)}", upload, save=False)
    return resource.file.name


def _discard(name: str) -> None:
    if not name:
        return
    storage = Resource._meta.get_field("file").storage
    try:
        storage.delete(name)
    except OSError:
        logger.warning("Could not delete the resource file %s", name)


def resource_create(
    *, data: dict[str, Any], created_by: Any = None, themes: Iterable[Any] = (), upload: File | None = None
) -> Resource:
    """Record a resource and its optional file: both are saved, or neither (the file is removed if the
    transaction fails)."""
    resource = Resource(
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
        **{k: v for k, v in data.items() if k in RESOURCE_FIELDS},
    )
    resource.search_text = _resource_search_text(resource)
    resource.full_clean(exclude=["search_text", "created_by", "file"])
    stored = ""
    try:
        with transaction.atomic():
            stored = _store_file(resource, upload)
            resource.save()
            resource.themes.set(list(themes))
    except BaseException:
        _discard(stored)
        raise
    return resource


def resource_update(
    *,
    resource: Resource,
    data: dict[str, Any],
    expected_version: int,
    themes: Iterable[Any] | None = None,
    upload: File | None = None,
    remove_file: bool = False,
) -> Resource:
    """Change a resource; a new file replaces the old one, which is deleted once the change is committed."""
    for key, value in data.items():
        if key in RESOURCE_FIELDS:
            setattr(resource, key, value)
    resource.search_text = _resource_search_text(resource)
    resource.full_clean(exclude=["search_text", "created_by", "file"])
    previous = resource.file.name if resource.file else ""
    stored = ""
    try:
        with transaction.atomic():
            if remove_file and upload is None:
                resource.file = ""
                resource.filename = ""
            stored = _store_file(resource, upload)
            save_versioned(resource, expected_version=expected_version)
            if themes is not None:
                resource.themes.set(list(themes))
            if previous and (stored or remove_file):
                transaction.on_commit(lambda: _discard(previous))
    except BaseException:
        _discard(stored)
        raise
    return resource


@transaction.atomic
def resource_delete(*, resource: Resource) -> None:
    name = resource.file.name if resource.file else ""
    resource.delete()
    transaction.on_commit(lambda: _discard(name))


# --- Personal data (registered in apps.ready with people.personal_data) --------------------------


def personal_data_export(person: Person) -> dict[str, Any]:
    profile = (
        MemberProfile.objects.filter(person=person)
        .select_related("organization", "consent_recorded_by")
        .prefetch_related("skills", "interests", "projects")
        .first()
    )
    registrations = (
        Registration.objects.filter(
            Q(person=person) | (Q(email__iexact=person.email) if person.email else Q(pk__in=[]))
        )
        .select_related("event")
        .order_by("created_at", "pk")
    )
    return {
        "profile": None
        if profile is None
        else {
            "organization": profile.organization.name if profile.organization_id else None,
            "job_title": profile.job_title,
            "bio": profile.bio,
            "skills": [skill.name for skill in profile.skills.all()],
            "interests": [str(theme) for theme in profile.interests.all()],
            "projects": [solution.title for solution in profile.projects.all()],
            "show_email": profile.show_email,
            "consent_at": profile.consent_at,
            "consent_method": profile.consent_method,
            "consent_note": profile.consent_note,
            "consent_recorded_by": str(profile.consent_recorded_by) if profile.consent_recorded_by else None,
            "created_at": profile.created_at,
            "updated_at": profile.updated_at,
        },
        "event_registrations": [
            {
                "event": r.event.title,
                "event_starts_at": r.event.starts_at,
                "name": r.name,
                "email": r.email,
                "organization": r.organization_name,
                "status": r.status,
                "consent_at": r.consent_at,
                "attended": r.attended,
                "registered_at": r.created_at,
                "cancelled_at": r.cancelled_at,
            }
            for r in registrations
        ],
    }


def personal_data_erase(person: Person) -> None:
    """Right to erasure: the profile and the registrations linked to the record are deleted.
    (The person's e-mail is already cleared when this runs, hence the stored link.)"""
    _delete_profiles(MemberProfile.objects.filter(person=person))
    Registration.objects.filter(person=person).delete()
