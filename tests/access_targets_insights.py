"""Access matrix additions: open data, map, network (agreement_insights) and the cooperation API.

Also the small builders the insights, open-data and API tests share (conventions made with the ORM,
as the demo loader does, since the services are written elsewhere).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from maillage.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    Commitment,
    PartyRole,
)
from maillage.cooperation.models import (
    CommonTopic,
    Cooperation,
    CooperationParticipant,
    CooperationStatus,
    ParticipantRole,
    TopicInterest,
)
from maillage.core.identifiers import luhn_valid
from maillage.organizations.models import Organization, OrganizationKind

ALLOWED, FORBIDDEN, HIDDEN = "allowed", "forbidden", "hidden (404)"


def siret_for(prefix: str) -> str:
    """A 14-digit SIRET with a valid Luhn key starting with ``prefix`` (9-digit SIREN): test data only."""
    for nic in range(10, 100_000):
        candidate = f"{prefix}{nic:05d}"
        if luhn_valid(candidate):
            return candidate
    raise AssertionError(prefix)


def metropole() -> Organization:
    return Organization.objects.get(kind=OrganizationKind.METROPOLE)


def give_metropole_a_siret() -> Organization:
    organization = metropole()
    Organization.objects.filter(pk=organization.pk).update(siret=siret_for(organization.siren))
    organization.refresh_from_db()
    return organization


_counter = {"n": 0}


def make_agreement(
    *,
    owner: Any,
    parties: list[tuple[Organization, str]],
    status: str = AgreementStatus.IN_FORCE,
    public: bool = True,
    kind: str = "convention-cadre",
    title: str = "",
    signed_on: dt.date | None = None,
    commitments: dict[int, list[tuple[int, int]]] | None = None,
    themes: list[Any] | None = None,
    cooperation: Cooperation | None = None,
) -> Agreement:
    """A convention with its parties; ``commitments`` maps a party's index to (year, amount) pairs."""
    _counter["n"] += 1
    today = timezone.localdate()
    signed = status in (
        AgreementStatus.IN_FORCE,
        AgreementStatus.EXPIRED,
        AgreementStatus.TERMINATED,
        AgreementStatus.RENEWED,
    )
    if signed and signed_on is None:
        signed_on = today - dt.timedelta(days=200)
    effective = signed_on + dt.timedelta(days=10) if signed_on else None
    if status == AgreementStatus.IN_FORCE:
        expires = today + dt.timedelta(days=400)
    elif signed:
        expires = today - dt.timedelta(days=5)
    else:
        expires = None
    reference = f"TEST-{_counter['n']:04d}"
    agreement = Agreement.objects.create(
        reference=reference,
        title=title or f"Convention de test n° {_counter['n']}",
        purpose=f"Objet de la convention de test n° {_counter['n']}.",
        kind=AgreementKind.objects.get(slug=kind),
        owner=owner,
        status=status,
        is_public=public,
        signed_on=signed_on,
        effective_on=effective,
        expires_on=expires,
        cooperation=cooperation,
    )
    if themes:
        agreement.themes.set(themes)
    rows = [
        AgreementParty.objects.create(agreement=agreement, organization=organization, role=role)
        for organization, role in parties
    ]
    total = Decimal(0)
    for index, pairs in (commitments or {}).items():
        for year, amount in pairs:
            Commitment.objects.create(
                agreement=agreement, party=rows[index], year=year, amount=Decimal(amount)
            )
            total += Decimal(amount)
    agreement.total_amount = total
    agreement.save(update_fields=["total_amount"])
    return agreement


def make_cooperation(
    title: str, organizations: list[Organization], themes: list[Any] | None = None
) -> Cooperation:
    cooperation = Cooperation.objects.create(title=title, status=CooperationStatus.ACTIVE)
    if themes:
        cooperation.themes.set(themes)
    for index, organization in enumerate(organizations):
        CooperationParticipant.objects.create(
            cooperation=cooperation,
            organization=organization,
            role=ParticipantRole.PILOT if index == 0 else ParticipantRole.PARTNER,
        )
    return cooperation


def make_topic(title: str, proposer: Organization, interested: list[Organization]) -> CommonTopic:
    topic = CommonTopic.objects.create(title=title, description="Sujet de test.", proposer=proposer)
    for organization in interested:
        TopicInterest.objects.create(topic=topic, organization=organization)
    CommonTopic.objects.filter(pk=topic.pk).update(support_count=len(interested))
    return topic


def build(world: Any) -> None:
    personas = world.personas
    give_metropole_a_siret()
    world.own_agreement = make_agreement(
        owner=personas.arthur,
        parties=[(personas.montreuil, PartyRole.SIGNATORY)],
        public=False,
        status=AgreementStatus.NEGOTIATION,
    )
    world.other_agreement = make_agreement(
        owner=personas.arthur,
        parties=[(personas.vincennes, PartyRole.SIGNATORY)],
        public=False,
        status=AgreementStatus.IN_FORCE,
    )
    world.own_cooperation = make_cooperation("Coopération de Montreuil", [personas.montreuil])
    world.other_cooperation = make_cooperation("Coopération de Vincennes", [personas.vincennes])
    world.own_topic = make_topic("Sujet de Montreuil", personas.montreuil, [personas.montreuil])
    world.other_topic = make_topic("Sujet de Vincennes", personas.vincennes, [personas.vincennes])


def _same(kwargs):
    return lambda w: (kwargs(w), kwargs(w))


TARGETS = {
    "agreement_insights:opendata": _same(lambda w: {}),
    "agreement_insights:opendata_subsidies": _same(lambda w: {}),
    "agreement_insights:opendata_deliberations": _same(lambda w: {}),
    "agreement_insights:map": _same(lambda w: {}),
    "agreement_insights:map_data": _same(lambda w: {}),
    "agreement_insights:network": _same(lambda w: {}),
    "agreement_insights:network_data": _same(lambda w: {}),
    "api:topic-list": _same(lambda w: {}),
    "api:topic-detail": lambda w: ({"pk": w.own_topic.pk}, {"pk": w.other_topic.pk}),
    "api:cooperation-list": _same(lambda w: {}),
    "api:cooperation-detail": lambda w: ({"pk": w.own_cooperation.pk}, {"pk": w.other_cooperation.pk}),
    "api:agreement-list": _same(lambda w: {}),
    "api:agreement-detail": lambda w: ({"pk": w.own_agreement.pk}, {"pk": w.other_agreement.pk}),
}

# The API answers 403 (not a redirect to the login page) to an anonymous request on topics.
_SIGNED_IN_API = {
    "anonymous": (FORBIDDEN, FORBIDDEN),
    "admin": (ALLOWED, ALLOWED),
    "agent": (ALLOWED, ALLOWED),
    "correspondent": (ALLOWED, ALLOWED),
}
SCOPED = {
    "api:topic-list": _SIGNED_IN_API,
    "api:topic-detail": _SIGNED_IN_API,
    # Private conventions: visible to staff and to the parties only; others get a 404.
    "api:agreement-detail": {
        "anonymous": (HIDDEN, HIDDEN),
        "admin": (ALLOWED, ALLOWED),
        "agent": (ALLOWED, ALLOWED),
        "correspondent": (ALLOWED, HIDDEN),
    },
}
