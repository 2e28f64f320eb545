"""The "Agreements" section of the commune and organisation profiles (registered in apps.ready()).

Each provider runs a constant number of queries: the commune's organisation, then the count, the
total committed and the latest ten conventions visible to the person looking.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from maillage.agreements.selectors import agreements_of_organizations
from maillage.core.sections import Section
from maillage.organizations.models import Organization, OrganizationKind

SHOWN = 10
TEMPLATE = "agreements/sections/commune.html"


def _section(request: HttpRequest, organization: Organization) -> Section:
    summary = agreements_of_organizations(user=request.user, organization_ids=[organization.pk], limit=SHOWN)
    return Section(
        template=TEMPLATE,
        context={
            "organization": organization,
            "agreements": summary.agreements,
            "count": summary.count,
            "active_count": summary.active_count,
            "committed": summary.committed,
            "register_url": f"{reverse('agreements:list')}?{urlencode({'party': organization.pk})}",
        },
        order=50,
    )


def commune_agreements(request: HttpRequest, commune: Any) -> Section | None:
    """Conventions where the commune's own organisation (the city hall) is a party."""
    organization = (
        Organization.objects.filter(kind=OrganizationKind.COMMUNE, commune_id=commune.pk)
        .only("pk", "name")
        .first()
    )
    if organization is None:
        return None
    return _section(request, organization)


def organization_agreements(request: HttpRequest, organization: Organization) -> Section | None:
    return _section(request, organization)
