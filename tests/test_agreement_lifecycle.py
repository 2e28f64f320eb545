"""Conventions, services only: dates, versions, lifecycle and its guards, four eyes, money, amendments
and the consolidated state."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext

from maillage.accounts.roles import Role
from maillage.agreements import selectors, services
from maillage.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    AmendmentChange,
    AmendmentStatus,
    DeliberativeBody,
    ObligationKind,
    ObligationStatus,
    PartyRole,
    Transition,
)
from maillage.core.concurrency import ConcurrentEditError
from maillage.organizations.models import Organization, OrganizationKind
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

S = AgreementStatus
A = AmendmentStatus
TODAY = timezone.localdate
PAST_START, PAST_END = dt.date(2020, 1, 1), dt.date(2021, 12, 31)
_acts = itertools.count(1)


def fr(msgid: str) -> str:
    return gettext(msgid)


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


@pytest.fixture
def agnes(db):
    return UserFactory(username="agnes", role=Role.AGENT)


def kind(slug: str = "cooperation-thematique") -> AgreementKind:
    return AgreementKind.objects.get(slug=slug)


def create(personas, **overrides) -> Agreement:
    data = {
        "title": "Convention de coopération sur la fibre",
        "kind": kind(),
        "purpose": "Déployer la fibre dans les équipements publics.",
        "owner": personas.arthur,
        "is_public": True,
    }
    data.update(overrides)
    return services.agreement_create(data=data)


def move(agreement: Agreement, to_status: str, actor, comment: str = "") -> Agreement:
    return services.agreement_transition(
        agreement=agreement,
        to_status=to_status,
        actor=actor,
        comment=comment,
        expected_version=agreement.version,
    )


def walk(agreement: Agreement, statuses, actor) -> None:
    for status in statuses:
        move(agreement, status, actor)


def deliberate(agreement: Agreement, organization, number: str = "", **extra):
    number = number or f"D-{next(_acts):04d}"
    return services.deliberation_create(
        agreement=agreement,
        data={
            "organization": organization,
            "body": DeliberativeBody.MUNICIPAL_COUNCIL,
            "date": extra.pop("date", dt.date(2024, 1, 5)),
            "number": number,
            **extra,
        },
    )


def in_force(personas, *, start=dt.date(2024, 1, 1), end=dt.date(2026, 12, 31), **fields):
    """A convention brought into force through the services, Montreuil as signatory."""
    agreement = create(
        personas, signed_on=start + dt.timedelta(days=9), effective_on=start, expires_on=end, **fields
    )
    party = services.party_add(agreement=agreement, organization=personas.montreuil, role=PartyRole.SIGNATORY)
    walk(agreement, [S.NEGOTIATION, S.LEGAL_REVIEW, S.DELIBERATION], personas.arthur)
    deliberate(agreement, personas.montreuil, date=start)
    move(agreement, S.SIGNATURE, personas.arthur)
    services.party_sign(party=party, signed_on=start + dt.timedelta(days=9))
    move(agreement, S.IN_FORCE, personas.arthur)
    return agreement, party


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Creation, references, dates ----------------------------------------------------------------


def test_references_follow_each_other_within_the_year(personas):
    first, second = create(personas), create(personas)
    year = TODAY().year
    assert first.reference.startswith(f"CONV-{year}-")
    assert int(second.reference.rsplit("-", 1)[1]) == int(first.reference.rsplit("-", 1)[1]) + 1
    assert len(first.reference.rsplit("-", 1)[1]) == 3
    assert first.status == S.DRAFT and first.total_amount == 0


def test_a_reference_taken_meanwhile_is_skipped(personas, monkeypatch):
    taken = create(personas)
    references = iter([taken.reference, "CONV-2099-777"])
    monkeypatch.setattr(services, "_next_reference", lambda year: next(references))
    assert create(personas).reference == "CONV-2099-777"


def test_the_owner_is_an_active_agent(personas):
    with pytest.raises(ValidationError) as error:
        create(personas, owner=personas.camille)
    assert error.value.message_dict["owner"] == [
        fr("The owner must be an active agent or administrator of the metropole.")
    ]
    assert not Agreement.objects.exists()


@pytest.mark.parametrize(
    "fields, field, msgid",
    [
        (
            {"effective_on": dt.date(2025, 1, 1), "expires_on": dt.date(2024, 12, 31)},
            "expires_on",
            "The expiry date must come after the effective date.",
        ),
        (
            {"tacit_renewal": True, "renewal_period_months": 12},
            "notice_days",
            "A tacit renewal needs a notice period.",
        ),
        (
            {"tacit_renewal": True, "notice_days": 90},
            "renewal_period_months",
            "A tacit renewal needs a renewal period.",
        ),
        (
            {"signed_on": dt.date(2030, 1, 1) + dt.timedelta(days=3650)},
            "signed_on",
            "The signature date cannot be in the future.",
        ),
        (
            {
                "signed_on": dt.date(2023, 1, 1),
                "effective_on": dt.date(2020, 1, 1),
                "expires_on": dt.date(2022, 1, 1),
            },
            "signed_on",
            "An agreement cannot be signed on or after its expiry date.",
        ),
        ({"duration_months": 0}, "duration_months", "A duration is at least one month."),
    ],
)
def test_incoherent_dates_are_refused(personas, fields, field, msgid):
    with pytest.raises(ValidationError) as error:
        create(personas, **fields)
    assert fr(msgid) in error.value.message_dict[field]
    assert not Agreement.objects.exists()


def test_a_duration_must_match_the_dates(personas):
    with pytest.raises(ValidationError) as error:
        create(
            personas, effective_on=dt.date(2025, 1, 1), expires_on=dt.date(2026, 6, 30), duration_months=36
        )
    expected = fr(
        "A duration of %(months)s months from %(start)s ends on %(end)s, not on %(expiry)s: "
        "correct the duration or the expiry date."
    ) % {"months": 36, "start": "01/01/2025", "end": "31/12/2027", "expiry": "30/06/2026"}
    assert error.value.message_dict["duration_months"] == [expected]
    # The day before and the same day of the month both count as the end of the duration.
    assert create(
        personas, effective_on=dt.date(2025, 1, 1), expires_on=dt.date(2027, 12, 31), duration_months=36
    )
    assert create(
        personas, effective_on=dt.date(2025, 1, 1), expires_on=dt.date(2028, 1, 1), duration_months=36
    )


def test_the_expiry_is_computed_from_a_duration(personas):
    agreement = create(personas, effective_on=dt.date(2025, 3, 1), duration_months=24)
    assert agreement.expires_on == dt.date(2027, 2, 28)
    assert services.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)


def test_the_notice_cannot_exceed_the_duration(personas):
    with pytest.raises(ValidationError) as error:
        create(
            personas,
            effective_on=dt.date(2025, 1, 1),
            expires_on=dt.date(2025, 3, 31),
            tacit_renewal=True,
            renewal_period_months=12,
            notice_days=120,
        )
    assert error.value.message_dict["notice_days"] == [
        fr(
            "The notice period (%(notice)s days) is longer than the whole duration of the agreement "
            "(%(days)s days)."
        )
        % {"notice": 120, "days": 89}
    ]


def test_a_signature_after_the_effective_date_is_accepted(personas):
    """Retroactive effect, usual for yearly subsidies: signed in March, effective on 1 January."""
    agreement = create(
        personas,
        effective_on=dt.date(2024, 1, 1),
        signed_on=dt.date(2024, 3, 15),
        expires_on=dt.date(2024, 12, 31),
    )
    assert agreement.signed_on > agreement.effective_on


# --- Updates and versions --------------------------------------------------------------------------


def test_a_stale_version_is_refused(personas):
    agreement = create(personas)
    stale = Agreement.objects.get(pk=agreement.pk)
    services.agreement_update(agreement=agreement, data={"title": "Premier titre"}, expected_version=1)
    with pytest.raises(ConcurrentEditError) as error:
        services.agreement_update(agreement=stale, data={"title": "Second titre"}, expected_version=1)
    assert str(error.value) == fr(
        "Someone else saved this record while you were editing it. Your changes were not saved: "
        "reload the page to see the current version, then apply your changes again."
    )
    agreement.refresh_from_db()
    assert agreement.title == "Premier titre" and agreement.version == 2


def test_signed_terms_change_only_through_an_amendment(personas):
    agreement, _ = in_force(personas)
    with pytest.raises(ValidationError) as error:
        services.agreement_update(
            agreement=agreement, data={"purpose": "Autre chose."}, expected_version=agreement.version
        )
    assert "purpose" in error.value.message_dict
    assert fr("In force") in error.value.message_dict["purpose"][0]
    # Administrative fields stay open; unchanged terms sent along are fine.
    services.agreement_update(
        agreement=agreement,
        data={"title": "Nouveau titre", "purpose": agreement.purpose, "is_public": False},
        expected_version=agreement.version,
    )
    agreement.refresh_from_db()
    assert agreement.title == "Nouveau titre" and not agreement.is_public


# --- Lifecycle ----------------------------------------------------------------------------------------


def test_a_move_outside_the_lifecycle_names_current_and_allowed_statuses(personas):
    agreement = create(personas)
    with pytest.raises(ValidationError) as error:
        move(agreement, S.SIGNATURE, personas.arthur)
    assert messages_of(error.value) == fr(
        "The status is « %(current)s »: it cannot move to « %(target)s ». Allowed next statuses: %(allowed)s."
    ) % {"current": fr("Draft"), "target": fr("Signature"), "allowed": f"« {fr('In negotiation')} »"}
    assert Agreement.objects.get(pk=agreement.pk).status == S.DRAFT
    assert not Transition.objects.exists()


@pytest.mark.parametrize(
    "status, target",
    [
        (S.DRAFT, S.IN_FORCE),
        (S.DRAFT, S.DRAFT),
        (S.NEGOTIATION, S.DELIBERATION),
        (S.LEGAL_REVIEW, S.SIGNATURE),
        (S.DELIBERATION, S.IN_FORCE),
        (S.SIGNATURE, S.EXPIRED),
        (S.IN_FORCE, S.DRAFT),
        (S.EXPIRED, S.IN_FORCE),
        (S.TERMINATED, S.IN_FORCE),
        (S.RENEWED, S.DRAFT),
        (S.DRAFT, "vanished"),
    ],
)
def test_every_move_outside_the_table_is_refused(personas, status, target):
    agreement = create(personas)
    Agreement.objects.filter(pk=agreement.pk).update(status=status)
    agreement.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        move(agreement, target, personas.alice)
    assert error.value.error_list[0].code == "transition"
    if status in (S.EXPIRED, S.TERMINATED):
        assert fr("none (final status)") in messages_of(error.value)
    assert Agreement.objects.get(pk=agreement.pk).status == status


def test_only_staff_move_agreements(personas):
    agreement = create(personas)
    with pytest.raises(ValidationError):
        move(agreement, S.NEGOTIATION, personas.camille)


def test_moves_are_recorded_with_who_when_and_why(personas):
    agreement = create(personas)
    move(agreement, S.NEGOTIATION, personas.arthur, "Premier envoi aux partenaires")
    move(agreement, S.DRAFT, personas.alice, "À reprendre")
    moves = list(Transition.objects.filter(agreement=agreement))
    assert [(m.from_status, m.to_status, m.actor, m.comment) for m in moves] == [
        (S.DRAFT, S.NEGOTIATION, personas.arthur, "Premier envoi aux partenaires"),
        (S.NEGOTIATION, S.DRAFT, personas.alice, "À reprendre"),
    ]
    assert all(m.at and m.amendment is None for m in moves)
    assert agreement.version == 3


def test_a_transition_with_a_stale_version_is_refused(personas):
    agreement = create(personas)
    with pytest.raises(ConcurrentEditError):
        services.agreement_transition(
            agreement=agreement, to_status=S.NEGOTIATION, actor=personas.arthur, expected_version=0
        )
    assert not Transition.objects.exists()


def test_deliberation_needs_a_party_and_a_purpose(personas):
    agreement = create(personas)
    walk(agreement, [S.NEGOTIATION, S.LEGAL_REVIEW], personas.arthur)
    Agreement.objects.filter(pk=agreement.pk).update(purpose="  ")
    agreement.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        move(agreement, S.DELIBERATION, personas.arthur)
    assert error.value.messages == [
        fr("Before deliberation, the agreement needs at least one party."),
        fr("Before deliberation, the agreement needs a purpose."),
    ]


def test_signature_needs_a_deliberation(personas):
    agreement = create(personas)
    services.party_add(agreement=agreement, organization=personas.montreuil, role=PartyRole.SIGNATORY)
    walk(agreement, [S.NEGOTIATION, S.LEGAL_REVIEW, S.DELIBERATION], personas.arthur)
    with pytest.raises(ValidationError) as error:
        move(agreement, S.SIGNATURE, personas.arthur)
    assert error.value.messages == [
        fr("Before signature, record at least one deliberation approving the agreement.")
    ]
    deliberate(agreement, personas.montreuil)
    move(agreement, S.SIGNATURE, personas.arthur)
    assert agreement.status == S.SIGNATURE


def test_in_force_needs_every_signature_and_the_dates(personas):
    agreement = create(personas)
    montreuil = services.party_add(
        agreement=agreement, organization=personas.montreuil, role=PartyRole.SIGNATORY
    )
    services.party_add(agreement=agreement, organization=personas.vincennes, role=PartyRole.SIGNATORY)
    services.party_add(agreement=agreement, organization=OrganizationFactory(), role=PartyRole.BENEFICIARY)
    walk(agreement, [S.NEGOTIATION, S.LEGAL_REVIEW, S.DELIBERATION], personas.arthur)
    deliberate(agreement, personas.montreuil)
    move(agreement, S.SIGNATURE, personas.arthur)
    services.party_sign(party=montreuil, signed_on=dt.date(2024, 2, 1))
    with pytest.raises(ValidationError) as error:
        move(agreement, S.IN_FORCE, personas.arthur)
    assert error.value.messages == [
        fr("These signatory parties have not signed yet: %(names)s.") % {"names": personas.vincennes.name},
        fr("Record the signature date of the agreement."),
        fr("Record the effective date of the agreement."),
    ]
    services.party_sign(
        party=agreement.parties.get(organization=personas.vincennes), signed_on=dt.date(2024, 2, 2)
    )
    services.agreement_update(
        agreement=agreement,
        data={"signed_on": dt.date(2024, 2, 2), "effective_on": dt.date(2024, 3, 1)},
        expected_version=agreement.version,
    )
    move(agreement, S.IN_FORCE, personas.arthur)  # the beneficiary does not need to sign
    assert agreement.status == S.IN_FORCE


def test_in_force_needs_a_signatory(personas):
    agreement = create(personas, signed_on=dt.date(2024, 1, 1), effective_on=dt.date(2024, 1, 1))
    services.party_add(agreement=agreement, organization=personas.montreuil, role=PartyRole.FUNDER)
    Agreement.objects.filter(pk=agreement.pk).update(status=S.SIGNATURE)
    agreement.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        move(agreement, S.IN_FORCE, personas.arthur)
    assert error.value.messages == [
        fr("To come into force, the agreement needs at least one signatory party.")
    ]


def test_signatures_are_recorded_at_signature_only(personas):
    agreement = create(personas)
    party = services.party_add(agreement=agreement, organization=personas.montreuil, role=PartyRole.SIGNATORY)
    with pytest.raises(ValidationError) as error:
        services.party_sign(party=party, signed_on=dt.date(2024, 1, 1))
    assert error.value.messages == [
        fr("Signatures are recorded while the agreement is at signature; it is « %(status)s ».")
        % {"status": fr("Draft")}
    ]
    Agreement.objects.filter(pk=agreement.pk).update(status=S.SIGNATURE)
    party.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.party_sign(party=party, signed_on=TODAY() + dt.timedelta(days=1))
    assert error.value.message_dict == {"signed_on": [fr("The signature date cannot be in the future.")]}


def test_expiry_only_once_the_date_is_past(personas):
    agreement, _ = in_force(personas, start=dt.date(2024, 1, 1), end=TODAY() + dt.timedelta(days=30))
    with pytest.raises(ValidationError) as error:
        move(agreement, S.EXPIRED, personas.arthur)
    assert error.value.messages == [
        fr("The agreement can expire only once its expiry date is past: it expires on %(date)s.")
        % {"date": (TODAY() + dt.timedelta(days=30)).strftime("%d/%m/%Y")}
    ]
    past, _ = in_force(personas, start=PAST_START, end=PAST_END)
    move(past, S.EXPIRED, personas.arthur)
    assert past.status == S.EXPIRED


def test_an_agreement_without_expiry_cannot_expire(personas):
    agreement, _ = in_force(personas, end=None)
    with pytest.raises(ValidationError) as error:
        move(agreement, S.EXPIRED, personas.arthur)
    assert error.value.messages == [
        fr("The agreement has no expiry date: it cannot expire (terminate it instead).")
    ]


def test_termination_needs_a_reason(personas):
    agreement, _ = in_force(personas)
    with pytest.raises(ValidationError) as error:
        move(agreement, S.TERMINATED, personas.arthur)
    assert error.value.messages == [fr("Give the reason for the termination in the comment.")]
    move(agreement, S.TERMINATED, personas.arthur, "Résiliation d'un commun accord")
    assert agreement.status == S.TERMINATED


def test_tacit_renewal_moves_the_expiry(personas):
    end = TODAY() + dt.timedelta(days=20)
    agreement, _ = in_force(
        personas,
        start=dt.date(2024, 1, 1),
        end=end,
        tacit_renewal=True,
        renewal_period_months=12,
        notice_days=60,
    )
    move(agreement, S.RENEWED, personas.arthur)
    agreement.refresh_from_db()
    assert agreement.status == S.RENEWED
    assert agreement.expires_on == services.add_months(end, 12)
    note = fr("Tacit renewal: the expiry date moves from %(old)s to %(new)s.") % {
        "old": end.strftime("%d/%m/%Y"),
        "new": agreement.expires_on.strftime("%d/%m/%Y"),
    }
    assert Transition.objects.get(agreement=agreement, to_status=S.RENEWED).comment == note


def test_renewal_needs_the_clause_and_the_notice_deadline(personas):
    plain, _ = in_force(personas)
    with pytest.raises(ValidationError) as error:
        move(plain, S.RENEWED, personas.arthur)
    assert (
        fr("This agreement has no tacit renewal clause: it cannot be renewed tacitly.")
        in error.value.messages
    )
    early, _ = in_force(
        personas,
        start=dt.date(2024, 1, 1),
        end=TODAY() + dt.timedelta(days=200),
        tacit_renewal=True,
        renewal_period_months=12,
        notice_days=90,
    )
    with pytest.raises(ValidationError) as error:
        move(early, S.RENEWED, personas.arthur)
    deadline = TODAY() + dt.timedelta(days=110)
    assert error.value.messages == [
        fr("Tacit renewal happens once the notice deadline (%(date)s) has passed without notice being given.")
        % {"date": deadline.strftime("%d/%m/%Y")}
    ]


# --- Four eyes ----------------------------------------------------------------------------------------


@pytest.fixture
def big(personas, settings):
    """A convention above a 1 000 € threshold, at deliberation, owned by arthur."""
    settings.AGREEMENT_FOUR_EYES_THRESHOLD = 1000
    agreement = create(personas)
    party = services.party_add(agreement=agreement, organization=personas.montreuil, role=PartyRole.SIGNATORY)
    services.commitment_set(agreement=agreement, party=party, year=2025, amount=Decimal("5000"))
    walk(agreement, [S.NEGOTIATION, S.LEGAL_REVIEW, S.DELIBERATION], personas.arthur)
    deliberate(agreement, personas.montreuil)
    return agreement


def _four_eyes_message():
    return fr(
        "The total amount (%(amount)s €) exceeds %(threshold)s €: before signature, an agent other than the "
        "owner and than you must validate the current version of the agreement."
    )


def test_above_the_threshold_signature_needs_a_second_validation(personas, big, agnes):
    with pytest.raises(ValidationError) as error:
        move(big, S.SIGNATURE, personas.arthur)
    assert error.value.messages == [
        _four_eyes_message() % {"amount": "5\xa0000,00", "threshold": "1\xa0000,00"}
    ]
    services.agreement_validate(agreement=big, validator=agnes)
    move(big, S.SIGNATURE, personas.arthur)
    assert big.status == S.SIGNATURE


def test_the_owner_cannot_validate(personas, big):
    with pytest.raises(ValidationError) as error:
        services.agreement_validate(agreement=big, validator=personas.arthur)
    assert error.value.messages == [
        fr("The owner of the agreement cannot validate it: the four-eyes rule needs another agent.")
    ]


def test_the_validator_cannot_be_the_one_who_moves_it(personas, big, agnes):
    services.agreement_validate(agreement=big, validator=agnes)
    with pytest.raises(ValidationError):
        move(big, S.SIGNATURE, agnes)
    move(big, S.SIGNATURE, personas.alice)


def test_a_correspondent_or_an_inactive_agent_does_not_validate(personas, big, agnes):
    with pytest.raises(ValidationError):
        services.agreement_validate(agreement=big, validator=personas.camille)
    services.agreement_validate(agreement=big, validator=agnes)
    agnes.is_active = False
    agnes.save()
    with pytest.raises(ValidationError):
        move(big, S.SIGNATURE, personas.arthur)


def test_a_change_needs_a_new_validation(personas, big, agnes):
    services.agreement_validate(agreement=big, validator=agnes)
    party = big.parties.get()
    services.commitment_set(agreement=big, party=party, year=2026, amount=Decimal("7000"))
    assert big.version > 0 and big.total_amount == Decimal("12000")
    with pytest.raises(ValidationError) as error:
        move(big, S.SIGNATURE, personas.arthur)
    assert error.value.messages == [
        _four_eyes_message() % {"amount": "12\xa0000,00", "threshold": "1\xa0000,00"}
    ]
    assert selectors.four_eyes_state(Agreement.objects.get(pk=big.pk)).validation is None
    services.agreement_validate(agreement=big, validator=agnes)
    move(big, S.SIGNATURE, personas.arthur)


def test_validating_the_same_version_twice_records_it_once(big, agnes):
    first = services.agreement_validate(agreement=big, validator=agnes)
    assert services.agreement_validate(agreement=big, validator=agnes) == first
    assert big.validations.count() == 1


def test_validating_a_stale_version_is_refused(big, agnes):
    with pytest.raises(ConcurrentEditError):
        services.agreement_validate(agreement=big, validator=agnes, expected_version=big.version - 1)


def test_below_the_threshold_no_validation(personas, settings, agnes):
    settings.AGREEMENT_FOUR_EYES_THRESHOLD = 100_000
    agreement = create(personas)
    with pytest.raises(ValidationError) as error:
        services.agreement_validate(agreement=agreement, validator=agnes)
    assert error.value.messages == [
        fr("The total amount does not exceed %(threshold)s €: no second validation is needed.")
        % {"threshold": "100\xa0000,00"}
    ]


def test_validation_happens_before_signature(personas, settings, agnes):
    agreement, party = in_force(personas)
    settings.AGREEMENT_FOUR_EYES_THRESHOLD = 0
    Agreement.objects.filter(pk=agreement.pk).update(total_amount=10)
    agreement.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.agreement_validate(agreement=agreement, validator=agnes)
    assert error.value.messages == [
        fr("Validation happens before signature; this agreement is « %(status)s ».")
        % {"status": fr("In force")}
    ]


# --- Parties and money ---------------------------------------------------------------------------------


def test_commitments_keep_the_total(personas):
    agreement = create(personas)
    montreuil = services.party_add(
        agreement=agreement, organization=personas.montreuil, role=PartyRole.FUNDER
    )
    vincennes = services.party_add(
        agreement=agreement, organization=personas.vincennes, role=PartyRole.FUNDER
    )
    services.commitment_set(agreement=agreement, party=montreuil, year=2025, amount=Decimal("1000"))
    services.commitment_set(agreement=agreement, party=vincennes, year=2025, amount=Decimal("250.50"))
    assert agreement.total_amount == Decimal("1250.50")
    services.commitment_set(agreement=agreement, party=montreuil, year=2025, amount=Decimal("400"))
    assert agreement.total_amount == Decimal("650.50")
    assert agreement.commitments.count() == 2
    services.commitment_delete(commitment=agreement.commitments.get(party=vincennes))
    agreement.refresh_from_db()
    assert agreement.total_amount == Decimal("400")
    services.party_remove(party=montreuil)
    agreement.refresh_from_db()
    assert agreement.total_amount == 0 and not agreement.commitments.exists()


def test_a_commitment_is_not_negative_and_belongs_to_a_party(personas):
    agreement, other = create(personas), create(personas)
    party = services.party_add(agreement=agreement, organization=personas.montreuil, role=PartyRole.FUNDER)
    with pytest.raises(ValidationError) as error:
        services.commitment_set(agreement=agreement, party=party, year=2025, amount=Decimal("-1"))
    assert error.value.message_dict == {"amount": [fr("A commitment cannot be negative.")]}
    with pytest.raises(ValidationError) as error:
        services.commitment_set(agreement=other, party=party, year=2025, amount=Decimal("1"))
    assert error.value.message_dict == {"party": [fr("Choose a party of this agreement.")]}
    with pytest.raises(ValidationError):
        services.commitment_set(agreement=agreement, party=party, year=1999, amount=Decimal("1"))
    assert (
        services.commitment_set(agreement=agreement, party=party, year=2025, amount=Decimal("0")).amount == 0
    )


def test_a_party_once_per_role(personas):
    agreement = create(personas)
    services.party_add(agreement=agreement, organization=personas.montreuil, role=PartyRole.FUNDER)
    with pytest.raises(ValidationError) as error:
        services.party_add(agreement=agreement, organization=personas.montreuil, role=PartyRole.FUNDER)
    assert fr("This organisation already has this role in the agreement.") in messages_of(error.value)
    services.party_add(agreement=agreement, organization=personas.montreuil, role=PartyRole.OPERATOR)


def test_parties_and_commitments_are_frozen_once_signed(personas):
    agreement, party = in_force(personas)
    for call in (
        lambda: services.party_add(
            agreement=agreement, organization=personas.vincennes, role=PartyRole.FUNDER
        ),
        lambda: services.commitment_set(agreement=agreement, party=party, year=2025, amount=Decimal("1")),
        lambda: services.party_remove(party=party),
    ):
        with pytest.raises(ValidationError) as error:
            call()
        assert error.value.messages == [
            fr(
                "This agreement is « %(status)s »: its parties and commitments no longer change directly. "
                "Create an amendment once it is in force, or move it back before signature."
            )
            % {"status": fr("In force")}
        ]


def test_payments_planned_then_made(personas):
    draft = create(personas)
    draft_party = services.party_add(
        agreement=draft, organization=personas.montreuil, role=PartyRole.BENEFICIARY
    )
    planned = services.payment_create(
        agreement=draft,
        data={"party": draft_party, "amount": Decimal("300"), "planned_on": dt.date(2025, 6, 1)},
    )
    with pytest.raises(ValidationError) as error:
        services.payment_mark_paid(payment=planned, paid_on=dt.date(2025, 6, 2))
    assert error.value.message_dict == {
        "paid_on": [
            fr("A payment is made once the agreement is in force; it is « %(status)s ».")
            % {"status": fr("Draft")}
        ]
    }
    with pytest.raises(ValidationError) as error:
        services.payment_create(
            agreement=draft,
            data={"party": draft_party, "amount": Decimal("0"), "planned_on": dt.date(2025, 6, 1)},
        )
    assert error.value.message_dict == {"amount": [fr("A payment is a positive amount.")]}

    agreement, party = in_force(personas)
    payment = services.payment_create(
        agreement=agreement,
        data={"party": party, "amount": Decimal("300"), "planned_on": dt.date(2025, 6, 1)},
    )
    with pytest.raises(ValidationError):
        services.payment_mark_paid(payment=payment, paid_on=TODAY() + dt.timedelta(days=1))
    services.payment_mark_paid(payment=payment, paid_on=dt.date(2025, 6, 3))
    payment.refresh_from_db()
    assert payment.paid_on == dt.date(2025, 6, 3)
    with pytest.raises(ValidationError) as error:
        services.payment_mark_paid(payment=payment)
    assert error.value.messages == [fr("This payment was already made on %(date)s.") % {"date": "03/06/2025"}]
    with pytest.raises(ValidationError):
        services.payment_create(
            agreement=agreement,
            data={"party": draft_party, "amount": Decimal("1"), "planned_on": dt.date(2025, 6, 1)},
        )


def test_totals_per_party_commune_and_year_in_sql(personas, django_assert_num_queries):
    association = OrganizationFactory(commune=personas.montreuil.commune, kind=OrganizationKind.ASSOCIATION)
    metropole = Organization.objects.filter(kind=OrganizationKind.METROPOLE).first()
    first, second = create(personas), create(personas)
    for agreement, rows in (
        (first, [(personas.montreuil, 2025, 1000), (association, 2025, 200), (metropole, 2026, 5000)]),
        (second, [(personas.montreuil, 2026, 300), (personas.vincennes, 2025, 50)]),
    ):
        for organization, year, amount in rows:
            party = agreement.parties.filter(organization=organization).first() or services.party_add(
                agreement=agreement, organization=organization, role=PartyRole.FUNDER
            )
            services.commitment_set(agreement=agreement, party=party, year=year, amount=Decimal(amount))
    both = Agreement.objects.filter(pk__in=[first.pk, second.pk])
    with django_assert_num_queries(1):
        by_party = selectors.commitment_totals_by_party(both)
    assert {row["organization_id"]: row["total"] for row in by_party} == {
        personas.montreuil.pk: Decimal("1300"),
        association.pk: Decimal("200"),
        metropole.pk: Decimal("5000"),
        personas.vincennes.pk: Decimal("50"),
    }
    with django_assert_num_queries(1):
        by_commune = selectors.commitment_totals_by_commune(both)
    assert {row["commune"]: row["total"] for row in by_commune} == {
        "93048": Decimal("1500"),
        "94080": Decimal("50"),
        metropole.commune_id: Decimal("5000"),
    }
    with django_assert_num_queries(1):
        by_year = selectors.commitment_totals_by_year(both)
    assert by_year == [{"year": 2025, "total": Decimal("1250")}, {"year": 2026, "total": Decimal("5300")}]
    by_agreement = {
        row["agreement_id"]: row["total"] for row in selectors.commitment_totals_by_agreement(both)
    }
    assert by_agreement == {first.pk: Decimal("6200"), second.pk: Decimal("350")}
    first.refresh_from_db()
    assert first.total_amount == Decimal("6200")
    assert selectors.commitment_totals_by_year(Agreement.objects.filter(pk=second.pk)) == [
        {"year": 2025, "total": Decimal("50")},
        {"year": 2026, "total": Decimal("300")},
    ]


# --- Deliberations and obligations ---------------------------------------------------------------------


def test_deliberations_are_checked(personas):
    agreement = create(personas)
    deliberate(agreement, personas.montreuil, number="D-1", votes_for=40, votes_against=2, abstentions=3)
    with pytest.raises(ValidationError) as error:
        deliberate(agreement, personas.montreuil, number="D-1")
    assert fr("This organisation already has a deliberation with this number.") in messages_of(error.value)
    with pytest.raises(ValidationError) as error:
        deliberate(agreement, personas.montreuil, number="D-2", date=TODAY() + dt.timedelta(days=1))
    assert error.value.message_dict == {
        "date": [fr("A deliberation is recorded once adopted: its date cannot be in the future.")]
    }
    signed, _ = in_force(personas)
    amendment = services.amendment_create(agreement=signed, data={"purpose": "Prolonger."})
    with pytest.raises(ValidationError) as error:
        deliberate(agreement, personas.montreuil, number="D-3", amendment=amendment)
    assert error.value.message_dict == {"amendment": [fr("Choose an amendment of this agreement.")]}


def test_obligations_are_followed_and_completed_once(personas, agnes):
    agreement = create(personas)
    obligation = services.obligation_create(
        agreement=agreement,
        data={
            "kind": ObligationKind.ANNUAL_REPORT,
            "title": "Bilan 2025",
            "due_on": dt.date(2026, 3, 31),
            "owner": agnes,
        },
    )
    assert obligation.status == ObligationStatus.TODO
    done = services.obligation_complete(obligation=obligation, done_on=dt.date(2026, 3, 1))
    assert (done.status, done.done_on) == (ObligationStatus.DONE, dt.date(2026, 3, 1))
    again = services.obligation_complete(obligation=obligation)
    assert again.done_on == dt.date(2026, 3, 1)
    agnes.is_active = False
    agnes.save()
    with pytest.raises(ValidationError) as error:
        services.obligation_create(
            agreement=agreement,
            data={"kind": ObligationKind.OTHER, "title": "x", "due_on": dt.date(2026, 1, 1), "owner": agnes},
        )
    assert error.value.message_dict == {"owner": [fr("Choose an active account to follow this obligation.")]}


# --- Amendments and consolidated state -----------------------------------------------------------------


def change(amendment, kind, organization, **extra):
    return services.amendment_change_add(
        amendment=amendment, data={"kind": kind, "organization": organization, **extra}
    )


def move_amendment(amendment, to_status, actor, comment=""):
    return services.amendment_transition(
        amendment=amendment,
        to_status=to_status,
        actor=actor,
        comment=comment,
        expected_version=amendment.version,
    )


def bring_amendment_in_force(amendment, personas, number):
    walk_statuses = [A.NEGOTIATION, A.LEGAL_REVIEW, A.DELIBERATION]
    for status in walk_statuses:
        move_amendment(amendment, status, personas.arthur)
    deliberate(amendment.agreement, personas.montreuil, number=number, amendment=amendment)
    move_amendment(amendment, A.SIGNATURE, personas.arthur)
    services.amendment_update(
        amendment=amendment, data={"signed_on": dt.date(2025, 1, 15)}, expected_version=amendment.version
    )
    amendment.refresh_from_db()
    move_amendment(amendment, A.IN_FORCE, personas.arthur)


def test_amendments_only_for_agreements_in_force_and_numbered(personas):
    draft = create(personas)
    with pytest.raises(ValidationError) as error:
        services.amendment_create(agreement=draft, data={"purpose": "x"})
    assert error.value.messages == [
        fr("Only an agreement in force can be amended; this one is « %(status)s ».") % {"status": fr("Draft")}
    ]
    agreement, _ = in_force(personas)
    first = services.amendment_create(agreement=agreement, data={"purpose": "Premier"})
    second = services.amendment_create(agreement=agreement, data={"purpose": "Second"})
    assert (first.number, second.number) == (1, 2)
    assert first.status == A.DRAFT
    with pytest.raises(ValidationError) as error:
        services.amendment_create(agreement=agreement, data={"purpose": "  "})
    assert error.value.message_dict == {"purpose": [fr("Describe the purpose of the amendment.")]}
    with pytest.raises(ValidationError) as error:
        services.amendment_create(
            agreement=agreement, data={"purpose": "x", "new_expires_on": dt.date(2023, 1, 1)}
        )
    assert error.value.message_dict == {
        "new_expires_on": [fr("The expiry date must come after the effective date.")]
    }


def test_changes_must_fit_the_agreement(personas):
    agreement, party = in_force(personas)
    amendment = services.amendment_create(agreement=agreement, data={"purpose": "Ajustements"})
    with pytest.raises(ValidationError) as error:
        change(amendment, AmendmentChange.Kind.ADD_PARTY, personas.montreuil, role=PartyRole.SIGNATORY)
    assert error.value.messages == [
        fr(
            "Amendment no. %(number)s adds %(organization)s as %(role)s, but it is already a party with this role."
        )
        % {"number": 1, "organization": personas.montreuil, "role": fr("Signatory")}
    ]
    with pytest.raises(ValidationError) as error:
        change(amendment, AmendmentChange.Kind.REMOVE_PARTY, personas.vincennes)
    assert error.value.messages == [
        fr("Amendment no. %(number)s withdraws %(organization)s, which is not a party.")
        % {"number": 1, "organization": personas.vincennes}
    ]
    with pytest.raises(ValidationError) as error:
        change(
            amendment, AmendmentChange.Kind.COMMITMENT, personas.vincennes, year=2025, amount=Decimal("10")
        )
    assert messages_of(error.value) == fr(
        "Amendment no. %(number)s changes a commitment of %(organization)s, which is not a party (add it first)."
    ) % {"number": 1, "organization": personas.vincennes}
    with pytest.raises(ValidationError) as error:
        change(amendment, AmendmentChange.Kind.ADD_PARTY, personas.vincennes)
    assert error.value.message_dict == {"role": [fr("Give the role of the party added.")]}
    with pytest.raises(ValidationError) as error:
        change(
            amendment, AmendmentChange.Kind.COMMITMENT, personas.montreuil, year=2025, amount=Decimal("-5")
        )
    assert error.value.message_dict == {"amount": [fr("A commitment cannot be negative.")]}
    # Added by this amendment, a party can then receive a commitment in the same amendment.
    change(amendment, AmendmentChange.Kind.ADD_PARTY, personas.vincennes, role=PartyRole.FUNDER)
    change(amendment, AmendmentChange.Kind.COMMITMENT, personas.vincennes, year=2025, amount=Decimal("10"))
    assert amendment.changes.count() == 2


def test_amendment_lifecycle_guards_and_records(personas):
    agreement, _ = in_force(personas)
    amendment = services.amendment_create(agreement=agreement, data={"purpose": "Prolonger"})
    with pytest.raises(ValidationError) as error:
        move_amendment(amendment, A.IN_FORCE, personas.arthur)
    assert error.value.messages == [
        fr(
            "The status is « %(current)s »: it cannot move to « %(target)s ». Allowed next statuses: %(allowed)s."
        )
        % {
            "current": fr("Draft"),
            "target": fr("In force"),
            "allowed": f"« {fr('In negotiation')} », « {fr('Abandoned')} »",
        }
    ]
    move_amendment(amendment, A.NEGOTIATION, personas.arthur)
    move_amendment(amendment, A.LEGAL_REVIEW, personas.arthur)
    with pytest.raises(ValidationError) as error:
        move_amendment(amendment, A.DELIBERATION, personas.arthur)
    assert error.value.messages == [
        fr("Before deliberation, the amendment needs at least one change or a new expiry date.")
    ]
    services.amendment_update(
        amendment=amendment,
        data={"new_expires_on": dt.date(2027, 12, 31)},
        expected_version=amendment.version,
    )
    move_amendment(amendment, A.DELIBERATION, personas.arthur)
    with pytest.raises(ValidationError) as error:
        change(amendment, AmendmentChange.Kind.REMOVE_PARTY, personas.montreuil)
    assert error.value.messages == [
        fr("This amendment is « %(status)s »: its changes can no longer change.")
        % {"status": fr("Deliberation")}
    ]
    with pytest.raises(ValidationError) as error:
        move_amendment(amendment, A.SIGNATURE, personas.arthur)
    assert error.value.messages == [
        fr("Before signature, record at least one deliberation approving the amendment.")
    ]
    deliberate(agreement, personas.montreuil, number="AV-1", amendment=amendment)
    move_amendment(amendment, A.SIGNATURE, personas.arthur)
    with pytest.raises(ValidationError) as error:
        move_amendment(amendment, A.IN_FORCE, personas.arthur)
    assert error.value.messages == [fr("Record the signature date of the amendment.")]
    with pytest.raises(ConcurrentEditError):
        services.amendment_update(
            amendment=amendment, data={"signed_on": dt.date(2025, 2, 1)}, expected_version=1
        )
    services.amendment_update(
        amendment=amendment, data={"signed_on": dt.date(2025, 2, 1)}, expected_version=amendment.version
    )
    amendment.refresh_from_db()
    move_amendment(amendment, A.IN_FORCE, personas.alice, "Signé par les deux parties")
    moves = Transition.objects.filter(amendment=amendment)
    assert [(m.from_status, m.to_status) for m in moves] == [
        (A.DRAFT, A.NEGOTIATION),
        (A.NEGOTIATION, A.LEGAL_REVIEW),
        (A.LEGAL_REVIEW, A.DELIBERATION),
        (A.DELIBERATION, A.SIGNATURE),
        (A.SIGNATURE, A.IN_FORCE),
    ]
    assert moves.last().actor == personas.alice and moves.last().agreement_id == agreement.pk
    with pytest.raises(ValidationError) as error:
        move_amendment(amendment, A.ABANDONED, personas.arthur)
    assert fr("none (final status)") in messages_of(error.value)


def test_the_consolidated_state_applies_amendments_in_force_in_number_order(personas):
    agreement = create(
        personas,
        signed_on=dt.date(2024, 1, 10),
        effective_on=dt.date(2024, 1, 1),
        expires_on=dt.date(2026, 12, 31),
    )
    montreuil = services.party_add(
        agreement=agreement, organization=personas.montreuil, role=PartyRole.SIGNATORY
    )
    association = OrganizationFactory()
    partner = services.party_add(agreement=agreement, organization=association, role=PartyRole.BENEFICIARY)
    services.commitment_set(agreement=agreement, party=montreuil, year=2024, amount=Decimal("1000"))
    services.commitment_set(agreement=agreement, party=montreuil, year=2025, amount=Decimal("1000"))
    services.commitment_set(agreement=agreement, party=partner, year=2024, amount=Decimal("300"))
    services.commitment_set(agreement=agreement, party=partner, year=2025, amount=Decimal("300"))
    walk(agreement, [S.NEGOTIATION, S.LEGAL_REVIEW, S.DELIBERATION], personas.arthur)
    deliberate(agreement, personas.montreuil)
    move(agreement, S.SIGNATURE, personas.arthur)
    services.party_sign(party=montreuil, signed_on=dt.date(2024, 1, 10))
    move(agreement, S.IN_FORCE, personas.arthur)

    first = services.amendment_create(agreement=agreement, data={"purpose": "Vincennes rejoint"})
    change(first, AmendmentChange.Kind.ADD_PARTY, personas.vincennes, role=PartyRole.FUNDER)
    change(first, AmendmentChange.Kind.COMMITMENT, personas.vincennes, year=2025, amount=Decimal("500"))
    change(first, AmendmentChange.Kind.COMMITMENT, personas.montreuil, year=2025, amount=Decimal("800"))
    second = services.amendment_create(
        agreement=agreement,
        data={"purpose": "Retrait et prolongation", "new_expires_on": dt.date(2027, 12, 31)},
    )
    change(second, AmendmentChange.Kind.REMOVE_PARTY, association)
    third = services.amendment_create(
        agreement=agreement, data={"purpose": "Brouillon", "new_expires_on": dt.date(2030, 1, 1)}
    )
    change(third, AmendmentChange.Kind.REMOVE_PARTY, personas.montreuil)

    bring_amendment_in_force(second, personas, "AV-2")  # number order, not coming-into-force order
    bring_amendment_in_force(first, personas, "AV-1")

    detailed = selectors.agreement_detail(user=personas.arthur, pk=agreement.pk)
    base = selectors.base_state(detailed)
    assert base.expires_on == dt.date(2026, 12, 31)
    assert {(line.organization.pk, line.role) for line in base.parties} == {
        (personas.montreuil.pk, PartyRole.SIGNATORY),
        (association.pk, PartyRole.BENEFICIARY),
    }
    assert base.total == Decimal("2600")

    state = selectors.agreement_consolidated(detailed)
    assert [a.number for a in state.applied] == [1, 2]  # the draft (no. 3) is not applied
    assert state.expires_on == dt.date(2027, 12, 31)
    assert {(line.organization.pk, line.role) for line in state.parties} == {
        (personas.montreuil.pk, PartyRole.SIGNATORY),
        (personas.vincennes.pk, PartyRole.FUNDER),
    }
    # The withdrawn association keeps its 2024 money (before the amendment's signature year), not 2025.
    assert state.commitments == {
        (personas.montreuil.pk, PartyRole.SIGNATORY): {2024: Decimal("1000"), 2025: Decimal("800")},
        (association.pk, PartyRole.BENEFICIARY): {2024: Decimal("300")},
        (personas.vincennes.pk, PartyRole.FUNDER): {2025: Decimal("500")},
    }
    assert state.total == Decimal("2600") and state.years == [2024, 2025]
    assert state.year_totals() == [Decimal("1300"), Decimal("1300")]
    # The base records are untouched, the SQL current expiry agrees with the Python one.
    agreement.refresh_from_db()
    assert agreement.expires_on == dt.date(2026, 12, 31) and agreement.total_amount == Decimal("2600")
    assert selectors.with_current_expiry(
        Agreement.objects.filter(pk=agreement.pk)
    ).get().current_expires_on == (dt.date(2027, 12, 31))
    assert (
        selectors.agreement_list(user=personas.arthur, expiring_within=10_000)
        .filter(pk=agreement.pk)
        .exists()
    )


def test_an_amendment_that_no_longer_fits_does_not_come_into_force(personas):
    agreement, party = in_force(personas)
    first = services.amendment_create(agreement=agreement, data={"purpose": "Vincennes rejoint"})
    change(first, AmendmentChange.Kind.ADD_PARTY, personas.vincennes, role=PartyRole.FUNDER)
    second = services.amendment_create(agreement=agreement, data={"purpose": "Vincennes rejoint aussi"})
    change(second, AmendmentChange.Kind.ADD_PARTY, personas.vincennes, role=PartyRole.FUNDER)
    bring_amendment_in_force(first, personas, "AV-1")
    with pytest.raises(ValidationError) as error:
        bring_amendment_in_force(second, personas, "AV-2")
    assert messages_of(error.value) == fr(
        "Amendment no. %(number)s adds %(organization)s as %(role)s, but it is already a party with this role."
    ) % {"number": 2, "organization": personas.vincennes, "role": fr("Funder")}
    second.refresh_from_db()
    assert second.status == A.SIGNATURE


def test_the_renewal_starts_from_the_consolidated_expiry(personas):
    end = TODAY() + dt.timedelta(days=10)
    agreement, _ = in_force(
        personas,
        start=dt.date(2024, 1, 1),
        end=end,
        tacit_renewal=True,
        renewal_period_months=6,
        notice_days=30,
    )
    amendment = services.amendment_create(
        agreement=agreement, data={"purpose": "Décaler", "new_expires_on": end + dt.timedelta(days=5)}
    )
    bring_amendment_in_force(amendment, personas, "AV-1")
    move(agreement, S.RENEWED, personas.arthur)
    detailed = selectors.agreement_detail(user=personas.arthur, pk=agreement.pk)
    expected = services.add_months(end + dt.timedelta(days=5), 6)
    assert detailed.expires_on == expected == selectors.agreement_consolidated(detailed).expires_on
    assert detailed.current_expires_on == expected
