"""Conventions through the pages: the register and its filters, visibility per role, exports, the
detail page, the management flows, profile sections and query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext
from openpyxl import load_workbook

from maillage.agreements import selectors, services
from maillage.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    Amendment,
    AmendmentChange,
    AmendmentStatus,
    Commitment,
    Deliberation,
    DeliberativeBody,
    Obligation,
    ObligationKind,
    ObligationStatus,
    PartyRole,
    Payment,
    Transition,
)
from maillage.organizations.models import OrganizationKind
from maillage.themes.models import Theme
from tests.access_targets_agreements import make_agreement
from tests.conftest import login
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

S = AgreementStatus
TODAY = timezone.localdate


def fr(msgid: str) -> str:
    return gettext(msgid)


def fr_escaped(msgid: str) -> str:
    return escape(gettext(msgid))


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


@pytest.fixture
def register(personas):
    """Four conventions, one per visibility case."""
    p = personas
    return {
        "public_signed": make_agreement(
            owner=p.arthur,
            title="Convention publique signée",
            parties=[(p.vincennes, PartyRole.SIGNATORY)],
            status=S.IN_FORCE,
            is_public=True,
        ),
        "public_draft": make_agreement(
            owner=p.arthur,
            title="Brouillon public",
            parties=[(p.vincennes, PartyRole.SIGNATORY)],
            is_public=True,
        ),
        "own_private": make_agreement(
            owner=p.arthur,
            title="Convention privée de Montreuil",
            parties=[(p.montreuil, PartyRole.BENEFICIARY)],
            status=S.IN_FORCE,
        ),
        "other_private": make_agreement(
            owner=p.arthur,
            title="Convention privée de Vincennes",
            parties=[(p.vincennes, PartyRole.SIGNATORY)],
        ),
    }


VISIBLE = {
    "anonymous": {"public_signed"},
    "correspondent": {"public_signed", "own_private"},
    "other": {"public_signed", "public_draft", "other_private"},
    "agent": {"public_signed", "public_draft", "own_private", "other_private"},
    "admin": {"public_signed", "public_draft", "own_private", "other_private"},
}


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_visibility_per_role(personas, register, role):
    client = login(personas.for_role(role))
    page = client.get(reverse("agreements:list")).content.decode()
    for name, agreement in register.items():
        shown = name in VISIBLE[role]
        assert (agreement.title in page) is shown, (role, name)
        status = client.get(reverse("agreements:detail", args=[agreement.pk])).status_code
        assert status == (200 if shown else 404), (role, name)


def test_exports_follow_the_filters_and_the_visibility(personas, register):
    csv_response = login(None).get(reverse("agreements:list") + "?format=csv")
    rows = list(
        csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    assert rows[0][:4] == [fr("Reference"), fr("Title"), fr("Kind"), fr("Status")]
    assert [row[1] for row in rows[1:]] == ["Convention publique signée"]

    agent = login(personas.arthur)
    response = agent.get(reverse("agreements:list") + f"?status={S.DRAFT}&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    titles = sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert titles == ["Brouillon public", "Convention privée de Vincennes"]
    parties = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(personas.vincennes.name in cell for cell in parties)


def test_register_filters(personas):
    p = personas
    arthur = p.arthur
    fiber = Theme.objects.order_by("pk").first()
    saint_denis_party = OrganizationFactory(commune_id="93066", kind=OrganizationKind.ASSOCIATION)
    today = TODAY()
    a = make_agreement(
        owner=arthur,
        title="A",
        parties=[(p.montreuil, PartyRole.FUNDER)],
        commitments=[(0, 2024, 50_000)],
        status=S.IN_FORCE,
        effective_on=dt.date(2023, 1, 1),
        expires_on=today + dt.timedelta(days=20),
    )
    a.themes.add(fiber)
    make_agreement(
        owner=arthur,
        title="B",
        parties=[(saint_denis_party, PartyRole.BENEFICIARY)],
        commitments=[(0, 2026, 200_000)],
        kind=AgreementKind.objects.get(slug="financiere"),
        effective_on=dt.date(2025, 1, 1),
        expires_on=today + dt.timedelta(days=20),  # a draft: never "expiring"
    )
    make_agreement(
        owner=arthur,
        title="C",
        parties=[(p.vincennes, PartyRole.SIGNATORY)],
        status=S.IN_FORCE,
        expires_on=today + dt.timedelta(days=400),
    )

    def titles(**filters):
        return sorted(x.title for x in selectors.agreement_list(user=arthur, **filters))

    assert titles() == ["A", "B", "C"]
    assert titles(status=S.IN_FORCE) == ["A", "C"]
    assert titles(kind="financiere") == ["B"]
    assert titles(theme=fiber.slug) == ["A"]
    assert titles(party=p.montreuil.pk) == ["A"]
    assert titles(commune="93048") == ["A"]
    assert titles(commune="93059") == ["B"]  # the former code of Saint-Denis's merged commune
    assert titles(territory=p.vincennes.commune.territory_id) == ["C"]
    assert titles(amount_min=Decimal("10000")) == ["A", "B"]
    assert titles(amount_min=Decimal("10000"), amount_max=Decimal("100000")) == ["A"]
    assert titles(year=2023) == ["A"]  # effect year
    assert titles(year=2026) == ["B"]  # commitment year
    assert titles(expiring_within=30) == ["A"]
    assert titles(query="b") == ["B"]

    agent = login(arthur)
    page = agent.get(reverse("agreements:list") + "?commune=93059").content.decode()
    assert ">B</a>" in page and ">A</a>" not in page
    assert "93059" in page  # the notice on the former code
    page = agent.get(reverse("agreements:list") + "?amount_min=10&amount_max=5").content.decode()
    assert fr_escaped("The upper amount must not be below the lower amount.") in page


def _furnished(personas, *, rows: int, agreement: Agreement | None = None) -> Agreement:
    """A convention with ``rows`` parties, each with commitments, a payment, an obligation, a
    deliberation, an amendment with a change, and moves."""
    agreement = agreement or make_agreement(
        owner=personas.arthur,
        parties=[(personas.montreuil, PartyRole.SIGNATORY)],
        status=S.IN_FORCE,
        effective_on=dt.date(2024, 1, 1),
        expires_on=dt.date(2030, 12, 31),
    )
    start = agreement.parties.count()
    for index in range(start, start + rows):
        party = AgreementParty.objects.create(
            agreement=agreement,
            organization=OrganizationFactory(),
            role=PartyRole.BENEFICIARY,
            signed_on=dt.date(2024, 1, 2),
        )
        Commitment.objects.create(
            agreement=agreement, party=party, year=2024 + index % 3, amount=Decimal(100 + index)
        )
        Payment.objects.create(
            agreement=agreement,
            party=party,
            amount=Decimal(10),
            planned_on=dt.date(2024, 6, 1),
            paid_on=dt.date(2024, 6, 2) if index % 2 else None,
        )
        Obligation.objects.create(
            agreement=agreement,
            kind=ObligationKind.ANNUAL_REPORT,
            title=f"Bilan {index}",
            due_on=dt.date(2025, 3, 31),
            owner=personas.arthur,
        )
        Deliberation.objects.create(
            agreement=agreement,
            organization=party.organization,
            body=DeliberativeBody.MUNICIPAL_COUNCIL,
            date=dt.date(2023, 12, 1),
            number=f"N-{index}",
        )
        amendment = Amendment.objects.create(
            agreement=agreement, number=index + 1, purpose=f"Avenant {index}", status=AmendmentStatus.IN_FORCE
        )
        AmendmentChange.objects.create(
            amendment=amendment,
            kind=AmendmentChange.Kind.COMMITMENT,
            organization=party.organization,
            role=party.role,
            year=2026,
            amount=Decimal(5),
        )
        Transition.objects.create(
            agreement=agreement,
            amendment=amendment,
            from_status="signature",
            to_status="in_force",
            actor=personas.arthur,
        )
    return agreement


def _count(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("role", ["anonymous", "agent", "correspondent"])
def test_the_register_keeps_its_query_count(personas, role):
    client = login(personas.for_role(role))
    theme = Theme.objects.order_by("pk").first()

    def grow(rows: int) -> None:
        for _ in range(rows):
            agreement = make_agreement(
                owner=personas.arthur,
                parties=[
                    (personas.montreuil, PartyRole.FUNDER),
                    (OrganizationFactory(), PartyRole.BENEFICIARY),
                ],
                commitments=[(0, 2025, 1000)],
                status=S.IN_FORCE,
                is_public=True,
            )
            agreement.themes.add(theme)

    urls = [
        reverse("agreements:list"),
        reverse("agreements:list")
        + f"?commune=93048&year=2025&expiring_within=30&party={personas.montreuil.pk}",
    ]
    grow(5)
    small = {url: _count(client, url) for url in urls}
    grow(195)
    large = {url: _count(client, url) for url in urls}
    assert small == large


@pytest.mark.parametrize("role", ["agent", "correspondent"])
def test_the_detail_page_keeps_its_query_count(personas, role):
    client = login(personas.for_role(role))
    agreement = _furnished(personas, rows=5)
    url = reverse("agreements:detail", args=[agreement.pk])
    small = _count(client, url)
    _furnished(personas, rows=195, agreement=agreement)
    assert _count(client, url) == small


def test_the_detail_page_for_a_correspondent_of_a_party_is_read_only(personas):
    agreement = _furnished(personas, rows=2)
    Amendment.objects.create(agreement=agreement, number=99, purpose="Avenant en préparation")
    Transition.objects.create(
        agreement=agreement,
        from_status="signature",
        to_status="in_force",
        actor=personas.arthur,
        comment="Note interne",
    )
    page = login(personas.camille).get(reverse("agreements:detail", args=[agreement.pk])).content.decode()
    notice = fr(
        "Your organisation is a party to this agreement: you can read it here. In this first version, only the "
        "metropole's agents change it: to ask for a change, contact its owner, %(owner)s."
    ) % {"owner": escape(str(personas.arthur))}
    assert notice in page
    assert reverse("agreements:update", args=[agreement.pk]) not in page
    assert reverse("agreements:transition", args=[agreement.pk]) not in page
    assert reverse("agreements:payment_add", args=[agreement.pk]) not in page
    assert "Bilan 1" in page  # obligations concern the parties
    assert "Avenant en préparation" not in page  # draft amendments stay internal
    assert "Note interne" not in page
    assert 'id="history-title"' not in page
    assert 'id="documents-title"' in page


def test_the_detail_page_for_staff(personas, settings):
    settings.AGREEMENT_FOUR_EYES_THRESHOLD = 10
    agreement = _furnished(personas, rows=2)
    Transition.objects.create(
        agreement=agreement,
        from_status="signature",
        to_status="in_force",
        actor=personas.alice,
        comment="Note interne",
    )
    page = login(personas.alice).get(reverse("agreements:detail", args=[agreement.pk])).content.decode()
    assert reverse("agreements:update", args=[agreement.pk]) in page
    assert reverse("agreements:transition", args=[agreement.pk]) in page
    for status in agreement.allowed_transitions():
        assert f'name="to_status" value="{status}"' in page
    assert "Note interne" in page
    assert 'id="history-title"' in page
    assert 'id="consolidated-title"' in page
    assert reverse("agreements:amendment_create", args=[agreement.pk]) in page


def test_the_public_sees_neither_obligations_nor_internal_notes(personas):
    agreement = _furnished(personas, rows=1)
    Agreement.objects.filter(pk=agreement.pk).update(is_public=True)
    page = login(None).get(reverse("agreements:detail", args=[agreement.pk])).content.decode()
    assert "Bilan 1" not in page
    assert 'id="obligations-title"' not in page
    assert "N-1" in page  # deliberations are public acts


# --- Flows through the pages ------------------------------------------------------------------------


def _agreement_form(personas, **overrides):
    form = {
        "title": "Convention de mutualisation des achats",
        "kind": AgreementKind.objects.get(slug="mutualisation").pk,
        "purpose": "Grouper les commandes de fournitures.",
        "clauses": "",
        "owner": personas.arthur.pk,
        "is_public": "on",
        "signed_on": "",
        "effective_on": "2025-01-01",
        "expires_on": "",
        "duration_months": "36",
        "renewal_period_months": "",
        "notice_days": "",
    }
    form.update(overrides)
    return form


def test_create_and_edit_through_the_pages(personas):
    agent = login(personas.arthur)
    response = agent.post(reverse("agreements:create"), _agreement_form(personas))
    agreement = Agreement.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "agreements:detail", args=[agreement.pk]
    )
    assert agreement.expires_on == dt.date(2027, 12, 31) and agreement.reference.startswith("CONV-")
    page = agent.get(reverse("agreements:detail", args=[agreement.pk])).content.decode()
    assert agreement.reference in page

    response = agent.post(
        reverse("agreements:create"), _agreement_form(personas, expires_on="2024-06-30", duration_months="")
    )
    assert response.status_code == 200
    assert fr_escaped("The expiry date must come after the effective date.") in response.content.decode()

    url = reverse("agreements:update", args=[agreement.pk])
    form = _agreement_form(personas, title="Titre révisé", expires_on="2027-12-31", version="1")
    assert agent.post(url, form).status_code == 302
    stale = agent.post(url, {**form, "title": "Autre titre"})
    assert stale.status_code == 200
    assert (
        fr_escaped(
            "Someone else saved this record while you were editing it. Your changes were not saved: "
            "reload the page to see the current version, then apply your changes again."
        )
        in stale.content.decode()
    )
    agreement.refresh_from_db()
    assert agreement.title == "Titre révisé"


def test_a_correspondent_cannot_edit(personas, register):
    camille = login(personas.camille)
    agreement = register["own_private"]
    assert camille.get(reverse("agreements:update", args=[agreement.pk])).status_code == 403
    assert camille.post(reverse("agreements:party_add", args=[agreement.pk]), {}).status_code == 403


def _post(client, name: str, pk: int, data: dict | None = None, follow: bool = True):
    return client.post(reverse(f"agreements:{name}", args=[pk]), data or {}, follow=follow)


def test_the_lifecycle_through_the_pages(personas, settings):
    settings.AGREEMENT_FOUR_EYES_THRESHOLD = 1000
    agnes = UserFactory(username="agnes", role="agent")
    agent, second = login(personas.arthur), login(agnes)
    agreement = services.agreement_create(
        data={
            "title": "Convention cadre",
            "kind": AgreementKind.objects.get(slug="convention-cadre"),
            "purpose": "Coopérer.",
            "owner": personas.arthur,
            "effective_on": dt.date(2024, 1, 1),
            "expires_on": dt.date(2029, 12, 31),
        }
    )
    pk = agreement.pk

    def version():
        return Agreement.objects.get(pk=pk).version

    # A refused move says why on the page.
    page = _post(agent, "transition", pk, {"to_status": S.SIGNATURE, "version": version()}).content.decode()
    refusal = fr(
        "The status is « %(current)s »: it cannot move to « %(target)s ». Allowed next statuses: %(allowed)s."
    ) % {"current": fr("Draft"), "target": fr("Signature"), "allowed": f"« {fr('In negotiation')} »"}
    assert escape(refusal) in page
    assert Agreement.objects.get(pk=pk).status == S.DRAFT

    organization = personas.montreuil.pk
    assert (
        _post(agent, "party_add", pk, {"organization": organization, "role": PartyRole.SIGNATORY}).status_code
        == 200
    )
    party = AgreementParty.objects.get(agreement_id=pk)
    _post(agent, "commitment_add", pk, {"party": party.pk, "year": 2025, "amount": "5000"})
    assert Agreement.objects.get(pk=pk).total_amount == Decimal("5000")
    for status in (S.NEGOTIATION, S.LEGAL_REVIEW, S.DELIBERATION):
        _post(
            agent, "transition", pk, {"to_status": status, "version": version(), "comment": f"vers {status}"}
        )
    assert Agreement.objects.get(pk=pk).status == S.DELIBERATION
    _post(
        agent,
        "deliberation_add",
        pk,
        {
            "organization": organization,
            "body": DeliberativeBody.MUNICIPAL_COUNCIL,
            "date": "2024-01-05",
            "number": "DEL-1",
        },
    )
    page = _post(agent, "transition", pk, {"to_status": S.SIGNATURE, "version": version()}).content.decode()
    assert Agreement.objects.get(pk=pk).status == S.DELIBERATION
    assert escape(fr("Validate this version")) not in page  # the owner cannot validate
    page = second.get(reverse("agreements:detail", args=[pk])).content.decode()
    assert fr("Validate this version") in page
    _post(second, "validate", pk, {"version": version()})
    _post(agent, "transition", pk, {"to_status": S.SIGNATURE, "version": version()})
    assert Agreement.objects.get(pk=pk).status == S.SIGNATURE

    response = agent.post(reverse("agreements:party_sign", args=[party.pk]), {"signed_on": "2024-01-10"})
    assert response.status_code == 302
    form = _agreement_form(
        personas,
        title="Convention cadre",
        kind=AgreementKind.objects.get(slug="convention-cadre").pk,
        purpose="Coopérer.",
        effective_on="2024-01-01",
        expires_on="2029-12-31",
        duration_months="",
        signed_on="2024-01-10",
        version=version(),
    )
    assert agent.post(reverse("agreements:update", args=[pk]), form).status_code == 302
    _post(agent, "transition", pk, {"to_status": S.IN_FORCE, "version": version()})
    agreement.refresh_from_db()
    assert agreement.status == S.IN_FORCE
    assert [t.to_status for t in agreement.transitions.all()] == [
        S.NEGOTIATION,
        S.LEGAL_REVIEW,
        S.DELIBERATION,
        S.SIGNATURE,
        S.IN_FORCE,
    ]
    assert agreement.transitions.first().comment == f"vers {S.NEGOTIATION}"

    # Payments and obligations once in force.
    _post(
        agent,
        "payment_add",
        pk,
        {"party": party.pk, "amount": "1200", "planned_on": "2025-03-01", "label": "Acompte"},
    )
    payment = Payment.objects.get(agreement_id=pk)
    _post(agent, "payment_mark_paid", payment.pk, {"paid_on": "2025-03-02"})
    payment.refresh_from_db()
    assert payment.paid_on == dt.date(2025, 3, 2)
    _post(
        agent,
        "obligation_add",
        pk,
        {
            "kind": ObligationKind.STEERING_COMMITTEE,
            "title": "Comité de pilotage",
            "due_on": "2025-06-30",
            "owner": personas.arthur.pk,
        },
    )
    obligation = Obligation.objects.get(agreement_id=pk)
    _post(agent, "obligation_complete", obligation.pk)
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.DONE
    page = agent.get(reverse("agreements:detail", args=[pk])).content.decode()
    assert "Acompte" in page and "Comité de pilotage" in page


def test_amendments_through_the_pages(personas):
    agent = login(personas.arthur)
    agreement = make_agreement(
        owner=personas.arthur,
        parties=[(personas.montreuil, PartyRole.SIGNATORY)],
        commitments=[(0, 2025, 1000)],
        status=S.IN_FORCE,
        effective_on=dt.date(2024, 1, 1),
        expires_on=dt.date(2026, 12, 31),
    )
    response = agent.post(
        reverse("agreements:amendment_create", args=[agreement.pk]),
        {"purpose": "Vincennes rejoint la convention", "new_expires_on": "2027-12-31"},
    )
    amendment = Amendment.objects.get(agreement=agreement)
    assert response["Location"] == reverse("agreements:amendment_detail", args=[amendment.pk])
    assert amendment.number == 1
    url = reverse("agreements:amendment_change_add", args=[amendment.pk])
    agent.post(url, {"kind": "add_party", "organization": personas.vincennes.pk, "role": PartyRole.FUNDER})
    agent.post(
        url, {"kind": "commitment", "organization": personas.vincennes.pk, "year": "2026", "amount": "700"}
    )
    refused = agent.post(url, {"kind": "remove_party", "organization": OrganizationFactory().pk})
    assert refused.status_code == 200 and "form-errors" in refused.content.decode()
    assert amendment.changes.count() == 2

    def step(status, **extra):
        amendment.refresh_from_db()
        return _post(
            agent,
            "amendment_transition",
            amendment.pk,
            {"to_status": status, "version": amendment.version, **extra},
        )

    for status in (AmendmentStatus.NEGOTIATION, AmendmentStatus.LEGAL_REVIEW, AmendmentStatus.DELIBERATION):
        step(status)
    agent.post(
        reverse("agreements:deliberation_add", args=[agreement.pk]),
        {
            "organization": personas.vincennes.pk,
            "body": DeliberativeBody.MUNICIPAL_COUNCIL,
            "date": "2025-01-05",
            "number": "AV-1",
            "amendment": amendment.pk,
        },
    )
    step(AmendmentStatus.SIGNATURE)
    amendment.refresh_from_db()
    agent.post(
        reverse("agreements:amendment_update", args=[amendment.pk]),
        {"signed_on": "2025-01-20", "version": amendment.version},
    )
    step(AmendmentStatus.IN_FORCE)
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.IN_FORCE and amendment.signed_on == dt.date(2025, 1, 20)

    page = login(personas.bruno).get(reverse("agreements:detail", args=[agreement.pk]))
    assert page.status_code == 404  # Vincennes is only a party in the consolidated state
    page = agent.get(reverse("agreements:detail", args=[agreement.pk])).content.decode()
    assert "31/12/2027" in page and "700,00" in page
    page = agent.get(reverse("agreements:amendment_detail", args=[amendment.pk])).content.decode()
    assert personas.vincennes.name in page


# --- Profile sections --------------------------------------------------------------------------------


def test_commune_and_organisation_sections(personas):
    visible = make_agreement(
        owner=personas.arthur,
        title="Convention visible",
        parties=[(personas.montreuil, PartyRole.FUNDER)],
        commitments=[(0, 2025, 1234)],
        status=S.IN_FORCE,
        is_public=True,
    )
    make_agreement(
        owner=personas.arthur, title="Convention cachée", parties=[(personas.montreuil, PartyRole.FUNDER)]
    )
    register_link = escape(f"{reverse('agreements:list')}?party={personas.montreuil.pk}")

    page = login(None).get(reverse("territories:commune_detail", args=["93048"])).content.decode()
    assert "Convention visible" in page and "Convention cachée" not in page
    assert register_link in page
    assert "1\xa0234,00" in page

    page = (
        login(personas.arthur)
        .get(reverse("organizations:detail", args=[personas.montreuil.pk]))
        .content.decode()
    )
    assert "Convention visible" in page and "Convention cachée" in page
    assert reverse("agreements:detail", args=[visible.pk]) in page


def test_sections_are_bounded_and_keep_their_query_count(personas):
    client = login(personas.arthur)
    urls = [
        reverse("territories:commune_detail", args=["93048"]),
        reverse("organizations:detail", args=[personas.montreuil.pk]),
    ]

    def grow(rows: int) -> None:
        for _ in range(rows):
            make_agreement(
                owner=personas.arthur,
                parties=[(personas.montreuil, PartyRole.FUNDER)],
                commitments=[(0, 2025, 10)],
                status=S.IN_FORCE,
            )

    grow(5)
    small = {url: _count(client, url) for url in urls}
    grow(195)
    large = {url: _count(client, url) for url in urls}
    assert small == large
    page = client.get(urls[0]).content.decode()
    assert page.count(reverse("agreements:list") + "?party=") == 1
    summary = selectors.agreements_of_organizations(
        user=personas.arthur, organization_ids=[personas.montreuil.pk]
    )
    assert len(summary.agreements) == 10 and summary.count == 200 and summary.active_count == 200
    assert summary.committed == Decimal("2000")
