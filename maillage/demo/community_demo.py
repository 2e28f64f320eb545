"""Demonstration data of the community app (idempotent).

About 25 member profiles of fictional people (created in the directory with a current position in
real organisations of the Métropole du Grand Paris: city halls, EPT, the métropole), each with a
recorded consent, skills, interests and, when the catalogue has some, projects; 4 events (two past,
with registrations and attendance, two upcoming, one of them full with a waiting list); 6
lessons-learned sheets with their licence. Written through the services, without any e-mail: the
confirmation messages the registrations queue are marked as already sent (demo addresses are
@exemple.fr). A second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import random

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from maillage.community import services
from maillage.community.models import ConsentMethod, Event, EventKind, Licence, MemberProfile, Registration
from maillage.core.text import normalize
from maillage.organizations.models import Organization, OrganizationKind
from maillage.outbox.models import MessageStatus, OutboxMessage
from maillage.people.models import LegalBasis, Person, Position, PositionRole
from maillage.themes.models import Theme

MARKER = "Démonstration : communauté des innovateurs publics"
CONSENT_NOTE = "Formulaire d'adhésion à la communauté (démonstration)"

# INSEE codes of real MGP communes whose city hall hosts a member.
COMMUNES = [
    "93048", "94080", "92012", "93066", "94028", "92050", "93001", "94017", "92040", "93055",
    "94041", "92025", "93070", "94033", "92063", "75056",
]  # fmt: skip

# (first name, last name, job title, skills, theme slugs) – fictional people.
MEMBERS = [
    ("Léa", "Moreau-Fictif", "Cheffe de projet innovation", "Design de services, Facilitation", ["numerique"]),
    ("Karim", "Benali-Fictif", "Responsable données", "Open data, Data visualisation, Python", ["numerique"]),
    ("Sophie", "Lambert-Fictif", "Chargée de participation", "Budget participatif, Concertation", ["politique-de-la-ville"]),
    ("Thomas", "Nguyen-Fictif", "Développeur", "Logiciel libre, Python, Accessibilité numérique", ["numerique"]),
    ("Amina", "Diallo-Fictif", "Cheffe de service climat", "Plan climat, Îlots de fraîcheur", ["climat-air-energie", "nature-en-ville"]),
    ("Julien", "Petit-Fictif", "Designer", "Design de services, Prototypage, Tests utilisateurs", ["numerique"]),
    ("Camille", "Roux-Fictif", "Chargée de mission économie circulaire", "Réemploi, Achats responsables", ["economie-circulaire"]),
    ("Nicolas", "Fontaine-Fictif", "Acheteur public", "Marchés publics, Achats innovants", ["developpement-economique"]),
    ("Inès", "Garcia-Fictif", "Conseillère numérique", "Inclusion numérique, Médiation", ["numerique", "politique-de-la-ville"]),
    ("Hugo", "Marchand-Fictif", "Responsable mobilités", "Vélo, Logistique urbaine", ["mobilite"]),
    ("Chloé", "Durand-Fictif", "Chargée de mission nature en ville", "Végétalisation, Cours Oasis", ["nature-en-ville"]),
    ("Mehdi", "Haddad-Fictif", "Chef de projet SIG", "Cartographie, Open data", ["numerique", "amenagement"]),
    ("Claire", "Lefebvre-Fictif", "Directrice de l'innovation", "Management de l'innovation, Facilitation", ["numerique"]),
    ("Antoine", "Girard-Fictif", "Chargé d'évaluation", "Évaluation des politiques publiques, Data visualisation", ["numerique"]),
    ("Fatou", "Sow-Fictif", "Cheffe de projet tiers-lieux", "Tiers-lieux, Animation de communauté", ["politique-de-la-ville"]),
    ("Romain", "Chevalier-Fictif", "Énergéticien", "Rénovation énergétique, Plan climat", ["climat-air-energie"]),
    ("Sarah", "Cohen-Fictif", "Juriste", "Marchés publics, RGPD", ["numerique"]),
    ("Yanis", "Meunier-Fictif", "Chargé de communication", "Communication publique, Concertation", ["sport-culture"]),
    ("Manon", "Robin-Fictif", "Cheffe de projet alimentation", "Alimentation durable, Achats responsables", ["economie-circulaire"]),
    ("Lucas", "Fabre-Fictif", "Chef de projet smart city", "Capteurs, Open data, Logiciel libre", ["numerique"]),
    ("Nora", "Benoit-Fictif", "Chargée Europe", "Fonds européens, Montage de projets", ["europe-international"]),
    ("Paul", "Mercier-Fictif", "Responsable habitat", "Habitat participatif, Concertation", ["habitat"]),
    ("Aïcha", "Traoré-Fictif", "Chargée de mission sport", "Héritage des Jeux, Animation de communauté", ["sport-culture"]),
    ("Victor", "Blanc-Fictif", "Urbaniste", "Urbanisme transitoire, Prototypage", ["amenagement"]),
    ("Elsa", "Gauthier-Fictif", "Data scientist", "Python, Data visualisation, Évaluation des politiques publiques", ["numerique"]),
]  # fmt: skip

EVENTS = [
    # (title, kind, days from today, hour, place, video, capacity, public, registrations)
    ("Atelier : concevoir un service avec ses usagers", EventKind.WORKSHOP, -45, 14,
     "Hôtel de la Métropole, 15-19 avenue Pierre Mendès France, 75013 Paris", "", 20, True, 14),
    ("Learning expedition : les cours Oasis à Paris", EventKind.LEARNING_EXPEDITION, -20, 9,
     "Rendez-vous devant l'école, rue fictive, 75011 Paris", "", 15, True, 12),
    ("Webinaire : ouvrir ses données avec data.gouv.fr", EventKind.WEBINAR, 12, 11,
     "", "https://visio.exemple.fr/webinaire-open-data", None, True, 9),
    ("Rencontre des référents innovation des EPT", EventKind.MEETUP, 30, 10,
     "Hôtel de la Métropole, 15-19 avenue Pierre Mendès France, 75013 Paris", "", 6, False, 8),
]  # fmt: skip

RESOURCES = [
    ("Budget participatif : trois ans de retours", "Ce qui a fonctionné, ce que nous avons changé d'une édition à l'autre.",
     Licence.ETALAB_2, ["politique-de-la-ville"], "budget"),
    ("Cours Oasis : associer les enfants au chantier", "Méthode de concertation avec les élèves et les équipes éducatives.",
     Licence.CC_BY_4, ["nature-en-ville"], "oasis"),
    ("Ouvrir ses données sans équipe dédiée", "Premiers jeux de données, outils gratuits et erreurs à éviter.",
     Licence.CC_BY_SA_4, ["numerique"], "donn"),
    ("Tiers-lieu numérique : le modèle économique", "Charges, recettes et partenariats après deux ans d'ouverture.",
     Licence.CC0, ["politique-de-la-ville", "numerique"], "tiers"),
    ("Achats innovants : le sourcing avant le marché", "Comment rencontrer les entreprises sans fausser la concurrence.",
     Licence.ETALAB_2, ["developpement-economique"], ""),
    ("Signalement citoyen : retour d'expérience interne", "Organisation des équipes pour traiter les signalements.",
     Licence.ALL_RIGHTS_RESERVED, ["numerique"], "signal"),
]  # fmt: skip

BODY = (
    "Contexte : {title}.\n\n"
    "Ce que nous avons fait : un pilote sur quelques sites, puis une extension progressive.\n\n"
    "Ce que nous referions : associer plus tôt les agents de terrain et les usagers.\n\n"
    "Ce que nous éviterions : un calendrier trop serré pour la phase de test.\n\n"
    + MARKER
    + " (contenu fictif)."
)


def _demo_pdf(title: str, body: str) -> ContentFile | None:
    """A one-page PDF of the sheet, so that the demo shows a download (None without reportlab)."""
    try:
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen import canvas
    except ImportError:  # pragma: no cover
        return None
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    text = pdf.beginText(60, 780)
    text.setFont("Helvetica-Bold", 14)
    text.textLine(title)
    text.setFont("Helvetica", 10)
    for paragraph in body.split("\n"):
        text.textLine(paragraph[:110])
    pdf.drawText(text)
    pdf.showPage()
    pdf.save()
    return ContentFile(buffer.getvalue(), name=f"{normalize(title).replace(' ', '-')[:40]}.pdf")


def _solutions():
    try:
        from maillage.innovation.models import Solution
    except ImportError:  # pragma: no cover
        return []
    return list(Solution.objects.only("pk", "title").order_by("pk"))


def _match(solutions, keyword: str):
    if not keyword:
        return None
    return next((s for s in solutions if keyword in normalize(s.title)), None)


@transaction.atomic
def load(*, seed: int = 2026) -> dict[str, int]:
    """Create the demo objects once; return counts of what was created."""
    if Event.objects.filter(description__contains=MARKER).exists():
        return {}
    rng = random.Random(seed)
    cities = list(
        Organization.objects.filter(kind=OrganizationKind.COMMUNE, commune_id__in=COMMUNES).order_by(
            "commune_id"
        )
    )
    others = list(Organization.objects.filter(kind__in=[OrganizationKind.EPT, OrganizationKind.METROPOLE]))
    organizations = cities + others
    if not organizations:
        return {}
    themes = {t.slug: t for t in Theme.objects.all()}
    solutions = _solutions()
    today = timezone.localdate()
    profiles = []
    for index, (first, last, job, skills, slugs) in enumerate(MEMBERS):
        organization = organizations[index % len(organizations)]
        email = f"{normalize(first)}.{normalize(last)}@exemple.fr".replace(" ", "-")
        person = Person.objects.create(
            first_name=first,
            last_name=last,
            email=email,
            legal_basis=LegalBasis.CONSENT,
            source=MARKER,
            search_text=normalize(f"{first} {last} {email}"),
            retention_until=Person.retention_from(today),
        )
        Position.objects.create(
            person=person,
            organization=organization,
            role=PositionRole.INNOVATION_LEAD if index % 3 == 0 else PositionRole.PROJECT_OFFICER,
            title=job,
            start_date=today - dt.timedelta(days=200 + 37 * index),
        )
        profile = services.profile_create(
            person=person,
            data={
                "organization": organization,
                "job_title": job,
                "bio": f"{job} à {organization.name}. {MARKER} (personne fictive).",
                "show_email": index % 2 == 0,
            },
            consent_given=True,
            consent_method=ConsentMethod.RECORDED,
            consent_note=CONSENT_NOTE,
            skills=services.skills_from_text(skills),
            interests=[themes[s] for s in slugs if s in themes],
            projects=rng.sample(solutions, k=min(len(solutions), rng.choice([0, 1, 1, 2]))),
        )
        profiles.append(profile)
    metropole = next((o for o in others if o.kind == OrganizationKind.METROPOLE), None)
    events = registrations = 0
    now = timezone.now()
    for title, kind, days, hour, place, video, capacity, public, count in EVENTS:
        starts = timezone.make_aware(
            dt.datetime.combine(today + dt.timedelta(days=max(days, 1)), dt.time(hour))
        )
        event = services.event_create(
            data={
                "title": title,
                "kind": kind,
                "starts_at": starts,
                "ends_at": starts + dt.timedelta(hours=2 if kind != EventKind.LEARNING_EXPEDITION else 4),
                "place": place,
                "video_url": video,
                "capacity": capacity,
                "is_public": public,
                "description": f"{title}. Échanges entre pairs et retours d'expérience.\n\n{MARKER} (fictif).",
                "organizer": metropole,
            },
            themes=[themes["numerique"]] if "numerique" in themes else [],
        )
        events += 1
        for profile in profiles[:count]:
            person = profile.person
            services.registration_create(
                event=event,
                name=str(person),
                email=person.email,
                organization_name=profile.organization.name if profile.organization else "",
                consent=True,
            )
            registrations += 1
        if days < 0:
            # Move the event to its real (past) date, then tick who came: about 80 % of the confirmed.
            Event.objects.filter(pk=event.pk).update(
                starts_at=timezone.make_aware(
                    dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour))
                ),
                ends_at=timezone.make_aware(
                    dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour + 2))
                ),
                registration_open=False,
            )
            confirmed = Registration.objects.filter(event=event, status="confirmed").order_by("pk")
            for registration in confirmed:
                Registration.objects.filter(pk=registration.pk).update(attended=rng.random() < 0.8)
    # Nothing of the demo is ever e-mailed.
    OutboxMessage.objects.filter(category=services.CATEGORY, to__endswith="@exemple.fr").update(
        status=MessageStatus.SENT, sent_at=now
    )
    resources = 0
    for title, summary, licence, slugs, keyword in RESOURCES:
        author = organizations[(resources * 5) % len(organizations)]
        body = BODY.format(title=title)
        services.resource_create(
            data={
                "title": title,
                "summary": summary,
                "body": body,
                "licence": licence,
                "author_organization": author,
                "solution": _match(solutions, keyword),
                "is_public": licence != Licence.ALL_RIGHTS_RESERVED,
            },
            themes=[themes[s] for s in slugs if s in themes],
            upload=_demo_pdf(title, body) if resources < 2 else None,
        )
        resources += 1
    return {
        "profils de membres": MemberProfile.objects.count(),
        "événements": events,
        "inscriptions": registrations,
        "ressources": resources,
    }
