"""Reads of conventions, scoped by what each user may see (the one visibility rule for pages, exports and API).

Also: the register's filters, the money aggregates (computed in SQL), the four-eyes state and the
consolidated state of a convention (its base text with every amendment in force applied).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.accounts.roles import Role
from maillage.agreements.models import (
    ACTIVE_STATUSES,
    Agreement,
    AgreementParty,
    AgreementStatus,
    Amendment,
    AmendmentChange,
    AmendmentStatus,
    Commitment,
    Deliberation,
    Obligation,
    PartyRole,
    Payment,
    Transition,
    Validation,
)
from maillage.core.access import is_staff, organization_ids_of
from maillage.organizations.selectors import search_filter

# Once signed, a public convention is visible to everyone; before that, only to those working on it.
SIGNED_STATUSES = (
    AgreementStatus.IN_FORCE,
    AgreementStatus.EXPIRED,
    AgreementStatus.TERMINATED,
    AgreementStatus.RENEWED,
)
# Conventions that currently bind their parties; a renewed one runs on to its renewed expiry date
# (and may be amended, renewed again, terminated or expire).
CURRENT_STATUSES = ACTIVE_STATUSES
STAFF_ROLES = (Role.ADMIN, Role.AGENT)
ZERO = Decimal("0.00")


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


def is_party_correspondent(user: Any, agreement: Agreement) -> bool:
    """A correspondent whose organisation is party to the convention (uses prefetched parties)."""
    own = organization_ids_of(user)
    return bool(own) and any(party.organization_id in own for party in agreement.parties.all())


# --- Current expiry date -------------------------------------------------------------------------


def current_expiry_expression() -> Case:
    """SQL twin of ``ConsolidatedState.expires_on``: the last amendment in force that sets a new expiry
    (highest number) wins over the base date; after a tacit renewal, the renewed date (which the
    renewal computed from the consolidated one) is the current one."""
    latest = (
        Amendment.objects.filter(
            agreement=OuterRef("pk"), status=AmendmentStatus.IN_FORCE, new_expires_on__isnull=False
        )
        .order_by("-number")
        .values("new_expires_on")[:1]
    )
    # After a renewal, expires_on holds the renewed date, later than any amendment signed before it:
    # the latest of the two is current, so an amendment extending the renewed period still counts.
    return Case(
        When(
            status=AgreementStatus.RENEWED,
            then=Greatest(F("expires_on"), Coalesce(Subquery(latest), F("expires_on"))),
        ),
        default=Coalesce(Subquery(latest), F("expires_on")),
    )


def with_current_expiry(agreements: QuerySet[Agreement]) -> QuerySet[Agreement]:
    """Annotate ``current_expires_on`` (see :func:`current_expiry_expression`)."""
    return agreements.annotate(current_expires_on=current_expiry_expression())


# --- The register ----------------------------------------------------------------------------------


def agreement_list(
    *,
    user: Any,
    query: str = "",
    status: str = "",
    kind: str = "",
    theme: str = "",
    party: int | None = None,
    commune: str = "",
    territory: str = "",
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
    year: int | None = None,
    expiring_within: int | None = None,
) -> QuerySet[Agreement]:
    """The register, within what ``user`` may see, filtered in SQL."""
    agreements = with_current_expiry(agreement_visible_to(user))
    if query:
        agreements = agreements.filter(search_filter("search_text", query))
    if status:
        agreements = agreements.filter(status=status)
    if kind:
        agreements = agreements.filter(kind__slug=kind)
    if theme:
        through = Agreement.themes.through
        agreements = agreements.filter(
            Exists(through.objects.filter(agreement=OuterRef("pk"), theme__slug=theme))
        )
    if party:
        agreements = agreements.filter(
            Exists(AgreementParty.objects.filter(agreement=OuterRef("pk"), organization_id=party))
        )
    if commune:
        from maillage.territories.selectors import commune_resolve

        resolved = commune_resolve(commune).commune
        code = resolved.code if resolved else commune
        agreements = agreements.filter(
            Exists(AgreementParty.objects.filter(agreement=OuterRef("pk"), organization__commune_id=code))
        )
    if territory:
        agreements = agreements.filter(
            Exists(
                AgreementParty.objects.filter(agreement=OuterRef("pk")).filter(
                    Q(organization__territory_id=territory) | Q(organization__commune__territory_id=territory)
                )
            )
        )
    if amount_min is not None:
        agreements = agreements.filter(total_amount__gte=amount_min)
    if amount_max is not None:
        agreements = agreements.filter(total_amount__lte=amount_max)
    if year:
        agreements = agreements.filter(
            Q(effective_on__year=year)
            | Exists(Commitment.objects.filter(agreement=OuterRef("pk"), year=year))
        )
    if expiring_within is not None:
        today = timezone.localdate()
        window = (today, today + dt.timedelta(days=expiring_within))
        # A cheap, indexed pre-filter (the base date or an amendment's date is in the window, or the
        # convention was renewed) so the exact per-row expression runs on a few candidates only.
        amended = Amendment.objects.filter(
            status=AmendmentStatus.IN_FORCE, new_expires_on__range=window
        ).values("agreement_id")
        agreements = agreements.filter(
            Q(expires_on__range=window) | Q(pk__in=amended) | Q(status=AgreementStatus.RENEWED),
            status__in=CURRENT_STATUSES,
            current_expires_on__gte=window[0],
            current_expires_on__lte=window[1],
        )
    return (
        agreements.select_related("kind")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=AgreementParty.objects.select_related("organization").only(
                    "pk",
                    "agreement_id",
                    "organization_id",
                    "role",
                    "signed_on",
                    "organization__id",
                    "organization__name",
                ),
            ),
            "themes",
        )
        .order_by("-created_at", "-pk")
    )


def agreement_list_summary(agreements: QuerySet[Agreement]) -> tuple[int, Decimal]:
    """Number of conventions and sum of their total amounts in a (filtered) register, in one query
    (the register's pagination reuses the number instead of counting again)."""
    summary = agreements.order_by().aggregate(count=Count("pk"), total=Sum("total_amount"))
    return summary["count"], summary["total"] if summary["total"] is not None else ZERO


def agreement_detail(*, user: Any, pk: int) -> Agreement:
    """One convention with everything its page shows, in a constant number of queries."""
    return (
        with_current_expiry(agreement_visible_to(user))
        .select_related("kind", "owner", "cooperation")
        .prefetch_related(
            "themes",
            Prefetch("parties", queryset=AgreementParty.objects.select_related("organization")),
            Prefetch("commitments", queryset=Commitment.objects.order_by("year", "pk")),
            Prefetch("payments", queryset=Payment.objects.order_by("planned_on", "pk")),
            Prefetch("deliberations", queryset=Deliberation.objects.select_related("organization")),
            Prefetch("obligations", queryset=Obligation.objects.select_related("owner")),
            Prefetch(
                "amendments",
                queryset=Amendment.objects.order_by("number").prefetch_related(
                    Prefetch("changes", queryset=AmendmentChange.objects.select_related("organization"))
                ),
            ),
            Prefetch("transitions", queryset=Transition.objects.select_related("actor")),
            Prefetch("validations", queryset=Validation.objects.select_related("validated_by")),
            # Documents: the documents panel loads them itself (template tag agreement_documents).
        )
        .get(pk=pk)
    )


def amendment_detail(*, user: Any, pk: int) -> Amendment:
    visible = agreement_visible_to(user).values("pk")
    return (
        Amendment.objects.filter(agreement__in=visible)
        .select_related("agreement")
        .prefetch_related(
            Prefetch("changes", queryset=AmendmentChange.objects.select_related("organization")),
            Prefetch("deliberations", queryset=Deliberation.objects.select_related("organization")),
            Prefetch("transitions", queryset=Transition.objects.select_related("actor")),
        )
        .get(pk=pk)
    )


# --- Money aggregates (SQL) --------------------------------------------------------------------------


def _commitments_of(agreements: QuerySet[Agreement]) -> QuerySet[Commitment]:
    return Commitment.objects.filter(agreement__in=agreements.order_by().values("pk")).order_by()


def commitment_totals_by_agreement(agreements: QuerySet[Agreement]) -> list[dict[str, Any]]:
    """[{agreement_id, reference, total}] for the given conventions."""
    return list(
        _commitments_of(agreements)
        .values("agreement_id", "agreement__reference")
        .annotate(total=Sum("amount"))
        .order_by("agreement__reference")
    )


def commitment_totals_by_party(agreements: QuerySet[Agreement]) -> list[dict[str, Any]]:
    """[{organization_id, organization, total}]: what each organisation commits, all its roles together."""
    return list(
        _commitments_of(agreements)
        .values(organization_id=F("party__organization_id"), organization=F("party__organization__name"))
        .annotate(total=Sum("amount"))
        .order_by("organization", "organization_id")
    )


def commitment_totals_by_commune(agreements: QuerySet[Agreement]) -> list[dict[str, Any]]:
    """[{commune, commune_name, total}] by the commune of the committing organisation (None: no commune)."""
    return list(
        _commitments_of(agreements)
        .values(
            commune=F("party__organization__commune_id"),
            commune_name=F("party__organization__commune__name"),
        )
        .annotate(total=Sum("amount"))
        .order_by("commune")
    )


def commitment_totals_by_year(agreements: QuerySet[Agreement]) -> list[dict[str, Any]]:
    """[{year, total}]."""
    return list(_commitments_of(agreements).values("year").annotate(total=Sum("amount")).order_by("year"))


@dataclass
class OrganizationSummary:
    agreements: list[Agreement]
    count: int
    active_count: int
    committed: Decimal


def agreements_of_organizations(
    *, user: Any, organization_ids: QuerySet | list[int], limit: int = 10
) -> OrganizationSummary:
    """Conventions visible to ``user`` where one of the organisations is a party (for profile sections):
    the latest ``limit``, how many in all and in force, and what these organisations commit. 3 queries."""
    party_of = AgreementParty.objects.filter(organization_id__in=organization_ids).order_by()
    agreements = agreement_visible_to(user).filter(pk__in=party_of.values("agreement_id"))
    counts = agreements.order_by().aggregate(
        count=Count("pk"), active=Count("pk", filter=Q(status__in=CURRENT_STATUSES))
    )
    committed = Commitment.objects.filter(
        agreement__in=agreements.values("pk"), party__organization_id__in=organization_ids
    ).aggregate(total=Coalesce(Sum("amount"), Value(ZERO), output_field=DecimalField()))["total"]
    latest = list(agreements.select_related("kind").order_by("-created_at", "-pk")[:limit])
    return OrganizationSummary(latest, counts["count"], counts["active"], committed)


# --- Four eyes -----------------------------------------------------------------------------------------


@dataclass
class FourEyes:
    required: bool
    threshold: int
    validation: Validation | None


def four_eyes_required(agreement: Agreement) -> bool:
    return agreement.total_amount > settings.AGREEMENT_FOUR_EYES_THRESHOLD


def validation_counts(validation: Validation, agreement: Agreement, actor: Any | None = None) -> bool:
    """A validation counts for the current version, by an active agent or administrator who is neither
    the owner nor (at signature) the person moving the agreement."""
    validator = validation.validated_by
    return (
        validation.version == agreement.version
        and validator.is_active
        and validator.role in STAFF_ROLES
        and validator.pk != agreement.owner_id
        and (actor is None or validator.pk != actor.pk)
    )


def four_eyes_state(agreement: Agreement) -> FourEyes:
    """Uses the prefetched validations of ``agreement_detail``."""
    current = next((v for v in agreement.validations.all() if validation_counts(v, agreement)), None)
    return FourEyes(four_eyes_required(agreement), settings.AGREEMENT_FOUR_EYES_THRESHOLD, current)


# --- Consolidated state --------------------------------------------------------------------------------


@dataclass
class PartyLine:
    organization: Any
    role: str
    signed_on: dt.date | None = None
    added_by: Amendment | None = None
    removed_by: Amendment | None = None

    @property
    def key(self) -> tuple[int, str]:
        return (self.organization.pk, self.role)

    @property
    def role_display(self) -> str:
        return str(PartyRole(self.role).label)


@dataclass
class MoneyRow:
    party: PartyLine
    amounts: list[Decimal | None]
    total: Decimal


@dataclass
class ConsolidatedState:
    """Parties, commitments (party × year) and expiry of a convention at one point of its life."""

    lines: list[PartyLine]
    commitments: dict[tuple[int, str], dict[int, Decimal]]
    expires_on: dt.date | None
    applied: list[Amendment] = field(default_factory=list)

    @property
    def parties(self) -> list[PartyLine]:
        return [line for line in self.lines if line.removed_by is None]

    @property
    def years(self) -> list[int]:
        return sorted({year for by_year in self.commitments.values() for year in by_year})

    @property
    def total(self) -> Decimal:
        return sum((sum(by_year.values(), ZERO) for by_year in self.commitments.values()), ZERO)

    def year_totals(self) -> list[Decimal]:
        return [
            sum((by_year.get(year, ZERO) for by_year in self.commitments.values()), ZERO)
            for year in self.years
        ]

    def rows(self) -> list[MoneyRow]:
        """One row per party having commitments (a party withdrawn keeps its earlier years)."""
        years = self.years
        rows = []
        for line in self.lines:
            by_year = self.commitments.get(line.key)
            if not by_year:
                continue
            rows.append(MoneyRow(line, [by_year.get(year) for year in years], sum(by_year.values(), ZERO)))
        return rows

    def _find(self, organization_id: int, role: str) -> list[PartyLine]:
        return [
            line
            for line in self.parties
            if line.organization.pk == organization_id and (not role or line.role == role)
        ]


def base_state(agreement: Agreement) -> ConsolidatedState:
    """The convention as written, before any amendment (uses prefetched parties and commitments)."""
    parties = list(agreement.parties.all())
    lines = [PartyLine(p.organization, p.role, p.signed_on) for p in parties]
    by_pk = {p.pk: (p.organization_id, p.role) for p in parties}
    commitments: dict[tuple[int, str], dict[int, Decimal]] = defaultdict(dict)
    for commitment in agreement.commitments.all():
        commitments[by_pk[commitment.party_id]][commitment.year] = commitment.amount
    return ConsolidatedState(lines, dict(commitments), agreement.expires_on)


def _amendment_year(amendment: Amendment) -> int:
    return (amendment.signed_on or timezone.localdate()).year


def apply_amendment(state: ConsolidatedState, amendment: Amendment, changes: list[AmendmentChange]) -> None:
    """Apply one amendment to ``state``; a change that does not fit the state raises ValidationError."""
    number = amendment.number
    for change in changes:
        organization = change.organization
        if change.kind == AmendmentChange.Kind.ADD_PARTY:
            if state._find(organization.pk, change.role):
                raise ValidationError(
                    _(
                        "Amendment no. %(number)s adds %(organization)s as %(role)s, but it is already "
                        "a party with this role."
                    )
                    % {"number": number, "organization": organization, "role": change.get_role_display()}
                )
            state.lines.append(PartyLine(organization, change.role, added_by=amendment))
        elif change.kind == AmendmentChange.Kind.REMOVE_PARTY:
            found = state._find(organization.pk, change.role)
            if not found:
                raise ValidationError(
                    _("Amendment no. %(number)s withdraws %(organization)s, which is not a party.")
                    % {"number": number, "organization": organization}
                )
            # Money committed for the years before the amendment stays; later years are dropped.
            from_year = _amendment_year(amendment)
            for line in found:
                line.removed_by = amendment
                by_year = state.commitments.get(line.key, {})
                state.commitments[line.key] = {y: a for y, a in by_year.items() if y < from_year}
        elif change.kind == AmendmentChange.Kind.COMMITMENT:
            found = state._find(organization.pk, change.role)
            if not found:
                raise ValidationError(
                    _(
                        "Amendment no. %(number)s changes a commitment of %(organization)s, which is not "
                        "a party (add it first)."
                    )
                    % {"number": number, "organization": organization}
                )
            if len(found) > 1:
                raise ValidationError(
                    _(
                        "%(organization)s has several roles in the agreement: choose the role whose "
                        "commitment changes."
                    )
                    % {"organization": organization}
                )
            state.commitments.setdefault(found[0].key, {})[change.year] = change.amount
    if amendment.new_expires_on:
        state.expires_on = amendment.new_expires_on
    state.applied.append(amendment)


def agreement_consolidated(
    agreement: Agreement,
    *,
    including: Amendment | None = None,
    including_changes: list[AmendmentChange] | None = None,
) -> ConsolidatedState:
    """Base parties, commitments and expiry with every amendment in force applied in number order.

    ``including`` adds one amendment not yet in force, with ``including_changes`` (default: its stored
    changes): the services use it to check that an amendment fits before a change is added or before it
    comes into force. Uses prefetched amendments and changes when the agreement comes from
    :func:`agreement_detail`.
    """
    state = base_state(agreement)
    amendments = [
        a
        for a in agreement.amendments.all()
        if a.status == AmendmentStatus.IN_FORCE and (including is None or a.pk != including.pk)
    ]
    if including is not None:
        amendments.append(including)
    for amendment in sorted(amendments, key=lambda a: a.number):
        if including is not None and amendment is including and including_changes is not None:
            changes = including_changes
        else:
            changes = list(amendment.changes.all())
        apply_amendment(state, amendment, changes)
    if agreement.status == AgreementStatus.RENEWED and agreement.expires_on:
        # The renewal computed its date from the consolidated expiry; only a later extension wins over it.
        state.expires_on = max(filter(None, (agreement.expires_on, state.expires_on)))
    return state
