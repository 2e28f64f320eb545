"""Demo data: real public organisations, clearly fictional people and exchanges.

Identifiers (SIREN, SIRET) are never invented: organisations get one only when the
shipped referential carries it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from faker import Faker

from maillage.accounts.models import User
from maillage.accounts.roles import Role
from maillage.core.text import normalize
from maillage.demo.agreements_demo import agreements_demo_load
from maillage.demo.meetings_demo import meetings_demo_load
from maillage.interactions.models import FollowUpAction, Interaction, InteractionKind
from maillage.organizations.models import Organization, OrganizationKind, OrganizationMembership
from maillage.organizations.services import organization_create, organizations_sync_from_referential
from maillage.people.models import LegalBasis, Person, Position, PositionRole
from maillage.territories.selectors import home_communes
from maillage.themes.models import Theme


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    organization: str = ""


DEMO_LOGINS = [
    DemoLogin("admin", "admin-maillage-demo", Role.ADMIN),
    DemoLogin("agent", "agent-maillage-demo", Role.AGENT),
    DemoLogin("correspondant", "correspondant-maillage-demo", Role.CORRESPONDENT, "93048"),
    DemoLogin("correspondant2", "correspondant2-maillage-demo", Role.CORRESPONDENT, "94080"),
]

# Real syndicates and partners of the MGP area; (name, kind, competence, theme slug).
# Real partners of the MGP area besides the seeded syndicates; (name, kind, competence, theme slug).
# The syndicates' competences are used for demo memberships.
PARTNERS = [
    ("Apur – Atelier parisien d'urbanisme", OrganizationKind.ASSOCIATION, "", "amenagement"),
    ("Région Île-de-France", OrganizationKind.REGION, "", "developpement-economique"),
    ("Préfecture de la région Île-de-France", OrganizationKind.STATE, "", "amenagement"),
    ("Eurocities", OrganizationKind.EUROPEAN, "", "europe-international"),
    (
        "Direction du développement et de l'innovation territoriale",
        OrganizationKind.INTERNAL,
        "",
        "numerique",
    ),
]

ROLES_BY_KIND = {
    OrganizationKind.COMMUNE: [
        PositionRole.MAYOR,
        PositionRole.DGS,
        PositionRole.INNOVATION_LEAD,
        PositionRole.TECHNICAL_CORRESPONDENT,
    ],
    OrganizationKind.EPT: [PositionRole.PRESIDENT, PositionRole.DGS, PositionRole.TECHNICAL_CORRESPONDENT],
    OrganizationKind.METROPOLE: [PositionRole.PRESIDENT, PositionRole.VICE_PRESIDENT, PositionRole.DGS],
}
# Surnames that no reader can take for a real official: the demo must never look like a real directory.
FICTIONAL_SURNAMES = [
    "Exemple",
    "Maquette",
    "Esquisse",
    "Brouillon",
    "Prototype",
    "Témoin",
    "Modèle",
    "Ébauche",
    "Fictif",
    "Essai",
    "Gabarit",
    "Canevas",
    "Patron",
    "Spécimen",
    "Échantillon",
    "Démo",
    "Simulacre",
    "Factice",
    "Figurant",
    "Doublure",
    "Pseudo",
    "Épure",
    "Croquis",
    "Schéma",
]
SUBJECTS = [
    "Point d'étape sur la végétalisation des cours d'école",
    "Préparation du G 131",
    "Mutualisation des achats d'énergie",
    "Déploiement de la ZFE : accompagnement des artisans",
    "Plateforme de signalement citoyen : retour d'expérience",
    "Budget participatif : méthode et calendrier",
    "Données ouvertes : publication des délibérations",
    "Prévention des inondations : repères de crue",
    "Tiers-lieu numérique : recherche de financements",
    "Réseau de chaleur : étude de faisabilité",
]


def _user(login: DemoLogin) -> User:
    organization = None
    if login.organization:
        communes = Organization.objects.filter(kind=OrganizationKind.COMMUNE, commune__in=home_communes())
        # Outside the MGP the demo correspondents act for the home territory's largest communes.
        organization = (
            communes.filter(commune_id=login.organization).first()
            or communes.order_by("-commune__population")[DEMO_LOGINS.index(login) - 2]
        )
    user, created = User.objects.get_or_create(
        username=login.username,
        defaults={
            "role": login.role,
            "organization": organization,
            "email": f"{login.username}@demo.maillage.localhost",
            "first_name": login.username.capitalize(),
            "last_name": "(démo)",
            "is_staff": login.role == Role.ADMIN,
            "is_superuser": login.role == Role.ADMIN,
        },
    )
    if created:
        user.set_password(login.password)
        user.save()
    return user


def _seeded_syndicates():
    import csv

    from maillage.organizations.services import SYNDICATES_CSV

    with SYNDICATES_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            organization = Organization.objects.filter(name=row["name"]).first()
            if organization:
                yield organization, row


@transaction.atomic
def demo_load(*, seed: int = 2026) -> dict[str, Any]:
    """Load the demo once; a rerun only makes sure the logins exist.

    Then the register of conventions, topics and cooperations (once too, see agreements_demo),
    and the bodies, sessions, achievements and newsletters (once too, see meetings_demo).
    """
    counts = _directory_load(seed=seed)
    counts["register"] = agreements_demo_load(seed=seed)
    counts["meetings"] = meetings_demo_load(seed=seed)
    # Innovation, programmes, community and watch: each app's demo module, in dependency order.
    from maillage.demo import community_demo, innovation_demo, programmes_demo, watch_demo

    for name, module in (
        ("innovation", innovation_demo),
        ("programmes", programmes_demo),
        ("community", community_demo),
        ("watch", watch_demo),
    ):
        counts[name] = module.load()
    return counts


def _directory_load(*, seed: int) -> dict[str, Any]:
    organizations_sync_from_referential()
    users = [_user(login) for login in DEMO_LOGINS]
    if Person.objects.filter(source__startswith="Démonstration").exists():
        return {"people": 0, "interactions": 0}
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    themes = {theme.slug: theme for theme in Theme.objects.all()}
    today = timezone.localdate()

    partners = [(organization, row["competence"], row["theme"]) for organization, row in _seeded_syndicates()]
    for name, kind, competence, slug in PARTNERS:
        organization = Organization.objects.filter(name=name).first() or organization_create(
            data={"kind": kind, "name": name}, themes=[themes[slug]]
        )
        partners.append((organization, competence, slug))

    communes = list(Organization.objects.filter(kind=OrganizationKind.COMMUNE).select_related("commune"))
    for organization, competence, slug in partners:
        if not competence:
            continue
        for commune in rng.sample(communes, k=min(len(communes), 25)):
            OrganizationMembership.objects.get_or_create(
                member=commune,
                group=organization,
                defaults={"competence": competence, "theme": themes[slug], "start_date": dt.date(2016, 1, 1)},
            )

    people = []
    staffed = [
        o for o in Organization.objects.filter(kind__in=ROLES_BY_KIND) if o.commune_id or o.kind != "commune"
    ]
    rng.shuffle(staffed)
    chosen = staffed[:70] + [o for o in staffed[70:] if o.commune_id in ("93048", "94080", "93066")]
    for organization in chosen:
        for role in ROLES_BY_KIND[organization.kind][: rng.randint(2, 4)]:
            first, last = fake.first_name(), rng.choice(FICTIONAL_SURNAMES)
            consent = rng.random() < 0.4
            last_contact = today - dt.timedelta(days=rng.randint(5, 700))
            person = Person.objects.create(
                first_name=first,
                last_name=last,
                search_text=normalize(f"{first} {last}"),
                email=f"{normalize(first)}.{normalize(last)}@exemple.fr".replace(" ", "-"),
                phone=f"01 {rng.randint(40, 79)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                legal_basis=LegalBasis.CONSENT if consent else LegalBasis.PUBLIC_INTEREST,
                source="Démonstration : personne fictive",
                newsletter_consent=consent,
                newsletter_consent_at=timezone.now() - dt.timedelta(days=rng.randint(1, 400))
                if consent
                else None,
                last_interaction_at=last_contact,
                retention_until=Person.retention_from(last_contact),
            )
            person.themes.set(rng.sample(list(themes.values()), k=2))
            Position.objects.create(
                person=person,
                organization=organization,
                role=role,
                start_date=dt.date(rng.choice([2020, 2021, 2022, 2023]), rng.randint(1, 12), 1),
            )
            people.append((person, organization))

    agent = users[1]
    interactions = 0
    for index in range(90):
        person, organization = rng.choice(people)
        partner = rng.choice(partners)[0]
        interaction = Interaction.objects.create(
            kind=rng.choice(InteractionKind.values),
            date=today - dt.timedelta(days=rng.randint(0, 400)),
            subject=rng.choice(SUBJECTS),
            notes="Échange fictif de démonstration.",
            author=agent,
        )
        interaction.organizations.set([organization] + ([partner] if index % 3 == 0 else []))
        interaction.people.set([person])
        interaction.themes.set(rng.sample(list(themes.values()), k=1))
        if index % 4 == 0:
            FollowUpAction.objects.create(
                interaction=interaction,
                description=f"Relancer {person} : {interaction.subject.lower()}",
                owner=rng.choice(users[:3]),
                due_date=today + dt.timedelta(days=rng.randint(-10, 30)),
            )
        interactions += 1
    return {"people": len(people), "interactions": interactions}
