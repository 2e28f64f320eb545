"""Reads of conventions, scoped by what each user may see (the one visibility rule for pages, exports and API)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from maillage.agreements.models import Agreement, AgreementParty, AgreementStatus
from maillage.core.access import is_staff, organization_ids_of

# Once signed, a public convention is visible to everyone; before that, only to those working on it.
SIGNED_STATUSES = (
    AgreementStatus.IN_FORCE,
    AgreementStatus.EXPIRED,
    AgreementStatus.TERMINATED,
    AgreementStatus.RENEWED,
)


def agreement_visible_to(user: Any) -> QuerySet[Agreement]:
    """Staff: every convention. Correspondents: those their organisation is party to, plus public signed
    ones. Anonymous visitors: public signed ones."""
    agreements = Agreement.objects.all()
    if is_staff(user):
        return agreements
    public = Q(is_public=True, status__in=SIGNED_STATUSES)
    if own := organization_ids_of(user):
        party_of = AgreementParty.objects.filter(organization_id__in=own).order_by().values("agreement_id")
        return agreements.filter(public | Q(pk__in=party_of))
    return agreements.filter(public)
