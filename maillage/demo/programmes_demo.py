"""Demonstration data of the programmes app (idempotent).

Nine programmes in which the Métropole du Grand Paris and its communes take part (real programmes,
plausible but fictional participations) and three experiments: one running in a QMI, one decided
« extend » after an expert committee of « Innover dans la ville », one proposed. Experiments are
linked to the innovation demo's solutions by title when present; without them they stand alone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from maillage.agreements.models import Agreement
from maillage.organizations.models import Organization, OrganizationKind
from maillage.programmes import services
from maillage.programmes.models import Decision, ParticipantRole, Programme, ProgrammeLevel
from maillage.territories.models import Commune
from maillage.themes.models import Theme

QMI = "Quartiers Métropolitains d'Innovation"
IDV = "Innover dans la ville"
LEAD, PARTNER, BENEFICIARY, OBSERVER = (
    ParticipantRole.LEAD,
    ParticipantRole.PARTNER,
    ParticipantRole.BENEFICIARY,
    ParticipantRole.OBSERVER,
)
METROPOLE = "metropole"

# name, acronym, level, funder, url, start, end, committee, months, themes, participants, description
PROGRAMMES = [
    (
        QMI,
        "QMI",
        ProgrammeLevel.METROPOLITAN,
        "Métropole du Grand Paris",
        "https://www.metropolegrandparis.fr/",
        dt.date(2021, 1, 1),
        None,
        False,
        18,
        ["numerique", "politique-de-la-ville"],
        [(METROPOLE, LEAD), ("93048", BENEFICIARY), ("93070", BENEFICIARY), ("93014", BENEFICIARY)],
        "Des expérimentations de 18 mois accueillies par des communes de la métropole, dans des quartiers "
        "choisis, pour tester en conditions réelles des solutions urbaines innovantes.",
    ),
    (
        IDV,
        "",
        ProgrammeLevel.METROPOLITAN,
        "Métropole du Grand Paris",
        "https://www.metropolegrandparis.fr/",
        dt.date(2019, 1, 1),
        None,
        True,
        None,
        ["numerique", "climat-air-energie"],
        [(METROPOLE, LEAD), ("94080", BENEFICIARY), ("92012", BENEFICIARY)],
        "Appel à projets : la métropole cofinance les expérimentations innovantes des communes après l'avis "
        "d'un comité d'experts.",
    ),
    (
        "Action cœur de ville",
        "ACV",
        ProgrammeLevel.NATIONAL,
        "État – Agence nationale de la cohésion des territoires",
        "https://agence-cohesion-territoires.gouv.fr/action-coeur-de-ville-42",
        dt.date(2018, 3, 27),
        dt.date(2026, 12, 31),
        False,
        None,
        ["amenagement", "developpement-economique"],
        [("Préfecture de la région Île-de-France", PARTNER), (METROPOLE, OBSERVER)],
        "Programme national de revitalisation des centres-villes des villes moyennes : habitat, commerce, "
        "mobilités, espaces publics.",
    ),
    (
        "Nouveau programme national de renouvellement urbain",
        "NPNRU",
        ProgrammeLevel.NATIONAL,
        "État – Agence nationale pour la rénovation urbaine",
        "https://www.anru.fr/",
        dt.date(2014, 2, 21),
        dt.date(2030, 12, 31),
        False,
        None,
        ["politique-de-la-ville", "habitat"],
        [
            ("93014", BENEFICIARY),
            ("93047", BENEFICIARY),
            ("Préfecture de la région Île-de-France", PARTNER),
            (METROPOLE, PARTNER),
        ],
        "Transformation des quartiers prioritaires de la politique de la ville : démolitions, reconstructions, "
        "équipements et espaces publics.",
    ),
    (
        "Programme régional FEDER-FSE+ Île-de-France 2021-2027",
        "FEDER",
        ProgrammeLevel.REGIONAL,
        "Union européenne, géré par la Région Île-de-France",
        "https://www.europeidf.fr/",
        dt.date(2021, 1, 1),
        dt.date(2027, 12, 31),
        False,
        None,
        ["europe-international", "climat-air-energie", "numerique"],
        [("Région Île-de-France", LEAD), (METROPOLE, BENEFICIARY), ("93048", BENEFICIARY)],
        "Fonds européens de développement régional et social : transition écologique, numérique, inclusion.",
    ),
    (
        "Interreg Europe",
        "",
        ProgrammeLevel.EUROPEAN,
        "Union européenne – FEDER",
        "https://www.interregeurope.eu/",
        dt.date(2021, 1, 1),
        dt.date(2027, 12, 31),
        False,
        None,
        ["europe-international"],
        [(METROPOLE, PARTNER), ("Eurocities", OBSERVER)],
        "Coopération interrégionale : échanges d'expériences entre collectivités européennes sur leurs "
        "politiques publiques.",
    ),
    (
        "URBACT IV",
        "URBACT",
        ProgrammeLevel.EUROPEAN,
        "Union européenne – FEDER",
        "https://urbact.eu/",
        dt.date(2022, 1, 1),
        dt.date(2029, 12, 31),
        False,
        None,
        ["europe-international", "politique-de-la-ville"],
        [("93048", PARTNER), ("94080", OBSERVER), ("Eurocities", OBSERVER)],
        "Réseaux de villes européennes pour concevoir des plans d'action intégrés de développement urbain "
        "durable.",
    ),
    (
        "Horizon Europe – Mission 100 villes neutres pour le climat",
        "",
        ProgrammeLevel.EUROPEAN,
        "Union européenne – Horizon Europe",
        "https://research-and-innovation.ec.europa.eu/",
        dt.date(2022, 4, 28),
        dt.date(2030, 12, 31),
        False,
        None,
        ["climat-air-energie", "pcaem"],
        [("75056", BENEFICIARY), (METROPOLE, OBSERVER)],
        "Accompagner 100 villes européennes vers la neutralité climatique dès 2030 grâce à un contrat de "
        "ville climatique.",
    ),
    (
        "Digital Europe – Pôles européens d'innovation numérique",
        "EDIH",
        ProgrammeLevel.EUROPEAN,
        "Union européenne – Digital Europe",
        "https://digital-strategy.ec.europa.eu/",
        dt.date(2022, 1, 1),
        dt.date(2027, 12, 31),
        False,
        None,
        ["numerique", "sman"],
        [(METROPOLE, PARTNER), ("Région Île-de-France", PARTNER)],
        "Des pôles d'innovation numérique aident les collectivités et les entreprises à adopter l'IA, le calcul "
        "et la cybersécurité.",
    ),
]


def _organization(key: str) -> Organization | None:
    if key == METROPOLE:
        return Organization.objects.filter(kind=OrganizationKind.METROPOLE).order_by("pk").first()
    if key.isdigit():
        return (
            Organization.objects.filter(kind=OrganizationKind.COMMUNE, commune_id=key).order_by("pk").first()
        )
    return Organization.objects.filter(name=key).order_by("pk").first()


def _solution(title: str):
    from maillage.innovation.models import Solution

    return Solution.objects.filter(title=title).order_by("pk").first()


def _experiments(programmes: dict[str, Programme]) -> int:
    communes = Commune.objects.defer("geometry").in_bulk(["93048", "94080", "93070"])
    if len(communes) < 3:
        return 0
    # 1. Running in a QMI, in Montreuil, with two indicators measured over time.
    cool = services.experiment_create(
        data={
            "title": "Îlots de fraîcheur dans trois cours d'école du Bas-Montreuil",
            "programme": programmes[QMI],
            "solution": _solution("Cours Oasis : végétalisation des cours d'école"),
            "hypothesis": "Désimperméabiliser et végétaliser les cours fait baisser la température ressentie "
            "l'après-midi d'au moins 3 °C en été, et les habitants du quartier s'approprient les cours ouvertes.",
            "description": "Trois cours ouvertes au quartier le samedi ; relevés par des capteurs et une "
            "enquête auprès des familles.",
            "host_commune": communes["93048"],
            "host_site": "Bas-Montreuil, écoles Voltaire, Paul-Bert et Jules-Ferry",
            "start_date": dt.date(2025, 6, 2),
        }
    )
    services.experiment_committee(
        experiment=cool,
        retained=True,
        committee_date=dt.date(2025, 4, 15),
        opinion="Projet retenu par le jury QMI.",
    )
    services.experiment_start(experiment=cool)
    heat = services.indicator_add(
        experiment=cool,
        data={"name": "Température ressentie à 15 h en été", "unit": "°C", "baseline": 34, "target": 31},
    )
    surface = services.indicator_add(
        experiment=cool,
        data={"name": "Part de la surface désimperméabilisée", "unit": "%", "baseline": 5, "target": 40},
    )
    for indicator, measures in (
        (
            heat,
            [(dt.date(2025, 7, 15), "33.4"), (dt.date(2025, 8, 20), "32.6"), (dt.date(2026, 7, 21), "31.8")],
        ),
        (surface, [(dt.date(2025, 9, 1), "15"), (dt.date(2026, 3, 2), "28")]),
    ):
        for day, value in measures:
            services.measure_add(
                experiment=cool, indicator=indicator, data={"measured_on": day, "value": Decimal(value)}
            )
    # 2. Innover dans la ville in Vincennes: expert committee, co-financing, decided « extend ».
    air = services.experiment_create(
        data={
            "title": "Capteurs citoyens de qualité de l'air autour des écoles",
            "programme": programmes[IDV],
            "solution": _solution("Capteurs citoyens de qualité de l'air"),
            "hypothesis": "Des capteurs installés par les parents d'élèves, avec un tableau de bord public, "
            "font baisser la part des trajets en voiture aux heures d'entrée des classes.",
            "host_commune": communes["94080"],
            "host_site": "Abords des écoles du quartier Diderot",
            "start_date": dt.date(2024, 9, 2),
            "end_date": dt.date(2025, 8, 29),
        }
    )
    services.experiment_committee(
        experiment=air,
        retained=True,
        committee_date=dt.date(2024, 6, 20),
        opinion="Avis favorable : protocole de mesure solide, associer le laboratoire régional de l'air.",
        cofinancing_eur=Decimal("45000"),
    )
    services.experiment_start(experiment=air)
    no2 = services.indicator_add(
        experiment=air,
        data={"name": "Concentration moyenne de NO₂ à 8 h 30", "unit": "µg/m³", "baseline": 48, "target": 38},
    )
    car = services.indicator_add(
        experiment=air,
        data={"name": "Part des trajets école en voiture", "unit": "%", "baseline": 22, "target": 15},
    )
    for indicator, measures in (
        (no2, [(dt.date(2024, 11, 15), "46"), (dt.date(2025, 3, 14), "44"), (dt.date(2025, 6, 13), "43")]),
        (car, [(dt.date(2024, 12, 2), "21"), (dt.date(2025, 6, 2), "18")]),
    ):
        for day, value in measures:
            services.measure_add(
                experiment=air, indicator=indicator, data={"measured_on": day, "value": Decimal(value)}
            )
    services.experiment_evaluate(experiment=air)
    services.experiment_decide(
        experiment=air,
        decision=Decision.EXTEND,
        decision_date=dt.date(2025, 9, 16),
        evaluation="Baisse nette de la part des trajets en voiture ; la baisse du NO₂ est réelle mais n'atteint "
        "pas la cible sur une seule année.",
        rationale="Prolonger d'un an pour mesurer un hiver complet avant de décider la généralisation.",
        new_end_date=dt.date(2026, 8, 28),
    )
    # 3. Proposed in a QMI, in Saint-Ouen-sur-Seine: awaiting the committee.
    services.experiment_create(
        data={
            "title": "Conciergerie solidaire au pied des immeubles",
            "programme": programmes[QMI],
            "solution": _solution("Conciergerie solidaire"),
            "hypothesis": "Une conciergerie tenue par une structure d'insertion crée des emplois locaux et "
            "rend des services aux habitants âgés du quartier.",
            "host_commune": communes["93070"],
            "host_site": "Quartier Cordon – Vieux Saint-Ouen",
            "start_date": dt.date(2026, 9, 1),
        }
    )
    return 3


def load() -> dict[str, int]:
    """Create the demo objects once; return counts of what was created."""
    if Programme.objects.filter(name=QMI).exists():
        return {}
    themes = {t.slug: t for t in Theme.objects.all()}
    financial = list(
        Agreement.objects.filter(kind__slug="financiere")
        .order_by("reference")
        .values_list("pk", flat=True)[:4]
    )
    programmes: dict[str, Programme] = {}
    participants = 0
    for index, (
        name,
        acronym,
        level,
        funder,
        url,
        start,
        end,
        committee,
        months,
        slugs,
        parties,
        text,
    ) in enumerate(PROGRAMMES):
        programme = services.programme_create(
            data={
                "name": name,
                "acronym": acronym,
                "level": level,
                "funder": funder,
                "url": url,
                "start_date": start,
                "end_date": end,
                "requires_committee": committee,
                "experiment_months": months,
                "description": text,
            },
            themes=[themes[s] for s in slugs if s in themes],
            agreements=financial[index : index + 1]
            if name in (QMI, IDV) or level == ProgrammeLevel.REGIONAL
            else None,
        )
        programmes[name] = programme
        for key, role in parties:
            organization = _organization(key)
            if organization is not None:
                services.participant_add(programme=programme, organization=organization, role=role)
                participants += 1
    solutions = [
        s
        for s in (
            _solution("Cours Oasis : végétalisation des cours d'école"),
            _solution("Capteurs citoyens de qualité de l'air"),
            _solution("Conciergerie solidaire"),
        )
        if s is not None
    ]
    if solutions:
        programmes[QMI].solutions.add(
            *[s for s in solutions if s.title != "Capteurs citoyens de qualité de l'air"]
        )
        programmes[IDV].solutions.add(
            *[s for s in solutions if s.title == "Capteurs citoyens de qualité de l'air"]
        )
    experiments = _experiments(programmes)
    return {"programmes": len(programmes), "participations": participants, "expérimentations": experiments}
