"""Builders for the community app's tests: objects are made through the services, so they are valid."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from maillage.community import services
from maillage.community.models import ConsentMethod, Event, EventKind, Licence, MemberProfile, Resource
from maillage.people.models import Person, PositionRole
from tests.factories import PositionFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf_upload(name: str = "retour-experience.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def odt_upload(name: str = "fiche.odt") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/vnd.oasis.opendocument.text")


def member(organization: Any, **person: Any) -> Person:
    """A person holding a current position in ``organization``."""
    return PositionFactory(
        organization=organization,
        role=PositionRole.INNOVATION_LEAD,
        person__email=person.pop("email", None) or f"membre{Person.objects.count() + 1}@example.org",
        **{f"person__{k}": v for k, v in person.items()},
    ).person


def make_profile(
    person: Person, *, organization: Any = None, skills: str = "", recorded_by: Any = None, **data: Any
) -> MemberProfile:
    return services.profile_create(
        person=person,
        data={"organization": organization, **data},
        consent_given=True,
        consent_method=ConsentMethod.RECORDED,
        consent_note="Courriel du 3 mars 2026 (test)",
        recorded_by=recorded_by,
        skills=services.skills_from_text(skills),
    )


def make_event(*, days: int = 10, capacity: int | None = None, is_public: bool = True, **data: Any) -> Event:
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
    return services.event_create(
        data={
            "title": data.pop("title", "Atelier design de services"),
            "kind": data.pop("kind", EventKind.WORKSHOP),
            "starts_at": starts,
            "place": data.pop("place", "Hôtel de la Métropole, Paris"),
            "capacity": capacity,
            "is_public": is_public,
            **data,
        }
    )


def past_event(*, days_ago: int = 3, **data: Any) -> Event:
    """An event in the past (created in the future, then moved: the service refuses nothing here)."""
    event = make_event(**data)
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - dt.timedelta(days=days_ago))
    event.refresh_from_db()
    return event


def make_resource(
    *, organization: Any = None, upload: Any = None, is_public: bool = True, **data: Any
) -> Resource:
    return services.resource_create(
        data={
            "title": data.pop("title", "Retour d'expérience : budget participatif"),
            "summary": data.pop("summary", "Ce que nous avons appris."),
            "licence": data.pop("licence", Licence.ETALAB_2),
            "author_organization": organization,
            "is_public": is_public,
            **data,
        },
        upload=upload,
    )
