"""Open data: SCDL « subventions » 2.1.1 and « délibérations » 2.1.5 exports, validated against the
official schemas copied in maillage/agreements/standards/ (frictionless), plus the Validata custom
checks that apply to our files (re-implemented here, since plain frictionless ignores them)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from frictionless import Resource, Schema

from maillage.agreements.models import (
    AgreementStatus,
    Amendment,
    AmendmentStatus,
    Deliberation,
    DeliberativeBody,
    PartyRole,
    Payment,
)
from maillage.agreements.opendata import (
    DELIBERATION_SCHEMA,
    SUBSIDY_SCHEMA,
    deliberation_export,
    schema_fields,
    subsidy_export,
)
from maillage.core.identifiers import siret_error
from maillage.organizations.models import Organization
from tests.access_targets_insights import give_metropole_a_siret, make_agreement, metropole, siret_for
from tests.factories import OrganizationFactory
from tests.i18n import fr

pytestmark = pytest.mark.django_db

SUBSIDIES = "agreement_insights:opendata_subsidies"
DELIBERATIONS = "agreement_insights:opendata_deliberations"


def validate(content: bytes, schema_path) -> list[list]:
    """Frictionless report errors (empty when valid), printed on failure."""
    with open(schema_path, encoding="utf-8") as handle:
        schema = Schema.from_descriptor(json.load(handle))
    report = Resource(content, format="csv", schema=schema).validate()
    errors = report.flatten(["rowNumber", "fieldName", "type", "note"])
    if not report.valid:
        print(errors)  # noqa: T201
    return errors if not report.valid else []


def custom_check_errors(rows: list[dict[str, str]], schema_path) -> list[str]:
    """The Validata ``custom_checks`` of the schema that our exports can break."""
    with open(schema_path, encoding="utf-8") as handle:
        checks = json.load(handle)["custom_checks"]
    errors = []
    for number, row in enumerate(rows, start=2):
        for check in checks:
            params = check["params"]
            if check["name"] == "french-siret-value":
                value = row[params["column"]]
                if value and siret_error(value):
                    errors.append(f"row {number}: {params['column']} {value} is not a valid SIRET")
            elif check["name"] == "one-of-required":
                if not row[params["column1"]] and not row[params["column2"]]:
                    errors.append(f"row {number}: {params['column1']} or {params['column2']} required")
            elif check["name"] == "cohesive-columns-value":
                columns = [params["column"], *params["othercolumns"]]
                filled = {bool(row[column]) for column in columns}
                if len(filled) > 1:
                    errors.append(f"row {number}: {columns} must be all filled or all empty")
            elif check["name"] == "sum-columns-value":
                if row[params["column"]] and int(row[params["column"]]) != sum(
                    int(row[c] or 0) for c in params["columns"]
                ):
                    errors.append(f"row {number}: {params['column']} is not the sum")
            elif check["name"] == "nomenclature-actes-value":
                head = row[params["column"]].split("/")[0]
                if head not in {
                    "commande publique",
                    "urbanisme",
                    "domaine et patrimoine",
                    "fonction publique",
                    "institutions et vie politique",
                    "libertés publiques et pouvoirs de police",
                    "finances locales",
                    "domaines de compétences par thèmes",
                    "autres domaines de compétences",
                }:
                    errors.append(f"row {number}: {row[params['column']]} is not an ACTES subject")
    return errors


def read(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


@pytest.fixture
def register(personas):
    """Public signed subsidies, a private one, a draft, a partnership, and their deliberations."""
    metro = give_metropole_a_siret()
    Organization.objects.filter(pk=personas.montreuil.pk).update(siret=siret_for("219300480"))
    association = OrganizationFactory(name="Association fictive des jardins", siret=siret_for("123456782"))
    year = dt.date.today().year
    subsidy = make_agreement(
        owner=personas.arthur,
        kind="financiere",
        title="Fonds d'investissement : rénovation d'une école",
        parties=[
            (metro, PartyRole.FUNDER),
            (personas.montreuil, PartyRole.BENEFICIARY),
            (personas.vincennes, PartyRole.BENEFICIARY),
        ],
        commitments={1: [(year - 1, 100_000), (year, 50_000)], 2: [(year, 50_000)]},
        signed_on=dt.date(year - 1, 3, 14),
    )
    montreuil_party, vincennes_party = subsidy.parties.filter(role=PartyRole.BENEFICIARY).order_by(
        "organization__name"
    )
    for planned, paid in ((dt.date(year - 1, 6, 1), dt.date(year - 1, 6, 20)), (dt.date(year, 6, 1), None)):
        Payment.objects.create(
            agreement=subsidy, party=montreuil_party, amount=Decimal(1000), planned_on=planned, paid_on=paid
        )
    Payment.objects.create(
        agreement=subsidy, party=vincennes_party, amount=Decimal(50_000), planned_on=dt.date(year, 4, 2)
    )
    Deliberation.objects.create(
        agreement=subsidy,
        organization=metro,
        body=DeliberativeBody.METROPOLITAN_BUREAU,
        date=dt.date(year - 1, 2, 10),
        number="BM2025/012",
        act_url="https://example.org/actes/bm-2025-012.pdf",
        votes_for=20,
        votes_against=1,
        abstentions=2,
    )
    # Vincennes has no SIRET: its deliberation cannot be published.
    Deliberation.objects.create(
        agreement=subsidy,
        organization=personas.vincennes,
        body=DeliberativeBody.MUNICIPAL_COUNCIL,
        date=dt.date(year - 1, 2, 20),
        number="CM-2025-44",
    )
    amendment = Amendment.objects.create(
        agreement=subsidy, number=1, purpose="Prolongation", status=AmendmentStatus.IN_FORCE
    )
    Deliberation.objects.create(
        agreement=subsidy,
        amendment=amendment,
        organization=metro,
        body=DeliberativeBody.METROPOLITAN_COUNCIL,
        date=dt.date(year, 1, 15),
        number="CM2026/003",
    )
    single = make_agreement(
        owner=personas.arthur,
        kind="financiere",
        title="Subvention au jardin partagé",
        parties=[(metro, PartyRole.FUNDER), (association, PartyRole.BENEFICIARY)],
        commitments={1: [(year, 12_500)]},
        status=AgreementStatus.EXPIRED,
        signed_on=dt.date(year - 1, 9, 1),
    )
    Payment.objects.create(
        agreement=single,
        party=single.parties.get(role=PartyRole.BENEFICIARY),
        amount=Decimal(12_500),
        planned_on=dt.date(year - 1, 10, 1),
        paid_on=dt.date(year - 1, 10, 3),
    )
    hidden = make_agreement(
        owner=personas.arthur,
        kind="financiere",
        title="Subvention confidentielle",
        public=False,
        parties=[(metro, PartyRole.FUNDER), (personas.montreuil, PartyRole.BENEFICIARY)],
        commitments={1: [(year, 9_000)]},
    )
    draft = make_agreement(
        owner=personas.arthur,
        kind="financiere",
        title="Subvention en projet",
        status=AgreementStatus.NEGOTIATION,
        parties=[(metro, PartyRole.FUNDER), (personas.montreuil, PartyRole.BENEFICIARY)],
        commitments={1: [(year, 7_000)]},
    )
    partnership = make_agreement(
        owner=personas.arthur,
        title="Convention-cadre avec Montreuil",
        parties=[(metro, PartyRole.SIGNATORY), (personas.montreuil, PartyRole.SIGNATORY)],
    )
    Deliberation.objects.create(
        agreement=partnership,
        organization=personas.montreuil,
        body=DeliberativeBody.MUNICIPAL_COUNCIL,
        date=dt.date(year - 1, 5, 5),
        number="DEL-2025-101",
    )
    for agreement in (hidden, draft):
        Deliberation.objects.create(
            agreement=agreement,
            organization=metro,
            body=DeliberativeBody.METROPOLITAN_BUREAU,
            date=dt.date(year, 1, 2),
            number=f"SECRET-{agreement.pk}",
        )
    return {
        "subsidy": subsidy,
        "single": single,
        "year": year,
        "metropole": metro,
        "association": association,
    }


def test_the_field_lists_are_the_official_schemas():
    for path, expected_count in ((SUBSIDY_SCHEMA, 16), (DELIBERATION_SCHEMA, 17)):
        assert len(schema_fields(path)) == expected_count
    # The copies are the official files: the official valid example passes, the invalid ones fail.
    folder = SUBSIDY_SCHEMA.parent
    assert validate((folder / "exemple_valide.csv").read_bytes(), SUBSIDY_SCHEMA) == []
    assert validate((folder / "exemple_invalide_erreurs_cellules.csv").read_bytes(), SUBSIDY_SCHEMA)
    example = DELIBERATION_SCHEMA.parent / "exemple-derive-des-exemples-du-schema.csv"
    assert validate(example.read_bytes(), DELIBERATION_SCHEMA) == []


def test_the_subsidy_export_is_valid_scdl(client, register):
    response = client.get(reverse(SUBSIDIES))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert not response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 without BOM, as the SCDL asks
    assert validate(response.content, SUBSIDY_SCHEMA) == []
    rows = read(response)
    assert list(rows[0]) == list(schema_fields(SUBSIDY_SCHEMA))
    # Vincennes has no SIRET: the one Validata check it breaks is the one reported as "to complete".
    assert custom_check_errors(rows, SUBSIDY_SCHEMA) == ["row 3: idBeneficiaire or rnaBeneficiaire required"]
    assert response["X-Maillage-Skipped"] == "0"


def test_subsidy_rows_follow_the_schema_definitions(client, register, personas):
    year = register["year"]
    rows = read(client.get(reverse(SUBSIDIES)))
    by_name = {row["nomBeneficiaire"]: row for row in rows}
    # Only public signed financial conventions: one row per beneficiary.
    assert set(by_name) == {"Association fictive des jardins", "Ville de Montreuil", "Ville de Vincennes"}
    montreuil = by_name["Ville de Montreuil"]
    assert montreuil == {
        "nomAttribuant": register["metropole"].name,
        "idAttribuant": register["metropole"].siret,
        "dateConvention": f"{year - 1}-03-14",
        "referenceDecision": "BM2025/012",
        "nomBeneficiaire": "Ville de Montreuil",
        "idBeneficiaire": Organization.objects.get(pk=personas.montreuil.pk).siret,
        "rnaBeneficiaire": "",
        "objet": register["subsidy"].purpose,
        # The total of the subsidy before it is split, and this beneficiary's share of it.
        "montant": "200000.00",
        "nature": "aide en numéraire",
        "conditionsVersement": "échelonné",
        "datesPeriodeVersement": f"{year - 1}-06-20/{year}-06-01",
        "idRAE": "",
        "notificationUE": "non",
        "pourcentageSubvention": "0.75",
        "dispositifAide": "",
    }
    vincennes = by_name["Ville de Vincennes"]
    assert (vincennes["idBeneficiaire"], vincennes["pourcentageSubvention"]) == ("", "0.25")
    assert (vincennes["conditionsVersement"], vincennes["datesPeriodeVersement"]) == (
        "unique",
        f"{year}-04-02",
    )
    single = by_name["Association fictive des jardins"]
    assert (single["montant"], single["pourcentageSubvention"]) == ("12500.00", "1.00")
    assert single["referenceDecision"] == ""


def test_without_the_metropole_siret_the_export_is_refused_with_an_explanation(
    client, register, admin_client_
):
    Organization.objects.filter(pk=register["metropole"].pk).update(siret="")
    response = client.get(reverse(SUBSIDIES))
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    assert register["metropole"].name in response.content.decode()
    response = admin_client_.get(reverse(SUBSIDIES))
    assert reverse("organizations:update", args=[register["metropole"].pk]) in response.content.decode()
    # An invalid SIRET is no better than none: never published.
    Organization.objects.filter(pk=register["metropole"].pk).update(siret="20005478100000")
    assert client.get(reverse(SUBSIDIES)).status_code == 409


def test_the_deliberation_export_is_valid_scdl(client, register):
    response = client.get(reverse(DELIBERATIONS))
    assert response.status_code == 200
    assert validate(response.content, DELIBERATION_SCHEMA) == []
    rows = read(response)
    assert custom_check_errors(rows, DELIBERATION_SCHEMA) == []
    # Vincennes's act is left out (no SIRET) and counted; the private and draft conventions' acts too.
    assert response["X-Maillage-Skipped"] == "1"
    assert [row["DELIB_ID"] for row in rows] == ["BM2025/012", "DEL-2025-101", "CM2026/003"]
    first = rows[0]
    assert first["COLL_NOM"] == register["metropole"].name
    assert first["COLL_SIRET"] == register["metropole"].siret
    assert (first["DELIB_MATIERE_CODE"], first["DELIB_MATIERE_NOM"]) == (
        "7.5",
        "finances locales/subventions",
    )
    assert first["DELIB_URL"] == "https://example.org/actes/bm-2025-012.pdf"
    assert register["subsidy"].reference in first["DELIB_OBJET"]
    # Votes need the number of members in office, which is not recorded: all vote columns stay empty.
    assert all(first[column] == "" for column in ("VOTE_EFFECTIF", "VOTE_REEL", "VOTE_POUR"))
    assert (rows[1]["DELIB_MATIERE_CODE"], rows[1]["DELIB_MATIERE_NOM"]) == (
        "1.4",
        "commande publique/autres types de contrats",
    )
    assert rows[2]["DELIB_OBJET"] == fr(
        "Approval of amendment no. %(number)s to agreement %(reference)s: %(title)s"
    ) % {
        "number": 1,
        "reference": register["subsidy"].reference,
        "title": register["subsidy"].title,
    }


def test_a_long_purpose_is_cut_to_256_characters(client, register):
    register["single"].purpose = "Très long objet " * 40
    register["single"].save()
    rows = read(client.get(reverse(SUBSIDIES)))
    objet = next(row["objet"] for row in rows if row["nomBeneficiaire"].startswith("Association"))
    assert len(objet) <= 256 and objet.endswith("…")


def test_the_open_data_page_tells_what_is_left_out(client, register):
    response = client.get(reverse("agreement_insights:opendata"))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse(SUBSIDIES) in page and reverse(DELIBERATIONS) in page
    export = deliberation_export()
    assert export.skipped_count == 1
    (reason,) = export.skipped
    assert reason in page.replace("&#x27;", "'")
    assert len(subsidy_export().warnings) == 1


def test_the_open_data_page_explains_a_missing_metropole_siret(client, personas):
    Organization.objects.filter(pk=metropole().pk).update(siret="")
    response = client.get(reverse("agreement_insights:opendata"))
    assert response.status_code == 200
    assert metropole().name in response.content.decode()


@pytest.mark.parametrize("name", [SUBSIDIES, DELIBERATIONS])
def test_exports_run_a_constant_number_of_queries(client, register, personas, name):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name)).status_code == 200
        return len(queries)

    before = count()
    metro = register["metropole"]
    for index in range(15):
        agreement = make_agreement(
            owner=personas.arthur,
            kind="financiere",
            parties=[(metro, PartyRole.FUNDER), (personas.montreuil, PartyRole.BENEFICIARY)],
            commitments={1: [(2026, 1000 + index)]},
        )
        Deliberation.objects.create(
            agreement=agreement,
            organization=metro,
            body=DeliberativeBody.METROPOLITAN_BUREAU,
            date=dt.date(2026, 1, 5),
            number=f"BM2026/{100 + index}",
        )
    assert count() == before


def test_the_demo_register_exports_valid_files(client, personas):
    from maillage.demo.agreements_demo import agreements_demo_load

    give_metropole_a_siret()
    agreements_demo_load(seed=11)
    subsidies = client.get(reverse(SUBSIDIES))
    assert subsidies.status_code == 200
    assert validate(subsidies.content, SUBSIDY_SCHEMA) == []
    rows = read(subsidies)
    assert rows
    # The demo invents no SIRET: only the beneficiaries' identifiers are missing.
    assert all("idBeneficiaire or rnaBeneficiaire" in e for e in custom_check_errors(rows, SUBSIDY_SCHEMA))
    deliberations = client.get(reverse(DELIBERATIONS))
    assert validate(deliberations.content, DELIBERATION_SCHEMA) == []
    rows = read(deliberations)
    assert rows and {row["COLL_SIRET"] for row in rows} == {metropole().siret}
    assert custom_check_errors(rows, DELIBERATION_SCHEMA) == []
    assert int(deliberations["X-Maillage-Skipped"]) > 0  # the communes' acts (no SIRET)
