"""Demonstration data of the innovation app (idempotent).

A catalogue of 44 solutions (kinds of public innovation really seen in the Métropole du Grand Paris:
cours Oasis, budgets participatifs, signalement, open data, tiers-lieux, conseillers numériques,
cantine bio, vélo-école…) born in real communes of the referential, with about 60 replications,
some reproduced from a replica (multi-level lineage). The descriptions, results, costs and contacts
are fictional; every description says it is demonstration data. Written through the services, so
the search text and the lineage checks are those of real use.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from maillage.innovation import services
from maillage.innovation.models import (
    Replication,
    ReplicationOutcome,
    Solution,
    SolutionKind,
    SolutionStage,
    SolutionVisibility,
)
from maillage.organizations.models import Organization, OrganizationKind
from maillage.people.models import Person, Position
from maillage.territories.models import Commune
from maillage.themes.models import Theme

MARKER = "Fiche de démonstration : contenu fictif."

K = SolutionKind
S = SolutionStage
O = ReplicationOutcome  # noqa: E741 – short alias for the table below

# (title, kind, stage, public?, origin INSEE code or None, theme slugs, summary, licence,
#  replications: (commune code, parent commune code or None, outcome, year))
CATALOGUE: list[tuple] = [
    (
        "Cours Oasis : végétalisation des cours d'école",
        K.URBAN_EXPERIMENT,
        S.GENERALISATION,
        True,
        "75056",
        ["nature-en-ville", "climat-air-energie"],
        "Désimperméabiliser et végétaliser les cours d'école pour en faire des îlots de fraîcheur ouverts au quartier.",
        "",
        [
            ("93048", None, O.SUCCESS, 2021),
            ("93006", "93048", O.SUCCESS, 2022),
            ("93063", "93006", O.IN_PROGRESS, 2024),
            ("92040", None, O.SUCCESS, 2022),
            ("94080", None, O.PARTIAL, 2023),
            ("93055", "93048", O.IN_PROGRESS, 2025),
        ],
    ),
    (
        "Budget participatif communal",
        K.METHOD,
        S.GENERALISATION,
        True,
        "75056",
        ["politique-de-la-ville"],
        "Une part du budget d'investissement décidée par les habitants, des propositions au vote.",
        "",
        [
            ("93048", None, O.SUCCESS, 2020),
            ("92025", None, O.SUCCESS, 2021),
            ("94041", "93048", O.PARTIAL, 2022),
            ("93066", "93048", O.IN_PROGRESS, 2024),
        ],
    ),
    (
        "Plateforme de signalement dans l'espace public",
        K.DIGITAL_SERVICE,
        S.DEPLOYMENT,
        True,
        "92012",
        ["numerique"],
        "Les habitants signalent dépôts sauvages, nids-de-poule ou éclairage en panne depuis leur téléphone ; suivi du traitement.",
        "AGPL-3.0-or-later",
        [
            ("92050", None, O.SUCCESS, 2022),
            ("92073", "92050", O.SUCCESS, 2023),
            ("94033", None, O.IN_PROGRESS, 2025),
        ],
    ),
    (
        "Portail de données ouvertes communal",
        K.DIGITAL_SERVICE,
        S.DEPLOYMENT,
        True,
        "93066",
        ["numerique"],
        "Publication des jeux de données de la commune (budget, équipements, délibérations) sous licence ouverte.",
        "MIT",
        [
            ("93001", "93066", O.SUCCESS, 2022),
            ("93070", "93066", O.PARTIAL, 2023),
            ("93027", "93001", O.IN_PROGRESS, 2024),
        ],
    ),
    (
        "Tiers-lieu numérique de quartier",
        K.EQUIPMENT,
        S.DEPLOYMENT,
        True,
        "93048",
        ["numerique", "politique-de-la-ville"],
        "Un lieu ouvert pour se former, travailler et fabriquer : médiation numérique, fablab, permanences.",
        "",
        [("93045", None, O.SUCCESS, 2023), ("93061", "93045", O.IN_PROGRESS, 2024)],
    ),
    (
        "Conseillers numériques en mairie et en maison France services",
        K.METHOD,
        S.GENERALISATION,
        True,
        "93008",
        ["numerique", "politique-de-la-ville"],
        "Accompagnement des habitants éloignés du numérique dans leurs démarches en ligne.",
        "",
        [
            ("93010", None, O.SUCCESS, 2021),
            ("93029", None, O.SUCCESS, 2021),
            ("93005", "93029", O.SUCCESS, 2022),
            ("93072", "93005", O.PARTIAL, 2023),
        ],
    ),
    (
        "Cantine 100 % bio et locale",
        K.METHOD,
        S.DEPLOYMENT,
        True,
        "92049",
        ["economie-circulaire"],
        "Restauration scolaire en régie avec produits bio et locaux, menus végétariens et lutte contre le gaspillage.",
        "",
        [
            ("92046", None, O.SUCCESS, 2021),
            ("92075", "92046", O.SUCCESS, 2022),
            ("94016", None, O.PARTIAL, 2024),
        ],
    ),
    (
        "Vélo-école pour adultes",
        K.METHOD,
        S.DEPLOYMENT,
        True,
        "94041",
        ["mobilite"],
        "Apprendre à circuler à vélo en ville : séances en groupe, prêt de vélos, sorties accompagnées.",
        "",
        [
            ("94081", None, O.SUCCESS, 2022),
            ("94022", "94081", O.IN_PROGRESS, 2024),
            ("94037", None, O.SUCCESS, 2023),
        ],
    ),
    (
        "Rues aux écoles",
        K.URBAN_EXPERIMENT,
        S.GENERALISATION,
        True,
        "75056",
        ["mobilite", "nature-en-ville"],
        "Fermer à la circulation les rues devant les écoles, puis les aménager en placettes.",
        "",
        [
            ("94080", None, O.SUCCESS, 2022),
            ("94067", "94080", O.SUCCESS, 2023),
            ("92044", None, O.PARTIAL, 2024),
        ],
    ),
    (
        "Permis de végétaliser",
        K.METHOD,
        S.GENERALISATION,
        True,
        "75056",
        ["nature-en-ville"],
        "Les habitants jardinent au pied des arbres et sur les trottoirs, avec une autorisation simple.",
        "",
        [("93048", None, O.SUCCESS, 2019), ("93053", "93048", O.SUCCESS, 2021)],
    ),
    (
        "Compostage de quartier",
        K.EQUIPMENT,
        S.DEPLOYMENT,
        True,
        "92025",
        ["economie-circulaire"],
        "Composteurs partagés animés par des habitants référents, formés par la commune.",
        "",
        [("92004", None, O.SUCCESS, 2022), ("92024", "92004", O.IN_PROGRESS, 2024)],
    ),
    (
        "Guichet numérique des autorisations d'urbanisme",
        K.DIGITAL_SERVICE,
        S.GENERALISATION,
        True,
        "92063",
        ["numerique", "amenagement"],
        "Dépôt et instruction en ligne des permis de construire et déclarations préalables.",
        "",
        [("92048", None, O.SUCCESS, 2022), ("92023", "92048", O.SUCCESS, 2023)],
    ),
    (
        "Capteurs citoyens de qualité de l'air",
        K.URBAN_EXPERIMENT,
        S.EXPERIMENTATION,
        True,
        "93055",
        ["climat-air-energie"],
        "Des micro-capteurs installés chez des volontaires, données publiées en temps réel.",
        "CC-BY-4.0",
        [("93064", None, O.IN_PROGRESS, 2025)],
    ),
    (
        "Îlots de fraîcheur et parcours frais",
        K.URBAN_EXPERIMENT,
        S.DEPLOYMENT,
        True,
        "94028",
        ["climat-air-energie", "nature-en-ville"],
        "Carte des lieux frais ouverts en période de canicule, parcours ombragés et brumisateurs.",
        "",
        [("94017", None, O.SUCCESS, 2023), ("94046", "94017", O.IN_PROGRESS, 2025)],
    ),
    (
        "Logiciel libre de gestion des salles municipales",
        K.DIGITAL_COMMON,
        S.DEPLOYMENT,
        True,
        "93048",
        ["numerique"],
        "Réservation en ligne des salles et équipements par les associations ; code ouvert et mutualisé.",
        "AGPL-3.0-or-later",
        [("93006", None, O.SUCCESS, 2023), ("93045", "93006", O.PARTIAL, 2024)],
    ),
    (
        "Démarches en ligne de l'état civil",
        K.DIGITAL_SERVICE,
        S.GENERALISATION,
        True,
        "92026",
        ["numerique"],
        "Demande d'actes, prise de rendez-vous pour les titres d'identité, suivi des demandes.",
        "",
        [("92062", None, O.SUCCESS, 2021)],
    ),
    (
        "Repair café municipal",
        K.EQUIPMENT,
        S.DEPLOYMENT,
        True,
        "94052",
        ["economie-circulaire"],
        "Un atelier mensuel où bénévoles et habitants réparent ensemble petit électroménager et vélos.",
        "",
        [("94018", None, O.SUCCESS, 2023)],
    ),
    (
        "Conseil citoyen du climat",
        K.METHOD,
        S.EXPERIMENTATION,
        True,
        "92040",
        ["climat-air-energie"],
        "Des habitants tirés au sort formulent des propositions pour le plan climat communal.",
        "",
        [("92007", None, O.IN_PROGRESS, 2025)],
    ),
    (
        "Application de covoiturage domicile-travail des agents",
        K.DIGITAL_SERVICE,
        S.EXPERIMENTATION,
        False,
        "94033",
        ["mobilite"],
        "Mise en relation des agents pour leurs trajets, avec indemnité forfaitaire.",
        "",
        [("94052", None, O.IN_PROGRESS, 2025)],
    ),
    (
        "Ludothèque mobile",
        K.EQUIPMENT,
        S.DEPLOYMENT,
        True,
        "93029",
        ["sport-culture"],
        "Un camion aménagé qui apporte jeux et animations au pied des immeubles.",
        "",
        [("93005", None, O.SUCCESS, 2023)],
    ),
    (
        "Forêt urbaine sur friche",
        K.URBAN_EXPERIMENT,
        S.EXPERIMENTATION,
        True,
        "93001",
        ["nature-en-ville"],
        "Plantation dense d'essences locales (méthode Miyawaki) sur une friche en attente de projet.",
        "",
        [("93027", None, O.IN_PROGRESS, 2024), ("93066", "93027", O.IN_PROGRESS, 2025)],
    ),
    (
        "Cartographie collaborative des équipements accessibles",
        K.DIGITAL_COMMON,
        S.DEPLOYMENT,
        True,
        None,
        ["numerique", "politique-de-la-ville"],
        "Recensement ouvert de l'accessibilité des lieux publics, réutilisable par tous.",
        "ODbL-1.0",
        [("94028", None, O.SUCCESS, 2022), ("94081", "94028", O.PARTIAL, 2024)],
    ),
    (
        "Prêt de vélos cargo aux familles",
        K.EQUIPMENT,
        S.EXPERIMENTATION,
        True,
        "92046",
        ["mobilite"],
        "Des vélos cargo prêtés un mois aux familles pour essayer avant d'acheter.",
        "",
        [("92049", None, O.SUCCESS, 2024), ("92075", "92049", O.IN_PROGRESS, 2025)],
    ),
    (
        "Agenda partagé des associations",
        K.DIGITAL_COMMON,
        S.DEPLOYMENT,
        True,
        "94080",
        ["sport-culture", "numerique"],
        "Un agenda ouvert alimenté par les associations et republié sur les sites des communes.",
        "GPL-3.0-or-later",
        [("94067", None, O.SUCCESS, 2023)],
    ),
    (
        "Toitures solaires citoyennes",
        K.URBAN_EXPERIMENT,
        S.DEPLOYMENT,
        True,
        "93053",
        ["climat-air-energie"],
        "Une société citoyenne installe des panneaux sur les toits des écoles et gymnases.",
        "",
        [("93064", None, O.SUCCESS, 2023), ("93051", "93064", O.IN_PROGRESS, 2025)],
    ),
    (
        "Médiation par les pairs au collège",
        K.METHOD,
        S.EXPERIMENTATION,
        True,
        "93072",
        ["politique-de-la-ville"],
        "Des élèves formés à la médiation règlent les conflits entre camarades.",
        "",
        [("93031", None, O.PARTIAL, 2024)],
    ),
    (
        "Gestion de la relation usagers mutualisée",
        K.DIGITAL_COMMON,
        S.EXPERIMENTATION,
        False,
        None,
        ["numerique"],
        "Un outil libre de suivi des demandes des habitants, partagé par plusieurs communes.",
        "AGPL-3.0-or-later",
        [("92050", None, O.IN_PROGRESS, 2025)],
    ),
    (
        "Piscine d'été éphémère",
        K.EQUIPMENT,
        S.EXPERIMENTATION,
        True,
        "93010",
        ["sport-culture"],
        "Un bassin démontable installé l'été sur une place publique.",
        "",
        [],
    ),
    (
        "Tarification sociale de l'eau",
        K.METHOD,
        S.IDEA,
        False,
        "92002",
        ["environnement-cadre-de-vie"],
        "Une première tranche d'eau gratuite ou à prix réduit selon les ressources.",
        "",
        [],
    ),
    (
        "Boîte à livres et grainothèque",
        K.EQUIPMENT,
        S.GENERALISATION,
        True,
        "94037",
        ["sport-culture", "nature-en-ville"],
        "Des boîtes d'échange de livres et de graines dans les parcs et les halls.",
        "",
        [
            ("94003", None, O.SUCCESS, 2021),
            ("94043", "94003", O.SUCCESS, 2022),
            ("94076", "94043", O.SUCCESS, 2023),
        ],
    ),
    (
        "Jumeau numérique de l'éclairage public",
        K.DIGITAL_SERVICE,
        S.IDEA,
        False,
        "92026",
        ["numerique", "climat-air-energie"],
        "Modéliser le réseau d'éclairage pour piloter les extinctions nocturnes et les économies.",
        "",
        [],
    ),
    (
        "Maison du vélo",
        K.EQUIPMENT,
        S.DEPLOYMENT,
        True,
        "93066",
        ["mobilite"],
        "Atelier d'autoréparation, marquage antivol et location longue durée.",
        "",
        [("93070", None, O.SUCCESS, 2023)],
    ),
    (
        "Conciergerie solidaire",
        K.METHOD,
        S.EXPERIMENTATION,
        True,
        "94081",
        ["politique-de-la-ville", "economie-circulaire"],
        "Services de proximité rendus par une structure d'insertion dans un quartier prioritaire.",
        "",
        [("94041", None, O.IN_PROGRESS, 2025)],
    ),
    (
        "Opération Quartier propre avec les habitants",
        K.METHOD,
        S.DEPLOYMENT,
        True,
        "93005",
        ["environnement-cadre-de-vie"],
        "Journées de nettoyage et de sensibilisation organisées avec les amicales de locataires.",
        "",
        [("93071", None, O.SUCCESS, 2023)],
    ),
    (
        "Chatbot des services municipaux",
        K.DIGITAL_SERVICE,
        S.EXPERIMENTATION,
        False,
        "92012",
        ["numerique"],
        "Un assistant conversationnel qui répond aux questions fréquentes et oriente vers le bon service.",
        "",
        [],
    ),
    (
        "Aide à la rénovation énergétique des copropriétés",
        K.METHOD,
        S.DEPLOYMENT,
        True,
        "94046",
        ["habitat", "climat-air-energie"],
        "Accompagnement technique et financier des syndics et conseils syndicaux.",
        "",
        [("94018", None, O.PARTIAL, 2023)],
    ),
    (
        "Pédibus scolaire",
        K.METHOD,
        S.GENERALISATION,
        True,
        "92071",
        ["mobilite"],
        "Des parents accompagnent à pied des groupes d'enfants sur des lignes et horaires fixes.",
        "",
        [("92002", None, O.SUCCESS, 2021), ("92007", "92002", O.SUCCESS, 2022)],
    ),
    (
        "Carte interactive des travaux",
        K.DIGITAL_SERVICE,
        S.DEPLOYMENT,
        True,
        "94028",
        ["numerique", "amenagement"],
        "Les chantiers en cours et à venir sur une carte, avec les déviations.",
        "EUPL-1.2",
        [("94017", None, O.SUCCESS, 2024)],
    ),
    (
        "Jardins partagés sur les toits",
        K.URBAN_EXPERIMENT,
        S.EXPERIMENTATION,
        True,
        "75056",
        ["nature-en-ville"],
        "Des potagers sur les toits d'équipements publics, confiés à des associations.",
        "",
        [("93045", None, O.IN_PROGRESS, 2025)],
    ),
    (
        "Fresques du climat pour les agents",
        K.METHOD,
        S.DEPLOYMENT,
        False,
        "92073",
        ["climat-air-energie"],
        "Ateliers de sensibilisation de tous les agents aux enjeux climatiques.",
        "",
        [("92024", None, O.SUCCESS, 2023), ("92062", "92024", O.SUCCESS, 2024)],
    ),
    (
        "Recyclerie de quartier",
        K.EQUIPMENT,
        S.DEPLOYMENT,
        True,
        "93070",
        ["economie-circulaire"],
        "Collecte, réparation et revente d'objets, avec ateliers et emplois d'insertion.",
        "",
        [],
    ),
    (
        "Signalétique bilingue des services",
        K.METHOD,
        S.IDEA,
        True,
        "93001",
        ["politique-de-la-ville"],
        "Rendre les services municipaux compréhensibles aux habitants non francophones.",
        "",
        [],
    ),
    (
        "Outil libre de gestion des inscriptions périscolaires",
        K.DIGITAL_COMMON,
        S.DEPLOYMENT,
        True,
        "94003",
        ["numerique"],
        "Inscriptions, facturation et pointage des activités périscolaires dans un logiciel libre mutualisé.",
        "AGPL-3.0-or-later",
        [("94043", None, O.SUCCESS, 2023)],
    ),
    (
        "Permanences juridiques en visio",
        K.DIGITAL_SERVICE,
        S.EXPERIMENTATION,
        False,
        "93031",
        ["numerique", "politique-de-la-ville"],
        "Consultations juridiques gratuites à distance depuis les maisons de quartier.",
        "",
        [],
    ),
]


def _holders(origin: str | None, cities: dict[str, int]) -> list[int]:
    return [cities[origin]] if origin and origin in cities else []


@transaction.atomic
def load() -> dict[str, int]:
    """Create the demo objects once; return counts of what was created."""
    if Solution.objects.filter(description__contains=MARKER).exists():
        return {}
    communes = {c.code: c for c in Commune.objects.filter(code__in=_codes()).defer("geometry")}
    if not communes:
        return {}
    cities = dict(
        Organization.objects.filter(kind=OrganizationKind.COMMUNE, commune_id__in=communes)
        .order_by("pk")
        .values_list("commune_id", "pk")
    )
    contacts: dict[int, int] = {}
    for organization_id, person_id in (
        Position.objects.filter(organization_id__in=cities.values(), person__anonymized_at__isnull=True)
        .order_by("pk")
        .values_list("organization_id", "person_id")
    ):
        contacts.setdefault(organization_id, person_id)
    people = Person.objects.in_bulk(list(contacts.values()))
    themes = {t.slug: t for t in Theme.objects.all()}
    solutions = replications = 0
    for index, (title, kind, stage, public, origin, slugs, summary, licence, replicas) in enumerate(
        CATALOGUE
    ):
        if origin and origin not in communes:
            origin = None
        holder_ids = _holders(origin, cities)
        contact_ids = [contacts[h] for h in holder_ids if h in contacts]
        solution = services.solution_create(
            data={
                "title": title,
                "summary": summary,
                "description": f"{summary}\n\n{MARKER}",
                "kind": kind,
                "stage": stage,
                "visibility": SolutionVisibility.PUBLIC if public else SolutionVisibility.INTERNAL,
                "origin_commune": communes.get(origin) if origin else None,
                "sites": "Sites pilotes dans plusieurs quartiers (fictif).",
                "results": "Résultats fictifs : fréquentation en hausse et retours positifs des usagers."
                if stage in (S.DEPLOYMENT, S.GENERALISATION)
                else "",
                "evaluation": "Évaluation qualitative menée avec les usagers (fictive)."
                if index % 3 == 0
                else "",
                "cost_eur": Decimal(15_000 + 7_500 * (index % 9)),
                "funding": "Budget communal et cofinancement fictif." if index % 2 else "",
                "licence": licence,
                "repository_url": f"https://forge.exemple.fr/demo/solution-{index + 1}" if licence else "",
            },
            holders=holder_ids,
            themes=[themes[s] for s in slugs if s in themes],
            contacts=contact_ids,
        )
        solutions += 1
        made: dict[str, Replication] = {}
        for code, parent_code, outcome, year in replicas:
            if code not in communes or code == origin:
                continue
            parent = made.get(parent_code) if parent_code else None
            city = cities.get(code)
            made[code] = services.replication_create(
                solution=solution,
                data={
                    "commune": communes[code],
                    "parent": parent,
                    "date": dt.date(year, 1 + (index + len(made)) % 12, 1 + (index * 7) % 28),
                    "adaptation_notes": "Adaptation fictive au contexte local : calendrier et partenaires revus.",
                    "cost_eur": Decimal(8_000 + 2_500 * ((index + len(made)) % 7)),
                    "contact": people.get(contacts.get(city)) if city else None,
                    "outcome": outcome,
                    "outcome_notes": "Bilan fictif." if outcome != O.IN_PROGRESS else "",
                },
            )
            replications += 1
    return {"solutions": solutions, "reproductions": replications}


def _codes() -> set[str]:
    codes: set[str] = set()
    for entry in CATALOGUE:
        if entry[4]:
            codes.add(entry[4])
        for code, *_rest in entry[8]:
            codes.add(code)
    return codes
