"""Demo register of conventions, common topics and cooperations.

Real organisations (the home communes, the metropole, the seeded syndicates and partners) with
fictional conventions: every reference starts with ``DEMO-``, every deliberation number with
``DÉMO``, and every text says it is demonstration data. No person is created, no identifier
(SIREN, SIRET) and no link to an act is invented.

Written with the ORM directly (not the services), keeping the invariants the services keep:
``total_amount`` is the sum of the commitments, statuses agree with the dates, each status was
reached through the recorded transitions, amendments in force are applied to the consolidated
state, and the topics' ``support_count``/``territory_count`` match their interests.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from maillage.accounts.models import User
from maillage.accounts.roles import Role
from maillage.agreements.models import (
    AGREEMENT_TRANSITIONS,
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    Amendment,
    AmendmentChange,
    AmendmentStatus,
    Commitment,
    Deliberation,
    DeliberativeBody,
    Obligation,
    ObligationKind,
    ObligationStatus,
    PartyRole,
    Payment,
    Transition,
)
from maillage.cooperation.models import (
    CommonTopic,
    Cooperation,
    CooperationParticipant,
    CooperationStatus,
    Milestone,
    ParticipantRole,
    TopicInterest,
    TopicStatus,
)
from maillage.core.text import normalize
from maillage.organizations.models import Organization, OrganizationKind
from maillage.territories.selectors import home_communes
from maillage.themes.models import Theme

REFERENCE_PREFIX = "DEMO-"
DEMO_NOTE = "Données de démonstration : convention fictive entre organisations réelles."

# How many conventions of each status (64 in all); every kind appears in every group below.
STATUS_PLAN = [
    (AgreementStatus.DRAFT, 6),
    (AgreementStatus.NEGOTIATION, 6),
    (AgreementStatus.LEGAL_REVIEW, 5),
    (AgreementStatus.DELIBERATION, 5),
    (AgreementStatus.SIGNATURE, 5),
    (AgreementStatus.IN_FORCE, 22),
    (AgreementStatus.EXPIRED, 6),
    (AgreementStatus.TERMINATED, 4),
    (AgreementStatus.RENEWED, 5),
]
SIGNED = {
    AgreementStatus.IN_FORCE,
    AgreementStatus.EXPIRED,
    AgreementStatus.TERMINATED,
    AgreementStatus.RENEWED,
}
LIFECYCLE = [
    AgreementStatus.DRAFT,
    AgreementStatus.NEGOTIATION,
    AgreementStatus.LEGAL_REVIEW,
    AgreementStatus.DELIBERATION,
    AgreementStatus.SIGNATURE,
    AgreementStatus.IN_FORCE,
]

# kind slug → (title patterns, theme slugs). {org} is the main partner, {subject} one of the subjects.
KIND_PLANS: dict[str, tuple[list[str], list[str]]] = {
    "convention-cadre": (
        [
            "Convention-cadre de partenariat avec {org}",
            "Convention-cadre métropolitaine 2025-2027 – {org}",
        ],
        ["amenagement", "developpement-economique", "numerique"],
    ),
    "cooperation-thematique": (
        [
            "Coopération « {subject} » avec {org}",
            "Convention de coopération : {subject}",
        ],
        ["nature-en-ville", "climat-air-energie", "mobilite", "gemapi"],
    ),
    "financiere": (
        [
            "Fonds d'investissement métropolitain : {subject} – {org}",
            "Subvention métropolitaine : {subject}",
        ],
        ["climat-air-energie", "nature-en-ville", "politique-de-la-ville", "sport-culture"],
    ),
    "mutualisation": (
        [
            "Groupement de commandes : {subject}",
            "Mutualisation de {subject} avec {org}",
        ],
        ["economie-circulaire", "sdem", "sman", "numerique"],
    ),
    "mise-a-disposition": (
        [
            "Mise à disposition : {subject}",
            "Convention de mise à disposition de {subject} – {org}",
        ],
        ["numerique", "zfe", "amenagement"],
    ),
    "protocole": (
        [
            "Protocole d'accord : {subject}",
            "Protocole de préfiguration avec {org}",
        ],
        ["habitat", "amenagement", "gemapi"],
    ),
}
SUBJECTS: dict[str, list[str]] = {
    "convention-cadre": ["partenariat territorial", "innovation publique"],
    "cooperation-thematique": [
        "végétalisation des cours d'école",
        "îlots de fraîcheur",
        "repères de crue",
        "plan vélo intercommunal",
        "qualité de l'air près des écoles",
    ],
    "financiere": [
        "rénovation énergétique d'un groupe scolaire",
        "création d'un jardin partagé",
        "réhabilitation d'un gymnase",
        "aménagement d'une piste cyclable",
        "désimperméabilisation d'une place",
        "tiers-lieu numérique",
    ],
    "mutualisation": [
        "achat d'électricité verte",
        "fourniture de gaz naturel",
        "services de télécommunications",
        "bornes de recharge pour véhicules électriques",
        "collecte des biodéchets",
    ],
    "mise-a-disposition": [
        "capteurs de qualité de l'air",
        "la plateforme de données ouvertes",
        "logiciels de gestion des subventions",
        "locaux pour un tiers-lieu",
    ],
    "protocole": [
        "reconversion d'une friche industrielle",
        "lutte contre l'habitat indigne",
        "prévention des inondations",
    ],
}
# The syndicate that fits a mutualisation subject (by the first word of its name).
SYNDICATE_FOR = {
    "achat d'électricité verte": "SIPPEREC",
    "fourniture de gaz naturel": "SIGEIF",
    "services de télécommunications": "SIPPEREC",
    "bornes de recharge pour véhicules électriques": "SIGEIF",
    "collecte des biodéchets": "Syctom,",
}

TOPICS = [
    ("Végétaliser les cours d'école ensemble", "nature-en-ville"),
    ("Mutualiser un service de données ouvertes", "numerique"),
    ("Acheter l'énergie en commun", "sdem"),
    ("Déployer des bornes de recharge sur voirie", "mobilite"),
    ("Former les agents au réemploi des matériaux", "economie-circulaire"),
    ("Partager un outil de budget participatif", "numerique"),
    ("Prévenir les crues : repères et exercices communs", "gemapi"),
    ("Accompagner les artisans dans la ZFE", "zfe"),
    ("Réduire le bruit routier près des écoles", "ppbe"),
    ("Créer un réseau de tiers-lieux", "numerique"),
    ("Lutter contre les îlots de chaleur", "climat-air-energie"),
    ("Coordonner la rénovation des copropriétés", "habitat"),
    ("Collecter les biodéchets des cantines", "economie-circulaire"),
    ("Organiser l'héritage sportif des Jeux", "sport-culture"),
    ("Accueillir des délégations européennes", "europe-international"),
]
TOPIC_STATUSES = (
    [TopicStatus.PROPOSED] * 5
    + [TopicStatus.STUDYING] * 4
    + [TopicStatus.RETAINED] * 3
    + [TopicStatus.CONVERTED] * 2
    + [TopicStatus.DISMISSED]
)

COOPERATIONS = [
    ("Plan fraîcheur des cours d'école", "nature-en-ville", CooperationStatus.ACTIVE),
    ("Groupement d'achat d'énergie 2026-2028", "sdem", CooperationStatus.ACTIVE),
    ("Réseau métropolitain des tiers-lieux", "numerique", CooperationStatus.ACTIVE),
    ("Observatoire partagé de la qualité de l'air", "climat-air-energie", CooperationStatus.ACTIVE),
    ("Repères de crue en bord de Marne", "gemapi", CooperationStatus.ACTIVE),
    ("Biodéchets des restaurants scolaires", "economie-circulaire", CooperationStatus.PREPARING),
    ("Bornes de recharge intercommunales", "mobilite", CooperationStatus.PREPARING),
    ("Accompagnement des artisans dans la ZFE", "zfe", CooperationStatus.COMPLETED),
    ("Héritage sportif des Jeux de 2024", "sport-culture", CooperationStatus.COMPLETED),
    ("Portail commun de données ouvertes", "numerique", CooperationStatus.ABANDONED),
]
MILESTONES = [
    "Réunion de lancement",
    "Diagnostic partagé",
    "Choix des sites pilotes",
    "Comité de pilotage",
    "Bilan à mi-parcours",
    "Bilan final",
]


def _syndicates() -> list[Organization]:
    from maillage.organizations.services import SYNDICATES_CSV

    with SYNDICATES_CSV.open(encoding="utf-8", newline="") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    return list(Organization.objects.filter(name__in=names).order_by("name"))


def _owner() -> User | None:
    return (
        User.objects.filter(username="agent", role=Role.AGENT).first()
        or User.objects.filter(role=Role.AGENT, is_active=True).order_by("pk").first()
    )


def _round(value: float, step: int = 1000) -> Decimal:
    return Decimal(max(step, int(round(value / step)) * step))


class _Register:
    """Builds the demo conventions one by one, with a shared random generator and counters."""

    def __init__(self, *, seed: int, owner: User) -> None:
        self.rng = random.Random(seed)
        self.owner = owner
        self.today = timezone.localdate()
        self.themes = {theme.slug: theme for theme in Theme.objects.all()}
        self.kinds = {kind.slug: kind for kind in AgreementKind.objects.all()}
        metropoles = Organization.objects.filter(kind=OrganizationKind.METROPOLE)
        self.metropole = (
            metropoles.filter(siren=settings.HOME_EPCI_SIREN).first() or metropoles.order_by("pk").first()
        )
        self.communes = list(
            Organization.objects.filter(kind=OrganizationKind.COMMUNE, commune__in=home_communes())
            .select_related("commune")
            .order_by("commune_id")
        )
        self.epts = list(Organization.objects.filter(kind=OrganizationKind.EPT).order_by("name"))
        self.syndicates = _syndicates()
        self.partners = list(
            Organization.objects.filter(
                kind__in=[OrganizationKind.REGION, OrganizationKind.STATE, OrganizationKind.ASSOCIATION]
            ).order_by("name")[:6]
        )
        correspondents = User.objects.filter(role=Role.CORRESPONDENT, organization__isnull=False)
        self.correspondents = {user.organization_id: user for user in correspondents.order_by("pk")}
        self.followed = [o for o in self.communes if o.pk in self.correspondents]
        self.deliberation_numbers: dict[tuple[int, int], int] = defaultdict(int)
        self.counts: dict[str, int] = defaultdict(int)

    # --- helpers ---------------------------------------------------------------------------

    def days(self, low: int, high: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randint(low, high))

    def theme_list(self, slugs: list[str]) -> list[Theme]:
        return [self.themes[slug] for slug in slugs if slug in self.themes]

    def deliberation(
        self,
        agreement: Agreement,
        organization: Organization,
        date: dt.date,
        *,
        amendment: Amendment | None = None,
    ) -> Deliberation:
        if organization.kind == OrganizationKind.COMMUNE:
            body, code, seats = DeliberativeBody.MUNICIPAL_COUNCIL, "CM", self.rng.randint(29, 55)
        elif organization.kind == OrganizationKind.EPT:
            body, code, seats = DeliberativeBody.TERRITORY_COUNCIL, "CT", self.rng.randint(60, 90)
        elif self.rng.random() < 0.6:
            body, code, seats = DeliberativeBody.METROPOLITAN_BUREAU, "BM", self.rng.randint(20, 30)
        else:
            body, code, seats = DeliberativeBody.METROPOLITAN_COUNCIL, "CM", self.rng.randint(150, 200)
        self.deliberation_numbers[(organization.pk, date.year)] += 1
        number = f"DÉMO-{code}-{date.year}-{self.deliberation_numbers[(organization.pk, date.year)]:03d}"
        against = self.rng.randint(0, max(1, seats // 10))
        abstentions = self.rng.randint(0, max(1, seats // 8))
        self.counts["deliberations"] += 1
        return Deliberation.objects.create(
            agreement=agreement,
            amendment=amendment,
            organization=organization,
            body=body,
            date=date,
            number=number,
            votes_for=seats - against - abstentions,
            votes_against=against,
            abstentions=abstentions,
        )

    def transitions(
        self,
        agreement: Agreement,
        path: list[str],
        start: dt.date,
        end: dt.date,
        *,
        amendment: Amendment | None = None,
        last_comment: str = "",
    ) -> None:
        """Record the moves along ``path``, spread between ``start`` and ``end``."""
        moves = list(zip(path, path[1:], strict=False))
        if not moves:
            return
        span = max((end - start).days, len(moves))
        for index, (origin, target) in enumerate(moves):
            when = start + dt.timedelta(days=span * (index + 1) // len(moves))
            transition = Transition.objects.create(
                agreement=agreement,
                amendment=amendment,
                from_status=origin,
                to_status=target,
                actor=self.owner,
                comment=last_comment if index == len(moves) - 1 else "",
            )
            at = timezone.make_aware(dt.datetime.combine(min(when, self.today), dt.time(10, index % 50)))
            Transition.objects.filter(pk=transition.pk).update(at=at)
            self.counts["transitions"] += 1

    # --- one convention --------------------------------------------------------------------

    def parties_for(self, kind: str, subject: str, index: int) -> list[tuple[Organization, str]]:
        rng = self.rng
        communes = rng.sample(self.communes, k=min(len(self.communes), rng.choice([1, 1, 2, 3, 4])))
        # The demo correspondents' communes take part in a good share of the register.
        if self.followed and index % 4 == 0:
            followed = self.followed[(index // 4) % len(self.followed)]
            if followed not in communes:
                communes[0] = followed
        parties: list[tuple[Organization, str]] = []
        if kind == "financiere":
            if self.metropole:
                parties.append((self.metropole, PartyRole.FUNDER))
            parties += [(commune, PartyRole.BENEFICIARY) for commune in communes[:2]]
            if index % 7 == 0 and self.partners:
                parties.append((self.partners[index % len(self.partners)], PartyRole.FUNDER))
            return parties
        if self.metropole:
            parties.append((self.metropole, PartyRole.SIGNATORY))
        parties += [(commune, PartyRole.SIGNATORY) for commune in communes]
        if kind == "mutualisation" and self.syndicates:
            key = SYNDICATE_FOR.get(subject, "")
            operator = next((s for s in self.syndicates if s.name.startswith(key)), None) if key else None
            parties.append((operator or self.syndicates[index % len(self.syndicates)], PartyRole.OPERATOR))
        elif self.syndicates and index % 3 == 0:
            parties.append((self.syndicates[index % len(self.syndicates)], PartyRole.SIGNATORY))
        if kind in ("convention-cadre", "protocole") and self.epts and index % 2 == 0:
            parties.append((self.epts[index % len(self.epts)], PartyRole.SIGNATORY))
        if kind == "cooperation-thematique" and self.partners and index % 5 == 0:
            parties.append((self.partners[index % len(self.partners)], PartyRole.FUNDER))
        return parties

    def dates_for(self, status: str, position: int) -> dict[str, Any]:
        """Signature, effect and expiry dates that agree with the status (relative to today)."""
        rng, today = self.rng, self.today
        months = rng.choice([12, 24, 36, 36, 48])
        if status not in SIGNED:
            # Not signed yet: a planned duration only.
            return {"signed_on": None, "effective_on": None, "expires_on": None, "duration_months": months}
        if status == AgreementStatus.IN_FORCE:
            if position < 3:  # expiring within 30 days
                expires = today + self.days(3, 29)
            elif position < 6:  # expiring within 31 to 60 days
                expires = today + self.days(31, 59)
            else:
                expires = today + self.days(90, 900)
            effective = min(expires - dt.timedelta(days=months * 30), today - self.days(20, 60))
        elif status in (AgreementStatus.EXPIRED, AgreementStatus.RENEWED):
            expires = today - self.days(10, 500)
            effective = expires - dt.timedelta(days=months * 30)
        else:  # terminated early, before the initial expiry
            effective = today - self.days(300, 900)
            expires = effective + dt.timedelta(days=48 * 30)
        signed = effective - self.days(5, 45)
        months = max(1, round((expires - effective).days / 30.44))
        return {
            "signed_on": signed,
            "effective_on": effective,
            "expires_on": expires,
            "duration_months": months,
        }

    def create_agreement(self, index: int, kind_slug: str, status: str, position: int) -> Agreement:
        rng = self.rng
        patterns, theme_slugs = KIND_PLANS[kind_slug]
        subject = SUBJECTS[kind_slug][index % len(SUBJECTS[kind_slug])]
        parties = self.parties_for(kind_slug, subject, index)
        main = next((o for o, role in parties if o != self.metropole), parties[0][0])
        title = patterns[index % len(patterns)].format(org=main.name, subject=subject)[:250]
        dates = self.dates_for(status, position)
        year = (dates["signed_on"] or self.today).year
        reference = f"{REFERENCE_PREFIX}{year}-{index + 1:03d}"
        tacit = (status == AgreementStatus.IN_FORCE and position % 4 == 1) or (
            status == AgreementStatus.RENEWED and position % 2 == 0
        )
        agreement = Agreement.objects.create(
            reference=reference,
            title=title,
            search_text=normalize(f"{reference} {title}")[:400],
            purpose=f"{title[:1].upper()}{title[1:]}. {DEMO_NOTE}",
            kind=self.kinds[kind_slug],
            owner=self.owner,
            status=status,
            is_public=status in SIGNED and index % 5 != 0,
            tacit_renewal=tacit,
            renewal_period_months=12 if tacit else None,
            notice_days=rng.choice([60, 90]) if tacit else (30 if index % 3 == 0 else None),
            **dates,
        )
        agreement.themes.set(self.theme_list(rng.sample(theme_slugs, k=min(2, len(theme_slugs)))))
        party_objects = []
        for organization, role in parties:
            signed_on = None
            if dates["signed_on"] is not None:
                signed_on = dates["signed_on"] - self.days(0, 20)
            elif status == AgreementStatus.SIGNATURE and role == PartyRole.SIGNATORY and rng.random() < 0.5:
                signed_on = self.today - self.days(1, 10)  # some parties have signed already
            party_objects.append(
                AgreementParty.objects.create(
                    agreement=agreement, organization=organization, role=role, signed_on=signed_on
                )
            )
        self.money(agreement, kind_slug, party_objects, dates)
        self.history(agreement, status, dates, party_objects)
        self.obligations(agreement, status, dates, party_objects, position)
        self.counts["agreements"] += 1
        return agreement

    def start_year(self, dates: dict[str, Any]) -> int:
        return (dates["effective_on"] or (self.today + dt.timedelta(days=90))).year

    def money(
        self, agreement: Agreement, kind: str, parties: list[AgreementParty], dates: dict[str, Any]
    ) -> None:
        rng = self.rng
        first = self.start_year(dates)
        years = list(range(first, first + max(1, min(3, dates["duration_months"] // 12))))
        if kind == "financiere":
            payers = [p for p in parties if p.role == PartyRole.BENEFICIARY]
            if rng.random() < 0.35:
                years = years[:1]  # a single payment
            base = rng.choice([40_000, 80_000, 150_000, 300_000])
        elif kind == "mutualisation":
            payers = [p for p in parties if p.organization.kind == OrganizationKind.COMMUNE]
            base = rng.choice([8_000, 15_000, 30_000])
        elif kind in ("cooperation-thematique", "mise-a-disposition"):
            payers = [p for p in parties if p.organization == self.metropole][:1]
            base = rng.choice([10_000, 25_000, 50_000])
        else:
            payers = []  # frameworks and protocols commit no money
            base = 0
        total = Decimal(0)
        for party in payers:
            for year in years:
                amount = _round(base * rng.uniform(0.6, 1.4))
                Commitment.objects.create(agreement=agreement, party=party, year=year, amount=amount)
                total += amount
                self.counts["commitments"] += 1
                if kind == "financiere":
                    planned = dt.date(year, rng.choice([3, 6, 9, 11]), rng.randint(1, 28))
                    signed = dates["signed_on"]
                    if signed is not None and planned < signed:
                        planned = signed + self.days(15, 45)
                    paid = None
                    if agreement.status in SIGNED and planned <= self.today - dt.timedelta(days=10):
                        paid = planned + self.days(0, 20)
                        paid = min(paid, self.today)
                    Payment.objects.create(
                        agreement=agreement,
                        party=party,
                        label=f"Versement {year}",
                        amount=amount,
                        planned_on=planned,
                        paid_on=paid,
                    )
                    self.counts["payments"] += 1
        agreement.total_amount = total
        agreement.save(update_fields=["total_amount"])

    def history(
        self, agreement: Agreement, status: str, dates: dict[str, Any], parties: list[AgreementParty]
    ) -> None:
        """Transitions along the lifecycle up to ``status``, and the approving deliberations."""
        if status in LIFECYCLE:
            path = LIFECYCLE[: LIFECYCLE.index(status) + 1]
        else:
            path = [*LIFECYCLE, status]
        assert all(b in AGREEMENT_TRANSITIONS[a] for a, b in zip(path, path[1:], strict=False))
        signed = dates["signed_on"]
        end = signed if signed is not None else self.today - self.days(1, 15)
        start = end - self.days(60, 200)
        comment = {
            AgreementStatus.EXPIRED: "Échéance atteinte sans renouvellement (démo).",
            AgreementStatus.TERMINATED: "Résiliation d'un commun accord (démo).",
            AgreementStatus.RENEWED: "Remplacée par une nouvelle convention (démo).",
        }.get(status, "")
        if status in SIGNED and status != AgreementStatus.IN_FORCE:
            # The last move happened at the end of the convention (or its termination).
            self.transitions(agreement, path[:-1], start, signed)
            last = (
                dates["expires_on"] if status != AgreementStatus.TERMINATED else self.today - self.days(5, 90)
            )
            self.transitions(
                agreement, path[-2:], min(last, self.today), min(last, self.today), last_comment=comment
            )
        else:
            self.transitions(agreement, path, start, end)
        # Deliberations: once past the deliberation step (some already voted while in deliberation).
        reached = path.index(AgreementStatus.DELIBERATION) if AgreementStatus.DELIBERATION in path else None
        if reached is None:
            return
        vote_day = (signed or self.today) - self.days(20, 60)
        if status == AgreementStatus.DELIBERATION and self.rng.random() < 0.5:
            return  # not voted yet
        if self.metropole:
            self.deliberation(agreement, self.metropole, vote_day)
        for party in parties:
            if party.organization.kind == OrganizationKind.COMMUNE and self.rng.random() < 0.5:
                self.deliberation(agreement, party.organization, vote_day - self.days(0, 30))

    def obligations(
        self,
        agreement: Agreement,
        status: str,
        dates: dict[str, Any],
        parties: list[AgreementParty],
        position: int,
    ) -> None:
        if status not in SIGNED:
            return
        rng, today = self.rng, self.today
        owner = self.owner
        followed = [p.organization_id for p in parties if p.organization_id in self.correspondents]
        if followed and rng.random() < 0.6:
            owner = self.correspondents[followed[0]]
        items: list[tuple[str, str, dt.date, str]] = []
        effective = dates["effective_on"]
        items.append(
            (ObligationKind.STEERING_COMMITTEE, "Comité de pilotage de lancement", effective, "done")
        )
        if status == AgreementStatus.IN_FORCE:
            if position % 3 == 0:
                items.append(
                    (
                        ObligationKind.ANNUAL_REPORT,
                        "Rapport annuel d'activité",
                        today - self.days(3, 40),
                        "todo",
                    )
                )
            elif position % 3 == 1:
                items.append(
                    (
                        ObligationKind.SUPPORTING_DOCUMENTS,
                        "Pièces justificatives des dépenses",
                        today + self.days(1, 9),
                        "todo",
                    )
                )
            else:
                items.append(
                    (
                        ObligationKind.ASSESSMENT,
                        "Évaluation intermédiaire",
                        today + self.days(20, 120),
                        "todo",
                    )
                )
            if agreement.kind.is_financial:
                items.append(
                    (
                        ObligationKind.SUPPORTING_DOCUMENTS,
                        "Compte rendu financier",
                        today + self.days(2, 30),
                        "todo",
                    )
                )
        else:
            items.append(
                (ObligationKind.ASSESSMENT, "Bilan final", dates["expires_on"] - self.days(5, 30), "done")
            )
            if position % 2 == 0:
                items.append(
                    (
                        ObligationKind.ANNUAL_REPORT,
                        "Rapport annuel d'activité",
                        dates["expires_on"] - self.days(60, 200),
                        "waived",
                    )
                )
        for kind, title, due, state in items:
            Obligation.objects.create(
                agreement=agreement,
                kind=kind,
                title=f"{title} ({agreement.reference})",
                due_on=due,
                owner=owner,
                status=state,
                done_on=min(due + self.days(0, 10), today) if state == ObligationStatus.DONE else None,
            )
            self.counts["obligations"] += 1

    # --- amendments ------------------------------------------------------------------------

    def amend(self, agreement: Agreement, number: int, status: str) -> None:
        """An amendment: extends the expiry, changes a commitment, or adds a party (applied once in force)."""
        rng, today = self.rng, self.today
        signed = None
        if status == AmendmentStatus.IN_FORCE:
            # Signed while the convention was running.
            low = agreement.signed_on + dt.timedelta(days=30)
            high = max(low, min(today, (agreement.expires_on or today) - dt.timedelta(days=10)))
            signed = low + dt.timedelta(days=rng.randint(0, (high - low).days))
        new_expiry = None
        if agreement.expires_on and number % 2 == 1 and agreement.status == AgreementStatus.IN_FORCE:
            new_expiry = agreement.expires_on + dt.timedelta(days=365)
        amendment = Amendment.objects.create(
            agreement=agreement,
            number=number,
            purpose="Avenant fictif de démonstration : "
            + ("prolongation d'un an et " if new_expiry else "")
            + "ajustement des engagements.",
            status=status,
            signed_on=signed,
            new_expires_on=new_expiry,
        )
        self.counts["amendments"] += 1
        commitment = agreement.commitments.select_related("party").order_by("-year", "pk").first()
        if commitment is not None:
            new_amount = _round(float(commitment.amount) * rng.choice([0.8, 1.1, 1.25]))
            AmendmentChange.objects.create(
                amendment=amendment,
                kind=AmendmentChange.Kind.COMMITMENT,
                organization=commitment.party.organization,
                role=commitment.party.role,
                year=commitment.year,
                amount=new_amount,
            )
            self.counts["amendment_changes"] += 1
        present = set(agreement.parties.values_list("organization_id", flat=True))
        candidates = rng.sample(self.communes, k=min(10, len(self.communes)))
        newcomer = next((c for c in candidates if c.pk not in present), None)
        if newcomer is not None and not agreement.kind.is_financial:
            AmendmentChange.objects.create(
                amendment=amendment,
                kind=AmendmentChange.Kind.ADD_PARTY,
                organization=newcomer,
                role=PartyRole.SIGNATORY,
            )
            self.counts["amendment_changes"] += 1
        path = {
            AmendmentStatus.IN_FORCE: [
                AmendmentStatus.DRAFT,
                AmendmentStatus.NEGOTIATION,
                AmendmentStatus.LEGAL_REVIEW,
                AmendmentStatus.DELIBERATION,
                AmendmentStatus.SIGNATURE,
                AmendmentStatus.IN_FORCE,
            ],
            AmendmentStatus.NEGOTIATION: [AmendmentStatus.DRAFT, AmendmentStatus.NEGOTIATION],
        }.get(status, [AmendmentStatus.DRAFT])
        end = signed or today - self.days(1, 10)
        self.transitions(agreement, path, end - self.days(30, 90), end, amendment=amendment)
        if status != AmendmentStatus.IN_FORCE:
            return
        if self.metropole:
            self.deliberation(agreement, self.metropole, signed - self.days(10, 30), amendment=amendment)
        # The base records stay as signed: the consolidated state applies the amendment's changes.

    # --- common topics and cooperations ------------------------------------------------------

    def cooperations(self) -> list[Cooperation]:
        rng, today = self.rng, self.today
        created = []
        for index, (title, theme, status) in enumerate(COOPERATIONS):
            if status == CooperationStatus.PREPARING:
                start, end = today + self.days(30, 120), None
            elif status == CooperationStatus.ACTIVE:
                start, end = today - self.days(100, 600), today + self.days(100, 700)
            elif status == CooperationStatus.COMPLETED:
                end = today - self.days(30, 300)
                start = end - self.days(300, 700)
            else:
                start = today - self.days(200, 500)
                end = start + self.days(60, 150)
            cooperation = Cooperation.objects.create(
                title=title,
                search_text=normalize(title)[:250],
                description=f"Coopération fictive de démonstration : {title.lower()}.",
                objectives="Partager les retours d'expérience, mutualiser les moyens, suivre des indicateurs communs.",
                status=status,
                start_date=start,
                end_date=end,
                owner=self.owner,
            )
            cooperation.themes.set(self.theme_list([theme]))
            pilot = self.metropole if index % 3 == 0 or not self.communes else rng.choice(self.communes)
            members = rng.sample(self.communes, k=min(len(self.communes), rng.randint(3, 8)))
            if self.followed:
                members.append(self.followed[index % len(self.followed)])
            rows = {(pilot.pk, ParticipantRole.PILOT): pilot} if pilot else {}
            for member in members:
                if member != pilot:
                    rows[(member.pk, ParticipantRole.PARTNER)] = member
            if self.syndicates and index % 2 == 0:
                syndicate = self.syndicates[index % len(self.syndicates)]
                rows[(syndicate.pk, ParticipantRole.PARTNER)] = syndicate
            if self.partners and index % 4 == 1:
                funder = self.partners[index % len(self.partners)]
                rows[(funder.pk, ParticipantRole.FUNDER)] = funder
            if pilot is not self.metropole and self.metropole:
                rows[(self.metropole.pk, ParticipantRole.FUNDER)] = self.metropole
            CooperationParticipant.objects.bulk_create(
                CooperationParticipant(cooperation=cooperation, organization=organization, role=role)
                for (_, role), organization in rows.items()
            )
            self.counts["participants"] += len(rows)
            steps = rng.randint(3, 5)
            for step in range(steps):
                due = start + dt.timedelta(days=(step + 1) * 75)
                done = None
                if due < today and status != CooperationStatus.PREPARING:
                    done = min(due + self.days(0, 15), today)
                    if status == CooperationStatus.ABANDONED and step >= 1:
                        done = None
                Milestone.objects.create(
                    cooperation=cooperation,
                    title=MILESTONES[step % len(MILESTONES)],
                    due_date=due,
                    done_on=done,
                )
                self.counts["milestones"] += 1
            created.append(cooperation)
        self.counts["cooperations"] = len(created)
        return created

    def topics(self, cooperations: list[Cooperation]) -> None:
        rng = self.rng
        if not self.communes:
            return
        statuses = list(TOPIC_STATUSES)
        converted = [
            c for c in cooperations if c.status in (CooperationStatus.ACTIVE, CooperationStatus.COMPLETED)
        ]
        for index, (title, theme) in enumerate(TOPICS):
            status = statuses[index % len(statuses)]
            proposer = rng.choice(self.communes)
            topic = CommonTopic.objects.create(
                title=title,
                search_text=normalize(title)[:250],
                description=f"Sujet commun fictif de démonstration : {title[:1].lower()}{title[1:]}.",
                proposer=proposer,
                proposed_by=None,
                status=status,
                dismissal_reason="Déjà traité par un syndicat (démo)."
                if status == TopicStatus.DISMISSED
                else "",
                cooperation=converted.pop(0) if status == TopicStatus.CONVERTED and converted else None,
            )
            topic.themes.set(self.theme_list([theme]))
            interested = {proposer.pk: proposer}
            for commune in rng.sample(self.communes, k=min(len(self.communes), rng.randint(1, 11))):
                interested[commune.pk] = commune
            if self.followed and index % 2 == 0:
                follower = self.followed[index % len(self.followed)]
                interested[follower.pk] = follower
            if self.syndicates and index % 5 == 0:
                syndicate = self.syndicates[index % len(self.syndicates)]
                interested[syndicate.pk] = syndicate
            TopicInterest.objects.bulk_create(
                TopicInterest(
                    topic=topic,
                    organization=organization,
                    declared_by=self.correspondents.get(organization.pk),
                    comment="Intérêt fictif de démonstration." if organization == proposer else "",
                )
                for organization in interested.values()
            )
            territories = {
                organization.territory_id
                or (organization.commune.territory_id if organization.commune_id else None)
                for organization in interested.values()
            }
            topic.support_count = len(interested)
            topic.territory_count = len(territories - {None})
            topic.save(update_fields=["support_count", "territory_count"])
            self.counts["topics"] += 1
            self.counts["interests"] += len(interested)


@transaction.atomic
def agreements_demo_load(*, seed: int = 2026) -> dict[str, int]:
    """Create the demo register once (skipped when demo conventions exist); returns what was created."""
    if Agreement.objects.filter(reference__startswith=REFERENCE_PREFIX).exists():
        return {}
    owner = _owner()
    if owner is None or not AgreementKind.objects.exists():
        return {}
    register = _Register(seed=seed, owner=owner)
    if not register.communes:
        return {}
    kinds = sorted(KIND_PLANS)
    index = 0
    by_status: dict[str, list[Agreement]] = defaultdict(list)
    for status, count in STATUS_PLAN:
        for position in range(count):
            kind = kinds[index % len(kinds)]
            by_status[status].append(register.create_agreement(index, kind, status, position))
            index += 1
    # Amendments: in force on some signed conventions, in progress on others.
    in_force = by_status[AgreementStatus.IN_FORCE]
    for number, agreement in enumerate(in_force[6:12], start=1):
        register.amend(agreement, 1, AmendmentStatus.IN_FORCE)
        if number % 2 == 0:
            register.amend(agreement, 2, AmendmentStatus.NEGOTIATION)
    for agreement in in_force[12:15]:
        register.amend(agreement, 1, AmendmentStatus.DRAFT)
    for agreement in by_status[AgreementStatus.EXPIRED][:2]:
        register.amend(agreement, 1, AmendmentStatus.IN_FORCE)
    cooperations = register.cooperations()
    # Thematic conventions belong to a cooperation of the same theme when there is one.
    for agreement in Agreement.objects.filter(
        reference__startswith=REFERENCE_PREFIX, kind__slug="cooperation-thematique"
    ).prefetch_related("themes"):
        slugs = {theme.slug for theme in agreement.themes.all()}
        match = next((c for c in cooperations if {t.slug for t in c.themes.all()} & slugs), None)
        if match is not None:
            Agreement.objects.filter(pk=agreement.pk).update(cooperation=match)
    register.topics(cooperations)
    return dict(register.counts)
