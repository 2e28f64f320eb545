"""Demo bodies and sessions (the "G 131" of the DGS, a public conference of mayors) and diffusion
(achievements, newsletters). Loaded once: a second run adds nothing.

Nothing here can e-mail anyone: past invitations are written as rows (no outbox), the newsletters
sent go to the demo people only (@exemple.fr) and their outbox rows are marked as already sent.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

from django.db import transaction
from django.utils import timezone
from faker import Faker

from maillage.agreements.models import Agreement, AgreementStatus
from maillage.cooperation.models import CommonTopic, Cooperation
from maillage.core.text import normalize
from maillage.diffusion import services as diffusion_services
from maillage.diffusion.models import Newsletter
from maillage.meetings import selectors, services
from maillage.meetings.models import (
    Body,
    Invitation,
    InvitationRole,
    MeetingSession,
    Response,
    SessionStatus,
)
from maillage.organizations.models import Organization, OrganizationKind
from maillage.outbox.models import MessageStatus, OutboxMessage
from maillage.people.models import LegalBasis, Person, Position, PositionRole

G131 = "G 131"
CONFERENCE = "Conférence métropolitaine des maires"
DEMO_SOURCE = "Démonstration : personne fictive"
AUDIENCE = "Démonstration : personnes consentantes"
PLACE = "Hôtel de la Métropole, 15-19 avenue Pierre Mendès France, 75013 Paris"
VIDEO = "https://visio.example.org/g131"
PAST_THEMES = [
    "Budget et pacte financier",
    "Plan climat : bilan annuel",
    "Mutualisation des achats",
    "Données ouvertes et outils communs",
    "Jeux de 2024 : héritage",
    "Gestion des crues : retour d'expérience",
]
ACTIONS = [
    "Diffuser la note de synthèse aux communes",
    "Recenser les besoins d'achats groupés",
    "Préparer un modèle de convention de mutualisation",
    "Proposer un calendrier des ateliers thématiques",
    "Consolider les retours des EPT",
    "Rédiger la feuille de route partagée",
]
# Share of communes that never came, and the rates the others come with.
NEVER_PRESENT = 0.12
RATES = [0.25, 0.45, 0.65, 0.85, 1.0]
ACHIEVEMENTS = [
    ("Dix cours d'école végétalisées", "Des cours plus fraîches et perméables, conçues avec les élèves."),
    ("Premier achat groupé d'énergie", "Un marché commun pour les bâtiments publics de plusieurs communes."),
    ("Réseau de tiers-lieux lancé", "Une charte commune et une carte des lieux ouverts au public."),
    ("Capteurs de qualité de l'air installés", "Des mesures partagées près des écoles et des axes routiers."),
    (
        "Repères de crue posés en bord de Marne",
        "Des repères visibles et un exercice commun de gestion de crise.",
    ),
    ("Artisans accompagnés dans la ZFE", "Un guichet unique et des aides au renouvellement des véhicules."),
    (
        "Collecte des biodéchets dans les cantines",
        "Une expérimentation dans les restaurants scolaires volontaires.",
    ),
    ("Équipements sportifs des Jeux ouverts à tous", "Un calendrier commun d'ouverture au public."),
]


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _fictional_dgs(*, rng: random.Random, fake: Faker) -> int:
    """A fictional DGS for each home organisation of the rule's kinds that has none today."""
    from maillage.demo.services import FICTIONAL_SURNAMES

    today = timezone.localdate()
    kinds = [OrganizationKind.COMMUNE, OrganizationKind.EPT, OrganizationKind.METROPOLE]
    organizations = Organization.objects.filter(selectors.home_organizations_q(), kind__in=kinds)
    staffed = set(
        Position.objects.filter(
            selectors.current_positions_q(today), role=PositionRole.DGS, organization__in=organizations
        ).values_list("organization_id", flat=True)
    )
    created = 0
    for organization in organizations.exclude(pk__in=staffed).order_by("name"):
        first, last = fake.first_name(), rng.choice(FICTIONAL_SURNAMES)
        last_contact = today - dt.timedelta(days=rng.randint(5, 300))
        person = Person.objects.create(
            first_name=first,
            last_name=last,
            search_text=normalize(f"{first} {last}"),
            email=f"{normalize(first)}.{normalize(last)}.{organization.pk}@exemple.fr".replace(" ", "-"),
            legal_basis=LegalBasis.PUBLIC_INTEREST,
            source=DEMO_SOURCE,
            last_interaction_at=last_contact,
            retention_until=Person.retention_from(last_contact),
        )
        Position.objects.create(
            person=person, organization=organization, role=PositionRole.DGS, start_date=dt.date(2021, 9, 1)
        )
        created += 1
    return created


def _invite(session: MeetingSession, seats: list[selectors.Seat]) -> list[Invitation]:
    return Invitation.objects.bulk_create(
        Invitation(
            session=session,
            person=seat.person,
            organization=seat.organization,
            role=InvitationRole.MEMBER,
            sent_sequence=0,
        )
        for seat in seats
    )


def _g131(*, rng: random.Random, counts: Counter) -> Body:
    today = timezone.localdate()
    body = services.body_create(
        data={
            "name": G131,
            "purpose": "Réunion des directeurs généraux des services des communes, des EPT et de la "
            "Métropole : préparer ensemble les sujets communs. (Instance de démonstration.)",
            "quorum_kind": "percent",
            "quorum_value": 50,
            "rule_role": PositionRole.DGS,
            "rule_kinds": [OrganizationKind.COMMUNE, OrganizationKind.EPT, OrganizationKind.METROPOLE],
        }
    )
    seats = selectors.body_seats(body)
    # Participation habits per organisation: some communes never come, the others more or less often.
    rate = {
        seat.organization.pk: 0.0 if rng.random() < NEVER_PRESENT else rng.choice(RATES)
        for seat in seats
        if seat.organization is not None
    }
    owners = [seat.person for seat in seats] or [None]
    open_actions = []
    for index in range(6, 0, -1):  # six past sessions, about every two months
        day = today - dt.timedelta(days=61 * index)
        day -= dt.timedelta(days=(day.weekday() - 3) % 7)  # a Thursday
        start = _aware(day, 9, 30)
        session = services.session_create(
            body=body,
            data={
                "title": f"G 131 – {PAST_THEMES[6 - index]}",
                "cycle": f"{start.year}",
                "starts_at": start,
                "ends_at": start + dt.timedelta(hours=2, minutes=30),
                "address": PLACE,
                "video_url": VIDEO,
            },
        )
        for order, title in enumerate(
            [PAST_THEMES[6 - index], "Suivi des actions", "Questions diverses"], start=1
        ):
            services.agenda_item_add(session=session, data={"title": title, "order": order})
        invitations = _invite(session, seats)
        for invitation in invitations:
            came = rng.random() < rate.get(invitation.organization_id, 0.0)
            if came:
                invitation.attendance = Response.REPRESENTED if rng.random() < 0.2 else Response.PRESENT
                invitation.attendance_proxy = (
                    "Directeur général adjoint (fictif)"
                    if invitation.attendance == Response.REPRESENTED
                    else ""
                )
            else:
                invitation.attendance = Response.ABSENT
            answered = rng.random() < 0.85
            invitation.response = invitation.attendance if answered else Response.PENDING
            invitation.proxy_name = invitation.attendance_proxy if answered else ""
            invitation.responded_at = start - dt.timedelta(days=rng.randint(1, 10)) if answered else None
        Invitation.objects.bulk_update(
            invitations, ["attendance", "attendance_proxy", "response", "proxy_name", "responded_at"]
        )
        MeetingSession.objects.filter(pk=session.pk).update(
            status=SessionStatus.HELD, invitations_sent_at=start - dt.timedelta(days=21)
        )
        session.status = SessionStatus.HELD
        present = sum(1 for i in invitations if i.attendance != Response.ABSENT)
        services.minutes_save(
            session=session,
            minutes=f"Compte rendu fictif de la séance « {PAST_THEMES[6 - index]} ». "
            f"{present} organisations présentes ou représentées sur {len(invitations)}. "
            "Les échanges ont porté sur l'état d'avancement des sujets communs.",
        )
        for text in (
            f"Le G 131 valide la méthode proposée pour « {PAST_THEMES[6 - index].lower()} ».",
            "Un point d'étape sera présenté à la prochaine séance.",
        ):
            services.decision_add(session=session, text=text)
            counts["decisions"] += 1
        for number in range(2):
            action = services.action_add(
                session=session,
                data={
                    "description": ACTIONS[(6 - index + number) % len(ACTIONS)],
                    "owner_person": rng.choice(owners),
                    "due_date": day + dt.timedelta(days=45),
                },
            )
            counts["actions"] += 1
            if (index > 2 and number == 0) or index > 4:  # older ones closed, recent ones carried over
                services.action_close(action=action)
            else:
                open_actions.append(action)
        counts["sessions"] += 1
        counts["invitations"] += len(invitations)
    counts["open_actions"] = len(open_actions)

    topic = (
        CommonTopic.objects.filter(title="Végétaliser les cours d'école ensemble").first()
        or CommonTopic.objects.order_by("-support_count", "pk").first()
    )
    for number, days in enumerate((20, 82)):
        day = today + dt.timedelta(days=days)
        start = _aware(day, 9, 30)
        session = services.session_create(
            body=body,
            data={
                "title": "G 131 – séance de rentrée" if number == 0 else "G 131 – séance d'hiver",
                "cycle": f"{start.year}",
                "starts_at": start,
                "ends_at": start + dt.timedelta(hours=2, minutes=30),
                "address": PLACE,
                "video_url": VIDEO,
            },
        )
        items: list[dict[str, Any]] = [{"title": "Suivi des actions en cours", "order": 1}]
        if topic is not None:
            items.append({"title": topic.title, "description": topic.description, "topic": topic, "order": 2})
        items.append({"title": "Calendrier des ateliers", "order": 3})
        for item in items:
            services.agenda_item_add(session=session, data=item)
            counts["agenda_items"] += 1
        if number == 0:  # invitations "already sent" (no e-mail), some answers already in
            invitations = _invite(session, seats)
            for invitation in invitations:
                roll = rng.random()
                if roll < 0.45:
                    invitation.response = Response.PRESENT
                elif roll < 0.6:
                    invitation.response = Response.ABSENT
                elif roll < 0.68:
                    invitation.response, invitation.proxy_name = (
                        Response.REPRESENTED,
                        "Adjoint au DGS (fictif)",
                    )
                if invitation.response:
                    invitation.responded_at = timezone.now() - dt.timedelta(days=rng.randint(0, 5))
            Invitation.objects.bulk_update(invitations, ["response", "proxy_name", "responded_at"])
            MeetingSession.objects.filter(pk=session.pk).update(
                invitations_sent_at=timezone.now() - dt.timedelta(days=7)
            )
            counts["invitations"] += len(invitations)
        counts["sessions"] += 1
    return body


def _conference(counts: Counter) -> Body:
    body = services.body_create(
        data={
            "name": CONFERENCE,
            "purpose": "Conférence des maires de la Métropole, ouverte au public. (Instance de démonstration.)",
            "is_public": True,
            "rule_role": PositionRole.MAYOR,
            "rule_kinds": [OrganizationKind.COMMUNE],
        }
    )
    start = _aware(timezone.localdate() + dt.timedelta(days=45), 18, 0)
    session = services.session_create(
        body=body,
        data={
            "title": "Conférence d'automne",
            "cycle": f"{start.year}",
            "starts_at": start,
            "ends_at": start + dt.timedelta(hours=2),
            "address": PLACE,
        },
    )
    for order, title in enumerate(
        ["Bilan des coopérations de l'année", "Présentation des réalisations", "Échanges avec le public"], 1
    ):
        services.agenda_item_add(session=session, data={"title": title, "order": order})
        counts["agenda_items"] += 1
    counts["sessions"] += 1
    return body


def _diffusion(*, counts: Counter) -> None:
    today = timezone.localdate()
    agreements = list(
        Agreement.objects.filter(
            reference__startswith="DEMO-", status=AgreementStatus.IN_FORCE, is_public=True
        ).order_by("reference")
    )
    cooperations = list(Cooperation.objects.prefetch_related("themes").order_by("pk"))
    achievements = []
    for index, (title, summary) in enumerate(ACHIEVEMENTS):
        cooperation = cooperations[index % len(cooperations)] if cooperations else None
        agreement = agreements[index % len(agreements)] if agreements and index % 2 == 0 else None
        achievement = diffusion_services.achievement_create(
            data={
                "title": title,
                "summary": summary,
                "body": f"{summary} (Réalisation fictive de démonstration.)",
                "date": today - dt.timedelta(days=25 * (index + 1)),
                "agreement": agreement,
                "cooperation": cooperation,
                "is_published": True,
                "themes": list(cooperation.themes.all()) if cooperation else [],
                "organizations": [
                    p.organization
                    for p in (
                        cooperation.participants.select_related("organization")[:3] if cooperation else []
                    )
                ],
            }
        )
        achievements.append(achievement)
    counts["achievements"] = len(achievements)

    audience = diffusion_services.audience_save(
        data={
            "name": AUDIENCE,
            "description": "Les personnes fictives de la démonstration qui ont consenti à la lettre.",
            "include_people": True,
            "include_subscribers": False,
        }
    )
    plans = [
        ("Lettre de la coopération n° 1", achievements[4:8], agreements[:2], 90),
        ("Lettre de la coopération n° 2", achievements[1:4], agreements[2:4], 30),
        ("Lettre de la coopération n° 3 (en préparation)", achievements[:1], [], None),
    ]
    for title, picked, signed, sent_days_ago in plans:
        newsletter = diffusion_services.newsletter_save(
            data={
                "title": title,
                "intro": "Des nouvelles de la coopération territoriale (lettre de démonstration).",
                "audience": audience,
                "achievements": picked,
                "agreements": signed,
            },
            sections=[{"heading": "Le mot du G 131", "body": "Texte fictif de démonstration."}],
        )
        counts["newsletters"] += 1
        if sent_days_ago is None:
            continue
        recipients = diffusion_services.newsletter_send(newsletter=newsletter)
        sent_at = timezone.now() - dt.timedelta(days=sent_days_ago)
        Newsletter.objects.filter(pk=newsletter.pk).update(sent_at=sent_at)
        # Demo messages are never delivered: recorded as sent already.
        OutboxMessage.objects.filter(dedupe_key__startswith=f"diffusion:newsletter:{newsletter.pk}:").update(
            status=MessageStatus.SENT, sent_at=sent_at
        )
        counts["newsletter_recipients"] += recipients


@transaction.atomic
def meetings_demo_load(*, seed: int = 2026) -> dict[str, int]:
    """Create the demo bodies, sessions, achievements and newsletters once; {} when already there."""
    if Body.objects.filter(name=G131).exists():
        return {}
    rng = random.Random(seed + 131)
    fake = Faker("fr_FR")
    fake.seed_instance(seed + 131)
    counts: Counter = Counter()
    counts["fictional_dgs"] = _fictional_dgs(rng=rng, fake=fake)
    _g131(rng=rng, counts=counts)
    _conference(counts)
    counts["bodies"] = 2
    _diffusion(counts=counts)
    return dict(counts)
