"""Open data: public signed conventions in the SCDL formats « subventions » 2.1.1 and « délibérations » 2.1.5.

The column lists come from the official schemas copied in ``standards/`` (see its SOURCE.md).
Only rows that can be valid are exported: a row the standard would reject (no SIRET for the
deliberating body, no signature date, no amount) is skipped and counted with its reason, so
that the open-data page tells the administrator what to complete. Identifiers are never
invented: without the metropole's SIRET the subsidy export is refused with an explanation.

Both builders run a constant number of queries, whatever the number of conventions.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Max, Min, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maillage.agreements.models import (
    Agreement,
    AgreementParty,
    Commitment,
    Deliberation,
    PartyRole,
    Payment,
)
from maillage.agreements.selectors import agreement_visible_to
from maillage.core.identifiers import siret_error
from maillage.organizations.models import Organization, OrganizationKind

STANDARDS_DIR = Path(__file__).resolve().parent / "standards"
SUBSIDY_SCHEMA = STANDARDS_DIR / "scdl-subventions-2.1.1" / "schema.json"
DELIBERATION_SCHEMA = STANDARDS_DIR / "scdl-deliberations-2.1.5" / "schema.json"

# ACTES nomenclature (level 2), as the SCDL expects it: "matière/sous-matière", lower case, accented.
ACTES_SUBSIDY = ("7.5", "finances locales/subventions")
ACTES_CONTRACT = ("1.4", "commande publique/autres types de contrats")

OBJECT_MAX_LENGTH = 256  # objet (subventions)
CASH_AID = "aide en numéraire"
SINGLE_PAYMENT, STAGGERED_PAYMENTS = "unique", "échelonné"
NOT_NOTIFIED_TO_EU = "non"  # notificationUE: boolean whose false value is « non » in the schema

# Reasons for skipped rows and warnings (shown on the open-data page and counted in a header).
SKIP_NO_SIGNATURE_DATE = gettext_lazy("the convention has no signature date")
SKIP_NO_AMOUNT = gettext_lazy("no amount is committed to this beneficiary")
SKIP_BODY_WITHOUT_SIRET = gettext_lazy(
    "the deliberating organisation has no valid SIRET: fill it in on its organisation record"
)
WARN_BENEFICIARY_WITHOUT_SIRET = gettext_lazy(
    "the beneficiary has no valid SIRET: the row is valid for the schema, but the national validator "
    "(Validata) asks for a SIRET or an RNA number; fill it in on the organisation record"
)


class OpenDataUnavailable(Exception):
    """The export cannot be produced without data that only an administrator can fill in."""

    def __init__(self, message: str, organization: Organization | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.organization = organization


@dataclass
class OpenDataExport:
    name: str
    fieldnames: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    warnings: Counter = field(default_factory=Counter)

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped.values())

    def to_csv(self) -> str:
        """UTF-8 text, comma-separated, one header line: the SCDL publication format."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.fieldnames, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return buffer.getvalue()


@cache
def schema_fields(path: Path) -> tuple[str, ...]:
    with path.open(encoding="utf-8") as handle:
        return tuple(item["name"] for item in json.load(handle)["fields"])


def public_agreements() -> QuerySet[Agreement]:
    """Open data is what anyone may see: public signed conventions (the one visibility rule)."""
    return agreement_visible_to(AnonymousUser())


def home_metropole() -> Organization | None:
    """The organisation of the home EPCI (kind metropole): the awarding body of the subsidies."""
    # Strictly the home EPCI: publishing under another body's identity would be worse than nothing.
    return Organization.objects.filter(
        kind=OrganizationKind.METROPOLE, siren=settings.HOME_EPCI_SIREN
    ).first()


def valid_siret(value: str) -> str:
    """The SIRET if it is 14 digits with a valid key, else an empty string."""
    value = (value or "").strip()
    return value if value and siret_error(value) is None else ""


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _truncate(text: str, limit: int) -> str:
    text = _one_line(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.") + "…"


def _amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


def _share(value: Decimal) -> str:
    """A share between 0.01 and 1, written with the decimal point and 2 to 4 decimals."""
    value = min(max(value, Decimal("0.01")), Decimal("1"))
    text = f"{value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP)}"
    while text.endswith("0") and len(text.split(".")[1]) > 2:
        text = text[:-1]
    return text


def _period(start, end) -> str:
    if start is None:
        return ""
    if end is None or end <= start:
        return start.isoformat()
    return f"{start.isoformat()}/{end.isoformat()}"


# --- Subsidies (SCDL subventions 2.1.1) --------------------------------------------------------


def subsidy_export() -> OpenDataExport:
    """One row per beneficiary of each public signed financial convention.

    ``montant`` is the total of the subsidy before it is split between beneficiaries (the sum of
    the beneficiaries' commitments) and ``pourcentageSubvention`` the beneficiary's share, as the
    schema defines them. Raises OpenDataUnavailable when the metropole has no valid SIRET.
    """
    attributor = home_metropole()
    if attributor is None:
        raise OpenDataUnavailable(
            _(
                "The subsidy export needs the organisation of the metropole (the awarding body), which "
                "does not exist yet: an administrator must create it (manage.py sync_home_organizations)."
            )
        )
    attributor_siret = valid_siret(attributor.siret)
    if not attributor_siret:
        raise OpenDataUnavailable(
            _(
                "The subsidy export needs the SIRET of the awarding body. An administrator must fill in "
                "the SIRET (14 digits) of “%(name)s” on its organisation record; no value is invented."
            )
            % {"name": attributor.name},
            organization=attributor,
        )

    export = OpenDataExport("subventions", list(schema_fields(SUBSIDY_SCHEMA)))
    agreements = public_agreements().filter(kind__is_financial=True).order_by().values("pk")
    parties = list(
        AgreementParty.objects.filter(agreement__in=agreements, role=PartyRole.BENEFICIARY)
        .select_related("organization", "agreement")
        .only(
            "id",
            "agreement__id",
            "agreement__reference",
            "agreement__title",
            "agreement__purpose",
            "agreement__signed_on",
            "agreement__effective_on",
            "agreement__expires_on",
            "agreement__total_amount",
            "organization__id",
            "organization__name",
            "organization__siret",
        )
        .order_by("agreement__signed_on", "agreement__reference", "organization__name", "pk")
    )
    party_ids = [party.pk for party in parties]
    committed = dict(
        Commitment.objects.filter(party_id__in=party_ids)
        .order_by()
        .values("party_id")
        .annotate(total=Sum("amount"))
        .values_list("party_id", "total")
    )
    payments = {
        row["party_id"]: row
        for row in Payment.objects.filter(party_id__in=party_ids)
        .annotate(day=Coalesce("paid_on", "planned_on"))
        .order_by()
        .values("party_id")
        .annotate(count=Count("pk"), first=Min("day"), last=Max("day"))
    }
    decisions: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for agreement_id, organization_id, number in (
        Deliberation.objects.filter(agreement__in=agreements, amendment__isnull=True)
        .order_by("date", "pk")
        .values_list("agreement_id", "organization_id", "number")
    ):
        decisions[agreement_id].append((organization_id, number))

    beneficiaries: dict[int, list[AgreementParty]] = defaultdict(list)
    for party in parties:
        beneficiaries[party.agreement_id].append(party)

    for party in parties:
        agreement = party.agreement
        if agreement.signed_on is None:
            export.skipped[str(SKIP_NO_SIGNATURE_DATE)] += 1
            continue
        siblings = beneficiaries[agreement.pk]
        subsidy_total = sum((committed.get(p.pk) or Decimal(0) for p in siblings), Decimal(0))
        if subsidy_total > 0:
            own = committed.get(party.pk) or Decimal(0)
            share = own / subsidy_total
        else:
            # Commitments recorded on the funder only: the convention's total, split equally.
            subsidy_total, own = agreement.total_amount, agreement.total_amount / len(siblings)
            share = Decimal(1) / len(siblings)
        if own <= 0 or subsidy_total <= 0:
            export.skipped[str(SKIP_NO_AMOUNT)] += 1
            continue

        paid = payments.get(party.pk)
        if paid and paid["count"] == 1:
            conditions, period = SINGLE_PAYMENT, _period(paid["first"], None)
        elif paid:
            conditions, period = STAGGERED_PAYMENTS, _period(paid["first"], paid["last"])
        else:  # nothing planned yet: the period of the convention
            start = agreement.effective_on or agreement.signed_on
            conditions, period = STAGGERED_PAYMENTS, _period(start, agreement.expires_on)

        acts = decisions.get(agreement.pk, [])
        own_acts = [number for organization_id, number in acts if organization_id == attributor.pk]
        reference = own_acts[0] if own_acts else (acts[0][1] if acts else "")

        beneficiary_siret = valid_siret(party.organization.siret)
        if not beneficiary_siret:
            export.warnings[str(WARN_BENEFICIARY_WITHOUT_SIRET)] += 1
        export.rows.append(
            {
                "nomAttribuant": attributor.name,
                "idAttribuant": attributor_siret,
                "dateConvention": agreement.signed_on.isoformat(),
                "referenceDecision": reference,
                "nomBeneficiaire": _one_line(party.organization.name),
                "idBeneficiaire": beneficiary_siret,
                "rnaBeneficiaire": "",
                "objet": _truncate(agreement.purpose or agreement.title, OBJECT_MAX_LENGTH),
                "montant": _amount(subsidy_total),
                "nature": CASH_AID,
                "conditionsVersement": conditions,
                "datesPeriodeVersement": period,
                "idRAE": "",
                "notificationUE": NOT_NOTIFIED_TO_EU,
                "pourcentageSubvention": _share(share),
                "dispositifAide": "",
            }
        )
    return export


# --- Deliberations (SCDL délibérations 2.1.5) --------------------------------------------------


def deliberation_export() -> OpenDataExport:
    """The acts approving public signed conventions and their amendments.

    Vote counts are left empty: the schema wants them all or none, with the number of members
    in office (VOTE_EFFECTIF), which the register does not record.
    """
    export = OpenDataExport("deliberations", list(schema_fields(DELIBERATION_SCHEMA)))
    deliberations = (
        Deliberation.objects.filter(agreement__in=public_agreements().order_by().values("pk"))
        .select_related("organization", "agreement__kind", "amendment")
        .only(
            "id",
            "date",
            "number",
            "act_url",
            "organization__name",
            "organization__siret",
            "agreement__reference",
            "agreement__title",
            "agreement__kind__is_financial",
            "amendment__number",
        )
        .order_by("date", "number", "pk")
    )
    for deliberation in deliberations:
        siret = valid_siret(deliberation.organization.siret)
        if not siret:
            export.skipped[str(SKIP_BODY_WITHOUT_SIRET)] += 1
            continue
        agreement = deliberation.agreement
        code, subject = ACTES_SUBSIDY if agreement.kind.is_financial else ACTES_CONTRACT
        values = {"reference": agreement.reference, "title": _one_line(agreement.title)}
        if deliberation.amendment is not None:
            purpose = _("Approval of amendment no. %(number)s to agreement %(reference)s: %(title)s") % {
                **values,
                "number": deliberation.amendment.number,
            }
        else:
            purpose = _("Approval of agreement %(reference)s: %(title)s") % values
        row = dict.fromkeys(export.fieldnames, "")
        row.update(
            {
                "COLL_NOM": _one_line(deliberation.organization.name),
                "COLL_SIRET": siret,
                "DELIB_ID": deliberation.number,
                "DELIB_DATE": deliberation.date.isoformat(),
                "DELIB_MATIERE_CODE": code,
                "DELIB_MATIERE_NOM": subject,
                "DELIB_OBJET": purpose,
                "DELIB_URL": deliberation.act_url,
            }
        )
        export.rows.append(row)
    return export


def opendata_summary() -> list[dict[str, Any]]:
    """Both datasets with their row counts, skipped rows and warnings, for the open-data page."""
    summary = []
    for name, builder in (("subventions", subsidy_export), ("deliberations", deliberation_export)):
        try:
            export = builder()
        except OpenDataUnavailable as error:
            summary.append({"name": name, "unavailable": error.message, "organization": error.organization})
            continue
        summary.append(
            {
                "name": name,
                "rows": len(export.rows),
                "skipped": sorted(export.skipped.items()),
                "skipped_count": export.skipped_count,
                "warnings": sorted(export.warnings.items()),
            }
        )
    return summary
