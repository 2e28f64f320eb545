"""Access matrix additions for the register of conventions, and helpers shared by the agreement tests.

``build(world)`` adds, for camille's organisation (Montreuil, "own") and bruno's (Vincennes, "other"):
a non-public draft convention and a non-public convention in force, with parties, a commitment, a
payment, an obligation and an amendment in force. Destructive POSTs target the conventions in force,
where the services refuse them (terms closed, amendment final): the matrix stays repeatable.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from maillage.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    Amendment,
    AmendmentChange,
    AmendmentStatus,
    Commitment,
    Obligation,
    ObligationKind,
    PartyRole,
    Payment,
)
from maillage.core.text import normalize

_numbers = itertools.count(1)


def make_agreement(
    *,
    owner: Any,
    parties: list[tuple[Any, str]] = (),
    status: str = AgreementStatus.DRAFT,
    is_public: bool = False,
    commitments: list[tuple[int, int, Decimal | int]] = (),
    **fields: Any,
) -> Agreement:
    """A convention written straight to the database (no service rules), for test set-ups.

    ``commitments``: (index of the party in ``parties``, year, amount)."""
    number = next(_numbers)
    title = fields.pop("title", f"Convention de test n°{number}")
    agreement = Agreement.objects.create(
        reference=f"TEST-{number:05d}",
        title=title,
        search_text=normalize(f"TEST-{number:05d} {title}"),
        purpose=fields.pop("purpose", "Coopérer sur un sujet commun."),
        kind=fields.pop("kind", None) or AgreementKind.objects.get(slug="cooperation-thematique"),
        owner=owner,
        status=status,
        is_public=is_public,
        **fields,
    )
    created = [
        AgreementParty.objects.create(agreement=agreement, organization=organization, role=role)
        for organization, role in parties
    ]
    total = Decimal("0")
    for index, year, amount in commitments:
        Commitment.objects.create(
            agreement=agreement, party=created[index], year=year, amount=Decimal(amount)
        )
        total += Decimal(amount)
    if total:
        Agreement.objects.filter(pk=agreement.pk).update(total_amount=total)
        agreement.refresh_from_db()
    return agreement


def _furnish(agreement: Agreement, owner: Any) -> dict[str, Any]:
    party = agreement.parties.get()
    commitment = Commitment.objects.create(
        agreement=agreement, party=party, year=2025, amount=Decimal("1000")
    )
    payment = Payment.objects.create(
        agreement=agreement, party=party, amount=Decimal("500"), planned_on=dt.date(2025, 6, 1)
    )
    obligation = Obligation.objects.create(
        agreement=agreement,
        kind=ObligationKind.ANNUAL_REPORT,
        title="Rapport annuel",
        due_on=dt.date(2026, 3, 31),
        owner=owner,
    )
    amendment = Amendment.objects.create(
        agreement=agreement, number=1, purpose="Prolonger d'un an.", status=AmendmentStatus.IN_FORCE
    )
    change = AmendmentChange.objects.create(
        amendment=amendment,
        kind=AmendmentChange.Kind.COMMITMENT,
        organization=party.organization,
        role=party.role,
        year=2026,
        amount=Decimal("800"),
    )
    return {
        "party": party,
        "commitment": commitment,
        "payment": payment,
        "obligation": obligation,
        "amendment": amendment,
        "change": change,
    }


def build(world: Any) -> None:
    p = world.personas
    world.own_agreement = make_agreement(owner=p.arthur, parties=[(p.montreuil, PartyRole.SIGNATORY)])
    world.other_agreement = make_agreement(owner=p.arthur, parties=[(p.vincennes, PartyRole.SIGNATORY)])
    world.own_signed = make_agreement(
        owner=p.arthur, parties=[(p.montreuil, PartyRole.BENEFICIARY)], status=AgreementStatus.IN_FORCE
    )
    world.other_signed = make_agreement(
        owner=p.arthur, parties=[(p.vincennes, PartyRole.BENEFICIARY)], status=AgreementStatus.IN_FORCE
    )
    world.own_agreement_objects = _furnish(world.own_signed, p.arthur)
    world.other_agreement_objects = _furnish(world.other_signed, p.arthur)


def _pair(attribute: str):
    return lambda w: ({"pk": getattr(w, f"own_{attribute}").pk}, {"pk": getattr(w, f"other_{attribute}").pk})


def _objects(name: str):
    return lambda w: (
        {"pk": w.own_agreement_objects[name].pk},
        {"pk": w.other_agreement_objects[name].pk},
    )


def _same(kwargs):
    return lambda w: (kwargs(w), kwargs(w))


TARGETS = {
    "agreements:list": _same(lambda w: {}),
    "agreements:create": _same(lambda w: {}),
    "agreements:detail": _pair("agreement"),
    "agreements:update": _pair("agreement"),
    "agreements:transition": _pair("agreement"),
    "agreements:validate": _pair("agreement"),
    "agreements:party_add": _pair("agreement"),
    "agreements:party_remove": _objects("party"),
    "agreements:party_sign": _objects("party"),
    "agreements:commitment_add": _pair("agreement"),
    "agreements:commitment_delete": _objects("commitment"),
    "agreements:payment_add": _pair("agreement"),
    "agreements:payment_update": _objects("payment"),
    "agreements:payment_mark_paid": _objects("payment"),
    "agreements:deliberation_add": _pair("agreement"),
    "agreements:obligation_add": _pair("agreement"),
    "agreements:obligation_update": _objects("obligation"),
    "agreements:obligation_complete": _objects("obligation"),
    "agreements:amendment_create": _pair("signed"),
    "agreements:amendment_detail": _objects("amendment"),
    "agreements:amendment_update": _objects("amendment"),
    "agreements:amendment_change_add": _objects("amendment"),
    "agreements:amendment_change_delete": _objects("change"),
    "agreements:amendment_transition": _objects("amendment"),
}

_HIDDEN, _ALLOWED = "hidden (404)", "allowed"
SCOPED = {
    # PUBLIC, but only what agreement_visible_to shows: these conventions are not public.
    "agreements:detail": {
        "anonymous": (_HIDDEN, _HIDDEN),
        "admin": (_ALLOWED, _ALLOWED),
        "agent": (_ALLOWED, _ALLOWED),
        "correspondent": (_ALLOWED, _HIDDEN),
    },
}

POST_ONLY = {
    "agreements:transition",
    "agreements:validate",
    "agreements:party_remove",
    "agreements:commitment_delete",
    "agreements:payment_mark_paid",
    "agreements:obligation_complete",
    "agreements:amendment_change_delete",
    "agreements:amendment_transition",
}
