"""Access-matrix targets of the documents of conventions and of the deadlines (see test_access_matrix).

Own: a convention Montreuil (camille's organisation) is party to; other: one Vincennes is party to.
Neither is public, so a correspondent sees only their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from maillage.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    CalendarToken,
    Commitment,
    DocumentVersion,
    Obligation,
    ObligationKind,
    PartyRole,
)

PDF = b"%PDF-1.4\n% access matrix\n%%EOF\n"
STORED_NAME = "tests/access-matrix/convention.pdf"
TAMPERED_TOKEN = "x" * 43

HIDDEN, ALLOWED, LOGIN = "hidden (404)", "allowed", "login"


def _agreement(reference: str, organization, owner) -> Agreement:
    today = timezone.localdate()
    agreement = Agreement.objects.create(
        reference=reference,
        title=f"Convention de test {reference}",
        purpose="Coopération de test pour la matrice d'accès.",
        kind=AgreementKind.objects.order_by("pk").first(),
        owner=owner,
        status=AgreementStatus.IN_FORCE,
        effective_on=today - dt.timedelta(days=300),
        expires_on=today + dt.timedelta(days=40),
        tacit_renewal=True,
        notice_days=30,
    )
    party = AgreementParty.objects.create(
        agreement=agreement, organization=organization, role=PartyRole.SIGNATORY
    )
    Commitment.objects.create(agreement=agreement, party=party, year=today.year, amount=10_000)
    return agreement


def _document(agreement: Agreement, user) -> tuple[AgreementDocument, DocumentVersion]:
    if not default_storage.exists(STORED_NAME):
        default_storage.save(STORED_NAME, ContentFile(PDF))
    document = AgreementDocument.objects.create(agreement=agreement, title="Convention signée")
    version = DocumentVersion.objects.create(
        document=document,
        number=1,
        file=STORED_NAME,
        filename="convention.pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        uploaded_by=user,
    )
    return document, version


def build(world) -> None:
    p = world.personas
    own = _agreement("MATRICE-ECH-1", p.montreuil, p.arthur)
    other = _agreement("MATRICE-ECH-2", p.vincennes, p.arthur)
    own_document, own_version = _document(own, p.arthur)
    other_document, other_version = _document(other, p.arthur)
    for agreement, owner in ((own, p.camille), (other, p.bruno)):
        Obligation.objects.create(
            agreement=agreement,
            kind=ObligationKind.ANNUAL_REPORT,
            title="Bilan annuel",
            due_on=timezone.localdate() + dt.timedelta(days=20),
            owner=owner,
        )
    for user in (p.camille, p.bruno):
        CalendarToken.objects.create(user=user, token=f"matrix-token-of-{user.username}-0123456789")
    world.deadlines = SimpleNamespace(
        own_agreement=own,
        other_agreement=other,
        own_document=own_document,
        other_document=other_document,
        own_version=own_version,
        other_version=other_version,
    )


def _pair(attribute: str, key: str, **extra):
    return lambda w: (
        {key: getattr(w.deadlines, f"own_{attribute}").pk, **extra},
        {key: getattr(w.deadlines, f"other_{attribute}").pk, **extra},
    )


def _same(kwargs):
    return lambda w: (kwargs, kwargs)


def _feed_tokens(w):
    # Read at test time: the matrix POSTs calendar_regenerate (as camille too) before reaching the feed.
    return {"token": CalendarToken.objects.get(user=w.personas.camille).token}, {"token": TAMPERED_TOKEN}


TARGETS = {
    "agreement_documents:upload": _pair("agreement", "pk"),
    "agreement_documents:version_add": _pair("document", "doc"),
    "agreement_documents:download": _pair("version", "version"),
    "agreement_documents:generate": _pair("agreement", "pk", fmt="pdf"),
    "agreement_documents:generate_save": _pair("agreement", "pk", fmt="pdf"),
    "deadlines:mine": _same({}),
    "deadlines:calendar_token": _same({}),
    "deadlines:calendar_regenerate": _same({}),
    "deadlines:feed": _feed_tokens,
}

SCOPED = {
    # Same visibility as the convention; anonymous visitors are asked to log in rather than told.
    "agreement_documents:download": {
        "anonymous": (LOGIN, LOGIN),
        "admin": (ALLOWED, ALLOWED),
        "agent": (ALLOWED, ALLOWED),
        "correspondent": (ALLOWED, HIDDEN),
    },
    # No login (calendar clients): a valid token opens the feed, a tampered one is a plain 404.
    "deadlines:feed": {role: (ALLOWED, HIDDEN) for role in ("anonymous", "admin", "agent", "correspondent")},
}

POST_ONLY = {"agreement_documents:generate_save", "deadlines:calendar_regenerate"}
