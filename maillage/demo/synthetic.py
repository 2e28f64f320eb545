"""Synthetic volume for the benchmark: many organisations, people and interactions, inserted in bulk.

The rows are plainly synthetic ("Organisation synthétique n°…") and never mixed with demo data.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from maillage.interactions.models import Interaction, InteractionKind
from maillage.organizations.models import Organization, OrganizationKind
from maillage.people.models import Person, Position, PositionRole
from maillage.territories.selectors import home_communes

PREFIX = "Organisation synthétique n°"
WORDS = [
    "atelier",
    "réseau",
    "collectif",
    "agence",
    "fondation",
    "coopérative",
    "institut",
    "bureau",
    "maison",
    "pôle",
]
BATCH = 5000


def synthetic_counts() -> dict[str, int]:
    from maillage.agreements.models import Agreement

    return {
        "organizations": Organization.objects.filter(name__startswith=PREFIX).count(),
        "people": Person.objects.filter(source="Benchmark").count(),
        "interactions": Interaction.objects.filter(subject__startswith="Échange synthétique").count(),
        "agreements": Agreement.objects.filter(reference__startswith="SYN-").count(),
    }


def _batches(total: int, label: str, progress: bool):
    with tqdm(total=total, desc=label, disable=not progress, unit=" lignes") as bar:
        for start in range(0, total, BATCH):
            size = min(BATCH, total - start)
            yield start, size
            bar.update(size)


def synthetic_load(
    *,
    organizations: int,
    people: int,
    interactions: int,
    agreements: int = 0,
    progress: bool = False,
    seed: int = 7,
) -> None:
    rng = random.Random(seed)
    communes = list(home_communes().values_list("code", "territory_id"))
    kinds = [OrganizationKind.ASSOCIATION, OrganizationKind.COMPANY, OrganizationKind.RESEARCH]
    done = synthetic_counts()
    today = timezone.localdate()

    for start, size in _batches(organizations - done["organizations"], "Organisations", progress):
        rows = []
        for i in range(start + done["organizations"], start + done["organizations"] + size):
            code, territory = rng.choice(communes)
            name = f"{PREFIX}{i} {rng.choice(WORDS)} {rng.choice(WORDS)}"
            rows.append(
                Organization(
                    kind=rng.choice(kinds),
                    name=name,
                    search_text=name.lower(),
                    commune_id=code,
                    territory_id=territory,
                )
            )
        with transaction.atomic():
            Organization.objects.bulk_create(rows, batch_size=BATCH)

    org_ids = list(Organization.objects.filter(name__startswith=PREFIX).values_list("pk", flat=True))
    retention = today + dt.timedelta(days=1000)
    for start, size in _batches(people - done["people"], "Personnes", progress):
        with transaction.atomic():
            persons = Person.objects.bulk_create(
                [
                    Person(
                        first_name=f"Prénom{i}",
                        last_name=f"Nom{i}",
                        search_text=f"prenom{i} nom{i}",
                        source="Benchmark",
                        retention_until=retention,
                    )
                    for i in range(start, start + size)
                ],
                batch_size=BATCH,
            )
            if connection.vendor == "sqlite" or persons[0].pk is None:
                persons = list(Person.objects.filter(source="Benchmark").order_by("-pk")[:size])
            Position.objects.bulk_create(
                [
                    Position(person=p, organization_id=rng.choice(org_ids), role=PositionRole.PROJECT_OFFICER)
                    for p in persons
                ],
                batch_size=BATCH,
            )

    through = Interaction.organizations.through
    for start, size in _batches(interactions - done["interactions"], "Échanges", progress):
        with transaction.atomic():
            created = Interaction.objects.bulk_create(
                [
                    Interaction(
                        kind=rng.choice(InteractionKind.values),
                        date=today - dt.timedelta(days=rng.randint(0, 2000)),
                        subject=f"Échange synthétique {i}",
                        search_text=f"echange synthetique {i}",
                    )
                    for i in range(start, start + size)
                ],
                batch_size=BATCH,
            )
            if created[0].pk is None:
                created = list(
                    Interaction.objects.filter(subject__startswith="Échange synthétique").order_by("-pk")[
                        :size
                    ]
                )
            through.objects.bulk_create(
                [through(interaction_id=item.pk, organization_id=rng.choice(org_ids)) for item in created],
                batch_size=BATCH,
            )

    _synthetic_agreements(agreements - done.get("agreements", 0), org_ids, rng, progress)


def _synthetic_agreements(total: int, org_ids: list[int], rng: random.Random, progress: bool) -> None:
    """Conventions with two parties and a yearly commitment each, across every status and kind."""
    from decimal import Decimal

    from maillage.accounts.models import User
    from maillage.agreements.models import (
        Agreement,
        AgreementKind,
        AgreementParty,
        AgreementStatus,
        Commitment,
        PartyRole,
    )

    if total <= 0:
        return
    owner = User.objects.filter(role__in=["agent", "admin"]).order_by("pk").first()
    kinds = list(AgreementKind.objects.values_list("pk", flat=True))
    communes = list(Organization.objects.filter(kind=OrganizationKind.COMMUNE).values_list("pk", flat=True))
    statuses = list(AgreementStatus.values)
    start = Agreement.objects.filter(reference__startswith="SYN-").count()
    today = timezone.localdate()
    for offset, size in _batches(total, "Conventions", progress):
        with transaction.atomic():
            created = Agreement.objects.bulk_create(
                [
                    Agreement(
                        reference=f"SYN-{start + offset + i:07d}",
                        title=f"Convention synthétique {start + offset + i}",
                        search_text=f"syn {start + offset + i} convention synthetique",
                        purpose="Convention synthétique pour le benchmark.",
                        kind_id=rng.choice(kinds),
                        owner=owner,
                        status=rng.choice(statuses),
                        is_public=rng.random() < 0.5,
                        effective_on=today - dt.timedelta(days=rng.randint(0, 1500)),
                        expires_on=today + dt.timedelta(days=rng.randint(1, 1500)),
                        total_amount=Decimal(rng.randint(1, 500) * 1000),
                    )
                    for i in range(size)
                ],
                batch_size=BATCH,
            )
            parties = AgreementParty.objects.bulk_create(
                [
                    AgreementParty(agreement=agreement, organization_id=organization, role=role)
                    for agreement in created
                    for organization, role in (
                        (rng.choice(communes), PartyRole.SIGNATORY),
                        (rng.choice(org_ids), PartyRole.BENEFICIARY),
                    )
                ],
                batch_size=BATCH,
            )
            Commitment.objects.bulk_create(
                [
                    Commitment(
                        agreement_id=party.agreement_id,
                        party=party,
                        year=today.year,
                        amount=Decimal(rng.randint(1, 500) * 1000),
                    )
                    for party in parties
                    if party.role == PartyRole.SIGNATORY
                ],
                batch_size=BATCH,
            )
