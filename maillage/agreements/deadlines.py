"""Deadlines (échéances) of conventions: expiries, notice deadlines before tacit renewal, obligations.

All three come from one SQL ``UNION ALL`` of annotated querysets with the same columns, ordered and
paginated in the database, so a page costs the same number of queries whatever the volume.

- expiry: the current expiry date (``selectors.current_expiry_expression``: amendments in force and
  tacit renewals applied) of a convention that binds its parties (in force or renewed);
- notice: ``current expiry − notice_days`` of a convention in force with tacit renewal, as long as the
  expiry itself has not passed (the last day to give notice, otherwise it renews);
- obligation: ``Obligation.due_on`` of an obligation still to do (conventions not terminated).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import BigIntegerField, CharField, DateField, F, Func, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from maillage.agreements.models import (
    ACTIVE_STATUSES,
    Agreement,
    AgreementStatus,
    Obligation,
    ObligationKind,
    ObligationStatus,
)
from maillage.agreements.selectors import CURRENT_STATUSES, agreement_visible_to, current_expiry_expression
from maillage.core.access import is_staff

EXPIRY, NOTICE, OBLIGATION = "expiry", "notice", "obligation"
MINE, ALL = "mine", "all"
DEFAULT_HORIZON_DAYS = 180
HORIZON_CHOICES = (30, 60, 90, 180, 365)

COLUMNS = (
    "d_kind",
    "d_date",
    "d_agreement_id",
    "d_reference",
    "d_agreement_title",
    "d_obligation_id",
    "d_obligation_title",
    "d_obligation_kind",
    "d_owner_id",
    "d_owner_first_name",
    "d_owner_last_name",
    "d_owner_username",
    "d_owner_email",
    "d_owner_active",
)


class DaysBefore(Func):
    """``date − days`` as a date, on PostgreSQL (date − integer) and SQLite (date modifier)."""

    output_field = DateField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ")

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="date(%(expressions)s || ' days')", arg_joiner=", '-' || "
        )


def _agreement_columns(kind: str, date: Any) -> dict[str, Any]:
    return {
        "d_kind": Value(kind, output_field=CharField()),
        "d_date": date,
        "d_agreement_id": F("pk"),
        "d_reference": F("reference"),
        "d_agreement_title": F("title"),
        "d_obligation_id": Cast(Value(None), BigIntegerField()),
        "d_obligation_title": Value("", output_field=CharField()),
        "d_obligation_kind": Value("", output_field=CharField()),
        "d_owner_id": F("owner_id"),
        "d_owner_first_name": F("owner__first_name"),
        "d_owner_last_name": F("owner__last_name"),
        "d_owner_username": F("owner__username"),
        "d_owner_email": F("owner__email"),
        "d_owner_active": F("owner__is_active"),
    }


def _obligation_columns() -> dict[str, Any]:
    return {
        "d_kind": Value(OBLIGATION, output_field=CharField()),
        "d_date": F("due_on"),
        "d_agreement_id": F("agreement_id"),
        "d_reference": F("agreement__reference"),
        "d_agreement_title": F("agreement__title"),
        "d_obligation_id": F("pk"),
        "d_obligation_title": F("title"),
        "d_obligation_kind": F("kind"),
        "d_owner_id": F("owner_id"),
        "d_owner_first_name": F("owner__first_name"),
        "d_owner_last_name": F("owner__last_name"),
        "d_owner_username": F("owner__username"),
        "d_owner_email": F("owner__email"),
        "d_owner_active": F("owner__is_active"),
    }


def _parts(
    agreements: QuerySet[Agreement], obligations: QuerySet[Obligation]
) -> tuple[QuerySet, QuerySet, QuerySet]:
    """The three sources, annotated with the same columns (not yet filtered on dates)."""
    binding = (
        agreements.filter(status__in=CURRENT_STATUSES)
        .order_by()
        .annotate(d_expiry=current_expiry_expression())
        .filter(d_expiry__isnull=False)
    )
    expiries = binding.annotate(**_agreement_columns(EXPIRY, F("d_expiry")))
    notices = binding.filter(
        status__in=ACTIVE_STATUSES, tacit_renewal=True, notice_days__isnull=False
    ).annotate(**_agreement_columns(NOTICE, DaysBefore(F("d_expiry"), F("notice_days"))))
    todo = (
        obligations.filter(status=ObligationStatus.TODO)
        .exclude(agreement__status=AgreementStatus.TERMINATED)
        .order_by()
        .annotate(**_obligation_columns())
    )
    return expiries, notices, todo


def _union(*parts: QuerySet) -> QuerySet:
    first, *others = (part.values(*COLUMNS) for part in parts)
    return first.union(*others, all=True).order_by("d_date", "d_kind", "d_reference", "d_obligation_id")


def _sources(user: Any, scope: str) -> tuple[QuerySet[Agreement], QuerySet[Obligation]]:
    """Staff asking for "all": every convention. Otherwise the conventions the user owns and the
    obligations they own or that belong to their conventions, within what they may see."""
    agreements, obligations = Agreement.objects.all(), Obligation.objects.all()
    if scope == ALL and is_staff(user):
        return agreements, obligations
    agreements = agreements.filter(owner=user)
    obligations = obligations.filter(Q(owner=user) | Q(agreement__owner=user))
    if not is_staff(user):
        visible = agreement_visible_to(user).order_by().values("pk")
        agreements = agreements.filter(pk__in=visible)
        obligations = obligations.filter(agreement_id__in=visible)
    return agreements, obligations


def deadline_list(
    *,
    user: Any,
    today: dt.date,
    scope: str = MINE,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    since: dt.date | None = None,
) -> QuerySet:
    """Deadlines up to ``today + horizon_days`` (rows of COLUMNS, by date), overdue ones included
    (or only from ``since`` when given). Wrap rows with :func:`as_deadlines`."""
    until = today + dt.timedelta(days=horizon_days)
    window = Q(d_date__lte=until) & (Q(d_date__gte=since) if since else Q())
    expiries, notices, todo = _parts(*_sources(user, scope))
    return _union(expiries.filter(window), notices.filter(window, d_expiry__gte=today), todo.filter(window))


def alert_candidates(*, today: dt.date, days: list[int]) -> list[Deadline]:
    """Every deadline within the largest alert horizon, and every obligation overdue.

    The alert service picks, for each, the smallest threshold already reached, so a day without a
    run (or a mail server down) is caught up by the next run instead of being lost."""
    horizon = today + dt.timedelta(days=max(days))
    expiries, notices, todo = _parts(Agreement.objects.all(), Obligation.objects.all())
    rows = _union(
        expiries.filter(d_date__gte=today, d_date__lte=horizon),
        notices.filter(d_date__gte=today, d_date__lte=horizon),
        todo.filter(d_date__lte=horizon),
    )
    return as_deadlines(rows, today=today)


@dataclass(frozen=True)
class Deadline:
    kind: str
    date: dt.date
    agreement_id: int
    reference: str
    agreement_title: str
    obligation_id: int | None
    obligation_title: str
    obligation_kind: str
    owner_id: int
    owner_name: str
    owner_email: str
    owner_active: bool
    days_left: int

    @classmethod
    def from_row(cls, row: dict[str, Any], *, today: dt.date) -> Deadline:
        date = row["d_date"]
        if isinstance(date, str):  # a computed date comes back as text on some backends
            date = dt.date.fromisoformat(date[:10])
        elif isinstance(date, dt.datetime):
            date = date.date()
        name = f"{row['d_owner_first_name']} {row['d_owner_last_name']}".strip()
        return cls(
            kind=row["d_kind"],
            date=date,
            agreement_id=row["d_agreement_id"],
            reference=row["d_reference"],
            agreement_title=row["d_agreement_title"],
            obligation_id=row["d_obligation_id"],
            obligation_title=row["d_obligation_title"] or "",
            obligation_kind=row["d_obligation_kind"] or "",
            owner_id=row["d_owner_id"],
            owner_name=name or row["d_owner_username"],
            owner_email=row["d_owner_email"] or "",
            owner_active=bool(row["d_owner_active"]),
            days_left=(date - today).days,
        )

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_late(self) -> int:
        return -self.days_left

    @property
    def label(self) -> str:
        if self.kind == EXPIRY:
            return _("Expiry of the agreement")
        if self.kind == NOTICE:
            return _("Last day to give notice before tacit renewal")
        kind = ObligationKind(self.obligation_kind).label if self.obligation_kind in ObligationKind else ""
        if not kind:
            return self.obligation_title
        return _("%(kind)s: %(title)s") % {"kind": kind, "title": self.obligation_title}

    @property
    def uid(self) -> str:
        """Stable across changes of date, so that calendar clients update the event in place."""
        if self.kind == OBLIGATION:
            return f"obligation-{self.obligation_id}@maillage"
        return f"agreement-{self.agreement_id}-{self.kind}@maillage"

    def alert_key(self, suffix: str) -> str:
        """Key of the DeadlineAlert for this deadline at this date (``suffix``: "7d", "overdue")."""
        subject = (
            f"obligation-{self.obligation_id}"
            if self.kind == OBLIGATION
            else f"agreement-{self.agreement_id}-{self.kind}"
        )
        return f"{subject}-{self.date.isoformat()}-{suffix}"

    @property
    def path(self) -> str:
        return agreement_path(self.agreement_id)


def as_deadlines(rows: Any, *, today: dt.date) -> list[Deadline]:
    return [Deadline.from_row(row, today=today) for row in rows]


def agreement_path(agreement_id: int) -> str:
    """The convention's page (its URL name belongs to the agreements app)."""
    try:
        return reverse("agreements:detail", kwargs={"pk": agreement_id})
    except NoReverseMatch:
        return f"/conventions/{agreement_id}/"
