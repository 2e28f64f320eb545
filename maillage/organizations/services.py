from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from maillage.core.concurrency import save_versioned
from maillage.core.text import normalize
from maillage.organizations.models import Organization, OrganizationMembership

MGP_SIREN = "200054781"
SYNDICATES_CSV = Path(__file__).resolve().parent / "data" / "syndicats-mgp.csv"

EDITABLE_FIELDS = (
    "kind",
    "name",
    "siren",
    "siret",
    "address",
    "postal_code",
    "city",
    "website",
    "email",
    "phone",
    "description",
    "commune",
    "territory",
)


_VOWELS = tuple("AEIOUYÂÀÉÈÊËÎÏÔÛÜ")


def city_hall_name(commune_name: str) -> str:
    """« Ville de Montreuil », « Ville du Raincy », « Ville des Lilas », « Ville d'Ablon-sur-Seine »."""
    if commune_name.startswith("Le "):
        return f"Ville du {commune_name[3:]}"
    if commune_name.startswith("Les "):
        return f"Ville des {commune_name[4:]}"
    if commune_name.startswith(_VOWELS):
        return f"Ville d'{commune_name}"
    return f"Ville de {commune_name}"


def _search_text(organization: Organization) -> str:
    parts = [organization.name, organization.siren, organization.city]
    if organization.commune_id:
        parts.append(organization.commune.name)
    return normalize(" ".join(p for p in parts if p))[:400]


def _check_duplicates(organization: Organization) -> None:
    others = Organization.objects.exclude(pk=organization.pk)
    if organization.siren and others.filter(siren=organization.siren).exists():
        existing = others.get(siren=organization.siren)
        raise ValidationError(
            {
                "siren": _("The organisation « %(name)s » already has the SIREN %(siren)s.")
                % {"name": existing.name, "siren": organization.siren}
            }
        )
    if organization.siret and others.filter(siret=organization.siret).exists():
        raise ValidationError({"siret": _("Another organisation already has this SIRET.")})
    same_name = others.filter(
        kind=organization.kind,
        search_text__startswith=normalize(organization.name),
        commune=organization.commune,
    )
    for other in same_name.only("name", "search_text"):
        if normalize(other.name) == normalize(organization.name):
            raise ValidationError(
                {
                    "name": _(
                        "An organisation of this kind named « %(name)s » already exists: open its record "
                        "instead of creating a duplicate."
                    )
                    % {"name": other.name}
                }
            )


@transaction.atomic
def organization_create(*, data: dict[str, Any], themes: list[Any] | None = None) -> Organization:
    organization = Organization(**{k: v for k, v in data.items() if k in EDITABLE_FIELDS})
    organization.full_clean(exclude=["search_text"])
    _check_duplicates(organization)
    organization.search_text = _search_text(organization)
    organization.save()
    if themes is not None:
        organization.themes.set(themes)
    return organization


@transaction.atomic
def organization_update(
    *,
    organization: Organization,
    data: dict[str, Any],
    expected_version: int,
    themes: list[Any] | None = None,
) -> Organization:
    for key, value in data.items():
        if key in EDITABLE_FIELDS:
            setattr(organization, key, value)
    organization.full_clean(exclude=["search_text"])
    _check_duplicates(organization)
    organization.search_text = _search_text(organization)
    save_versioned(organization, expected_version=expected_version)
    if themes is not None:
        organization.themes.set(themes)
    return organization


@transaction.atomic
def membership_create(*, data: dict[str, Any]) -> OrganizationMembership:
    membership = OrganizationMembership(**data)
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def organizations_sync_from_referential() -> int:
    """Give the home EPCI, its territories and its communes an organisation record each.

    Identifiers come only from the referential (EPCI and EPT SIRENs); a commune's SIREN is
    left empty because the shipped data does not have it: we never invent one.
    Returns the number of organisations created; a rerun creates none.
    """
    from maillage.organizations.models import OrganizationKind
    from maillage.territories.selectors import home_communes, home_epci, home_territories

    epci = home_epci()
    if epci is None:
        return 0
    created = 0
    if not Organization.objects.filter(siren=epci.siren).exists():
        organization_create(data={"kind": OrganizationKind.METROPOLE, "name": epci.name, "siren": epci.siren})
        created += 1
    for territory in home_territories():
        if Organization.objects.filter(
            Q(territory=territory, kind=OrganizationKind.EPT) | Q(siren=territory.siren)
        ).exists():
            continue
        if territory.commune_count == 1:
            continue  # Paris (T1) is a commune: its organisation is the commune's.
        organization_create(
            data={
                "kind": OrganizationKind.EPT,
                "name": territory.name,
                "siren": territory.siren,
                "territory": territory,
            }
        )
        created += 1
    existing = set(
        Organization.objects.filter(kind=OrganizationKind.COMMUNE).values_list("commune_id", flat=True)
    )
    new = []
    for commune in home_communes().select_related("territory").exclude(pk__in=existing):
        organization = Organization(
            kind=OrganizationKind.COMMUNE,
            name=city_hall_name(commune.name),
            commune=commune,
            territory=commune.territory,
            # Paris is the one commune whose SIREN the referential carries (as territory T1).
            siren=commune.territory_id if commune.territory and commune.territory.commune_count == 1 else "",
        )
        organization.search_text = normalize(f"{organization.name} {commune.name} {commune.code}")
        new.append(organization)
    Organization.objects.bulk_create(new, batch_size=500)
    if epci.siren == MGP_SIREN:
        created += _seed_mgp_syndicates()
    return created + len(new)


def _seed_mgp_syndicates() -> int:
    import csv

    from maillage.themes.models import Theme

    created = 0
    with SYNDICATES_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if Organization.objects.filter(name=row["name"]).exists():
                continue
            organization_create(
                data={"kind": row["kind"], "name": row["name"], "website": row["website"]},
                themes=list(Theme.objects.filter(slug=row["theme"])),
            )
            created += 1
    return created
