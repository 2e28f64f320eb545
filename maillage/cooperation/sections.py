"""Profile sections: an organisation's (or a commune's city hall's) cooperations and supported topics.

Bounded lists (SECTION_LIMIT rows, one more fetched to know whether to link to the full list) and a
constant number of queries: two for the cooperations, one for the topics, one more on a commune's
profile to find its organisation.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from maillage.cooperation import selectors
from maillage.core.sections import Section
from maillage.organizations.models import Organization, OrganizationKind

ORDER = 50


def _section(request: HttpRequest, organization: Organization | None) -> Section | None:
    if organization is None:
        return None
    limit = selectors.SECTION_LIMIT
    cooperations = selectors.organization_cooperations(organization.pk, limit)
    signed_in = request.user.is_authenticated and request.user.is_active
    topics = selectors.organization_topics(user=request.user, organization_id=organization.pk, limit=limit)
    if not cooperations and not (signed_in and topics):
        return None
    return Section(
        template="cooperation/section.html",
        context={
            "organization": organization,
            "cooperations": cooperations[:limit],
            "more_cooperations": len(cooperations) > limit,
            "show_topics": signed_in,
            "topics": topics[:limit],
            "more_topics": len(topics) > limit,
        },
        order=ORDER,
    )


def organization_section(request: HttpRequest, organization: Organization) -> Section | None:
    return _section(request, organization)


def commune_section(request: HttpRequest, commune: Any) -> Section | None:
    organization = (
        Organization.objects.filter(kind=OrganizationKind.COMMUNE, commune_id=commune.pk)
        .only("pk", "name")
        .order_by("pk")
        .first()
    )
    return _section(request, organization)
