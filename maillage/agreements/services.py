"""Writes about conventions: the register, parties and money, deliberations, lifecycle, four eyes,
amendments and obligations. Every service is atomic and refuses with a ValidationError whose message
says what to do; nothing is half-written.

Decisions worth knowing:

- Dates. The expiry must come after the effective date. When the duration and both dates are given,
  the expiry must be the effective date plus the duration (the day before, as in "three years from
  1 January 2025", or the same day of the month). Given a duration and an effective date without an
  expiry, the expiry is computed (the day before). A tacit renewal needs a notice period and a
  renewal period; the notice cannot be longer than the whole duration. A signature date after the
  effective date is accepted (retroactive effect, usual for yearly subsidy agreements), but not after
  the expiry date nor in the future.
- What can change when. Until deliberation (draft, negotiation, legal review, deliberation) the terms,
  parties and commitments may change. At signature only the dates and the signatures are recorded.
  Once in force (and after), the terms are those signed: they change through an amendment; only the
  title, owner, themes, cooperation and publicity stay editable.
- Four eyes. Any change to what is validated (the agreement's fields, its parties, its commitments)
  bumps the agreement's version, and a validation only counts for the version it validated. A move in
  the lifecycle also saves a new version: going back and forth needs a new validation.
- Amendments apply to conventions in force or renewed (a renewed convention runs on to its renewed date).
  The base records stay as signed; ``selectors.agreement_consolidated`` computes the current state.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from maillage.agreements.models import (
    ACTIVE_STATUSES,
    AGREEMENT_TRANSITIONS,
    AMENDMENT_TRANSITIONS,
    Agreement,
    AgreementParty,
    AgreementStatus,
    Amendment,
    AmendmentChange,
    AmendmentStatus,
    Commitment,
    Deliberation,
    Obligation,
    ObligationStatus,
    PartyRole,
    Payment,
    Transition,
    Validation,
)
from maillage.agreements.selectors import (
    SIGNED_STATUSES,
    STAFF_ROLES,
    agreement_consolidated,
    current_expiry_expression,
    four_eyes_required,
)
from maillage.core.concurrency import ConcurrentEditError, save_versioned
from maillage.core.text import normalize

ADMIN_FIELDS = ("title", "owner", "cooperation", "is_public")
TERMS_FIELDS = (
    "kind",
    "purpose",
    "clauses",
    "duration_months",
    "tacit_renewal",
    "renewal_period_months",
    "notice_days",
)
DATE_FIELDS = ("signed_on", "effective_on", "expires_on")
EDITABLE_FIELDS = ADMIN_FIELDS + TERMS_FIELDS + DATE_FIELDS

# Statuses in which the terms, parties and commitments may still change.
TERMS_OPEN = (
    AgreementStatus.DRAFT,
    AgreementStatus.NEGOTIATION,
    AgreementStatus.LEGAL_REVIEW,
    AgreementStatus.DELIBERATION,
)
AMENDMENT_OPEN = (AmendmentStatus.DRAFT, AmendmentStatus.NEGOTIATION, AmendmentStatus.LEGAL_REVIEW)
AMENDABLE = ACTIVE_STATUSES
PAYMENT_FIELDS = ("party", "label", "amount", "planned_on", "paid_on")
DELIBERATION_FIELDS = (
    "amendment",
    "organization",
    "body",
    "date",
    "number",
    "act_url",
    "votes_for",
    "votes_against",
    "abstentions",
)
OBLIGATION_FIELDS = ("kind", "title", "due_on", "owner")
AMENDMENT_FIELDS = ("purpose", "new_expires_on", "signed_on")


def editable_fields(status: str) -> tuple[str, ...]:
    """The agreement fields that may change in ``status`` (themes follow ADMIN_FIELDS)."""
    if status in TERMS_OPEN:
        return EDITABLE_FIELDS
    if status == AgreementStatus.SIGNATURE:
        return ADMIN_FIELDS + DATE_FIELDS
    return ADMIN_FIELDS


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the 31 January plus one month is the 28/29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def euros(amount: Any) -> str:
    """An amount as French people read it: 150 000,00."""
    return number_format(Decimal(amount), decimal_pos=2, use_l10n=True, force_grouping=True)


def _status_label(status: str) -> str:
    try:
        return str(AgreementStatus(status).label)
    except ValueError:
        return status


def _amendment_status_label(status: str) -> str:
    try:
        return str(AmendmentStatus(status).label)
    except ValueError:
        return status


def _is_active_staff(user: Any) -> bool:
    return bool(user is not None and user.is_active and user.role in STAFF_ROLES)


def _require_staff_actor(actor: Any) -> None:
    if not _is_active_staff(actor):
        raise ValidationError(
            _("Only active agents and administrators of the metropole can change an agreement.")
        )


def _today() -> dt.date:
    return timezone.localdate()


# --- The agreement itself ------------------------------------------------------------------------------


def _search_text(agreement: Agreement) -> str:
    return normalize(f"{agreement.reference} {agreement.title}")[:400]


def _complete_dates(agreement: Agreement) -> None:
    """A duration from an effective date gives the expiry when it is not typed."""
    if agreement.effective_on and agreement.duration_months and not agreement.expires_on:
        agreement.expires_on = add_months(agreement.effective_on, agreement.duration_months) - dt.timedelta(
            days=1
        )


def _check_dates(agreement: Agreement) -> None:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    effect, expiry, months = agreement.effective_on, agreement.expires_on, agreement.duration_months
    signed, notice = agreement.signed_on, agreement.notice_days
    if effect and expiry and expiry <= effect:
        add("expires_on", _("The expiry date must come after the effective date."))
    if months == 0:
        add("duration_months", _("A duration is at least one month."))
    if months and effect and expiry and expiry > effect:
        end = add_months(effect, months)
        if expiry not in (end, end - dt.timedelta(days=1)):
            add(
                "duration_months",
                _(
                    "A duration of %(months)s months from %(start)s ends on %(end)s, not on %(expiry)s: "
                    "correct the duration or the expiry date."
                )
                % {
                    "months": months,
                    "start": effect.strftime("%d/%m/%Y"),
                    "end": (end - dt.timedelta(days=1)).strftime("%d/%m/%Y"),
                    "expiry": expiry.strftime("%d/%m/%Y"),
                },
            )
    if agreement.tacit_renewal:
        if notice is None:
            add("notice_days", _("A tacit renewal needs a notice period."))
        if not agreement.renewal_period_months:
            add("renewal_period_months", _("A tacit renewal needs a renewal period."))
    if notice:
        whole = (expiry - effect).days if effect and expiry and expiry > effect else None
        if whole is None and months:
            whole = months * 31  # an upper bound: never refuses a notice that fits
        if whole is not None and notice > whole:
            add(
                "notice_days",
                _(
                    "The notice period (%(notice)s days) is longer than the whole duration of the "
                    "agreement (%(days)s days)."
                )
                % {"notice": notice, "days": whole},
            )
    if signed and signed > _today():
        add("signed_on", _("The signature date cannot be in the future."))
    if signed and expiry and signed >= expiry:
        add("signed_on", _("An agreement cannot be signed on or after its expiry date."))
    if errors:
        raise ValidationError(errors)


def _check_owner(agreement: Agreement) -> None:
    owner = agreement.owner if agreement.owner_id else None
    if owner is None or not _is_active_staff(owner):
        raise ValidationError(
            {"owner": _("The owner must be an active agent or administrator of the metropole.")}
        )


def _validate(agreement: Agreement) -> None:
    _complete_dates(agreement)
    errors: dict[str, list[str]] = {}
    try:
        agreement.full_clean(exclude=["reference", "search_text", "owner", "total_amount"])
    except ValidationError as error:
        errors = error.message_dict
    for check in (_check_owner, _check_dates):
        try:
            check(agreement)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    if message not in errors.get(name, []):
                        errors.setdefault(name, []).append(message)
    if not (agreement.purpose or "").strip():
        errors.setdefault("purpose", [_("Describe the purpose of the agreement.")])
    if errors:
        raise ValidationError(errors)


def _next_reference(year: int) -> str:
    prefix = f"CONV-{year}-"
    numbers = [
        int(reference[len(prefix) :])
        for reference in Agreement.objects.filter(reference__startswith=prefix).values_list(
            "reference", flat=True
        )
        if reference[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


@transaction.atomic
def agreement_create(*, data: dict[str, Any], themes: list[Any] | None = None) -> Agreement:
    """Register a convention (as a draft) with the next reference CONV-<year>-<NNN>."""
    agreement = Agreement(**{k: v for k, v in data.items() if k in EDITABLE_FIELDS})
    agreement.status = AgreementStatus.DRAFT
    _validate(agreement)
    year = _today().year
    for _attempt in range(5):
        agreement.reference = _next_reference(year)
        agreement.search_text = _search_text(agreement)
        try:
            with transaction.atomic():
                agreement.save()
        except IntegrityError:
            # Someone took this number meanwhile: take the next one.
            if Agreement.objects.filter(reference=agreement.reference).exists():
                continue
            raise
        break
    else:  # pragma: no cover - five collisions in a row
        raise ValidationError(_("No reference could be given to the agreement: try again."))
    if themes is not None:
        agreement.themes.set(themes)
    return agreement


@transaction.atomic
def agreement_update(
    *,
    agreement: Agreement,
    data: dict[str, Any],
    expected_version: int,
    themes: list[Any] | None = None,
) -> Agreement:
    """Change a convention; fields closed in its status are refused if they change (see module doc)."""
    allowed = editable_fields(agreement.status)
    locked = []
    for key, value in data.items():
        if key not in EDITABLE_FIELDS:
            continue
        if key not in allowed:
            if getattr(agreement, key) != value:
                locked.append(key)
            continue
        setattr(agreement, key, value)
    if locked:
        message = _(
            "This agreement is « %(status)s »: this field can no longer change (the terms of a signed "
            "agreement change through an amendment)."
        ) % {"status": _status_label(agreement.status)}
        raise ValidationError({key: message for key in locked})
    _validate(agreement)
    agreement.search_text = _search_text(agreement)
    save_versioned(agreement, expected_version=expected_version)
    if themes is not None:
        agreement.themes.set(themes)
    return agreement


def _lock(agreement: Agreement) -> Agreement:
    """The stored row, locked for the rest of the transaction."""
    return Agreement.objects.select_for_update().get(pk=agreement.pk)


def _require_terms_open(agreement: Agreement) -> None:
    if agreement.status not in TERMS_OPEN:
        raise ValidationError(
            _(
                "This agreement is « %(status)s »: its parties and commitments no longer change directly. "
                "Create an amendment once it is in force, or move it back before signature."
            )
            % {"status": _status_label(agreement.status)}
        )


def _touch(agreement: Agreement, *, original: Agreement | None = None) -> None:
    """Recompute the total from the commitments and save a new version (a validation no longer counts)."""
    total = Commitment.objects.filter(agreement_id=agreement.pk).aggregate(total=Sum("amount"))["total"]
    Agreement.objects.filter(pk=agreement.pk).update(
        total_amount=total or Decimal("0"), version=F("version") + 1, updated_at=timezone.now()
    )
    for target in {id(x): x for x in (agreement, original) if x is not None}.values():
        target.refresh_from_db(fields=["total_amount", "version", "updated_at"])


# --- Parties and money -----------------------------------------------------------------------------------


@transaction.atomic
def party_add(*, agreement: Agreement, organization: Any, role: str) -> AgreementParty:
    locked = _lock(agreement)
    _require_terms_open(locked)
    party = AgreementParty(agreement=locked, organization=organization, role=role)
    party.full_clean()
    party.save()
    _touch(locked, original=agreement)
    return party


@transaction.atomic
def party_remove(*, party: AgreementParty) -> None:
    """Take a party off a convention not yet signed (its commitments go with it)."""
    locked = _lock(party.agreement)
    _require_terms_open(locked)
    if party.payments.exists():
        raise ValidationError(
            _("Payments are recorded for %(party)s: delete them first, or keep the party.")
            % {"party": party.organization}
        )
    party.delete()
    _touch(locked, original=party.agreement)


@transaction.atomic
def party_sign(*, party: AgreementParty, signed_on: dt.date | None) -> AgreementParty:
    """Record the date a party signed; only while the convention is at signature."""
    agreement = _lock(party.agreement)
    if agreement.status != AgreementStatus.SIGNATURE:
        raise ValidationError(
            _("Signatures are recorded while the agreement is at signature; it is « %(status)s ».")
            % {"status": _status_label(agreement.status)}
        )
    if signed_on is None:
        raise ValidationError({"signed_on": _("Give the date of the signature.")})
    if signed_on > _today():
        raise ValidationError({"signed_on": _("The signature date cannot be in the future.")})
    party.signed_on = signed_on
    party.save(update_fields=["signed_on", "updated_at"])
    return party


def _check_party_of(agreement: Agreement, party: Any, field: str = "party") -> None:
    if party is None or party.agreement_id != agreement.pk:
        raise ValidationError({field: _("Choose a party of this agreement.")})


@transaction.atomic
def commitment_set(*, agreement: Agreement, party: AgreementParty, year: int, amount: Decimal) -> Commitment:
    """What a party commits for a year (a second entry for the same year replaces the first)."""
    locked = _lock(agreement)
    _require_terms_open(locked)
    _check_party_of(locked, party)
    if amount is None or amount < 0:
        raise ValidationError({"amount": _("A commitment cannot be negative.")})
    if year is None or not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Give a year between 2000 and 2100.")})
    commitment = Commitment.objects.filter(party=party, year=year).first() or Commitment(
        agreement=locked, party=party, year=year
    )
    commitment.amount = amount
    commitment.full_clean(exclude=["agreement", "party"])
    commitment.save()
    _touch(locked, original=agreement)
    return commitment


@transaction.atomic
def commitment_delete(*, commitment: Commitment) -> None:
    locked = _lock(commitment.agreement)
    _require_terms_open(locked)
    commitment.delete()
    _touch(locked, original=commitment.agreement)


def _check_paid_on(agreement: Agreement, paid_on: dt.date | None) -> None:
    if paid_on is None:
        return
    if agreement.status not in SIGNED_STATUSES:
        raise ValidationError(
            {
                "paid_on": _("A payment is made once the agreement is in force; it is « %(status)s ».")
                % {"status": _status_label(agreement.status)}
            }
        )
    if paid_on > _today():
        raise ValidationError({"paid_on": _("A payment date cannot be in the future.")})


def _save_payment(payment: Payment, agreement: Agreement) -> Payment:
    _check_party_of(agreement, payment.party if payment.party_id else None)
    if payment.amount is None or payment.amount <= 0:
        raise ValidationError({"amount": _("A payment is a positive amount.")})
    _check_paid_on(agreement, payment.paid_on)
    payment.full_clean(exclude=["agreement"])
    payment.save()
    return payment


@transaction.atomic
def payment_create(*, agreement: Agreement, data: dict[str, Any]) -> Payment:
    """A payment planned (``paid_on`` empty) or already made."""
    locked = _lock(agreement)
    payment = Payment(agreement=locked, **{k: v for k, v in data.items() if k in PAYMENT_FIELDS})
    return _save_payment(payment, locked)


@transaction.atomic
def payment_update(*, payment: Payment, data: dict[str, Any]) -> Payment:
    locked = _lock(payment.agreement)
    for key, value in data.items():
        if key in PAYMENT_FIELDS:
            setattr(payment, key, value)
    return _save_payment(payment, locked)


@transaction.atomic
def payment_mark_paid(*, payment: Payment, paid_on: dt.date | None = None) -> Payment:
    locked = _lock(payment.agreement)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.paid_on is not None:
        raise ValidationError(
            _("This payment was already made on %(date)s.") % {"date": payment.paid_on.strftime("%d/%m/%Y")}
        )
    paid_on = paid_on or _today()
    _check_paid_on(locked, paid_on)
    payment.paid_on = paid_on
    payment.save(update_fields=["paid_on", "updated_at"])
    return payment


@transaction.atomic
def payment_delete(*, payment: Payment) -> None:
    if payment.paid_on is not None:
        raise ValidationError(_("A payment made is kept: correct it instead of deleting it."))
    payment.delete()


# --- Deliberations and obligations --------------------------------------------------------------------


@transaction.atomic
def deliberation_create(*, agreement: Agreement, data: dict[str, Any]) -> Deliberation:
    """The act of a deliberative body approving the convention (or one of its amendments)."""
    deliberation = Deliberation(
        agreement=agreement, **{k: v for k, v in data.items() if k in DELIBERATION_FIELDS}
    )
    if deliberation.amendment_id and deliberation.amendment.agreement_id != agreement.pk:
        raise ValidationError({"amendment": _("Choose an amendment of this agreement.")})
    if deliberation.date and deliberation.date > _today():
        raise ValidationError(
            {"date": _("A deliberation is recorded once adopted: its date cannot be in the future.")}
        )
    deliberation.full_clean(exclude=["agreement"])
    deliberation.save()
    return deliberation


def _check_obligation_owner(obligation: Obligation) -> None:
    owner = obligation.owner if obligation.owner_id else None
    if owner is None or not owner.is_active:
        raise ValidationError({"owner": _("Choose an active account to follow this obligation.")})


@transaction.atomic
def obligation_create(*, agreement: Agreement, data: dict[str, Any]) -> Obligation:
    obligation = Obligation(agreement=agreement, **{k: v for k, v in data.items() if k in OBLIGATION_FIELDS})
    _check_obligation_owner(obligation)
    obligation.full_clean(exclude=["agreement"])
    obligation.save()
    return obligation


@transaction.atomic
def obligation_update(*, obligation: Obligation, data: dict[str, Any]) -> Obligation:
    for key, value in data.items():
        if key in OBLIGATION_FIELDS:
            setattr(obligation, key, value)
    _check_obligation_owner(obligation)
    obligation.full_clean()
    obligation.save()
    return obligation


@transaction.atomic
def obligation_complete(*, obligation: Obligation, done_on: dt.date | None = None) -> Obligation:
    """Mark an obligation done (a second click changes nothing)."""
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    if obligation.status == ObligationStatus.DONE:
        return obligation
    done_on = done_on or _today()
    if done_on > _today():
        raise ValidationError({"done_on": _("The completion date cannot be in the future.")})
    obligation.status = ObligationStatus.DONE
    obligation.done_on = done_on
    obligation.save(update_fields=["status", "done_on", "updated_at"])
    return obligation


# --- Lifecycle ------------------------------------------------------------------------------------------


def _refuse_move(current: str, target: str, allowed: tuple[str, ...], label: Any) -> ValidationError:
    names = ", ".join(f"« {label(s)} »" for s in allowed) or _("none (final status)")
    return ValidationError(
        _(
            "The status is « %(current)s »: it cannot move to « %(target)s ». Allowed next statuses: %(allowed)s."
        )
        % {"current": label(current), "target": label(target), "allowed": names},
        code="transition",
    )


def _four_eyes_validated(agreement: Agreement, actor: Any) -> bool:
    return (
        Validation.objects.filter(
            agreement=agreement,
            version=agreement.version,
            validated_by__is_active=True,
            validated_by__role__in=STAFF_ROLES,
        )
        .exclude(validated_by_id=agreement.owner_id)
        .exclude(validated_by_id=actor.pk)
        .exists()
    )


def _current_expiry(agreement: Agreement) -> dt.date | None:
    return (
        Agreement.objects.filter(pk=agreement.pk)
        .annotate(current=current_expiry_expression())
        .values_list("current", flat=True)
        .first()
    )


def _guard(agreement: Agreement, to_status: str, actor: Any, comment: str) -> list[str]:
    """What stops ``agreement`` from moving to ``to_status`` (empty: nothing)."""
    problems: list[str] = []
    today = _today()
    if to_status == AgreementStatus.DELIBERATION:
        if not agreement.parties.exists():
            problems.append(_("Before deliberation, the agreement needs at least one party."))
        if not (agreement.purpose or "").strip():
            problems.append(_("Before deliberation, the agreement needs a purpose."))
    elif to_status == AgreementStatus.SIGNATURE:
        if not agreement.deliberations.filter(amendment__isnull=True).exists():
            problems.append(_("Before signature, record at least one deliberation approving the agreement."))
        if four_eyes_required(agreement) and not _four_eyes_validated(agreement, actor):
            problems.append(
                _(
                    "The total amount (%(amount)s €) exceeds %(threshold)s €: before signature, an agent "
                    "other than the owner and than you must validate the current version of the agreement."
                )
                % {
                    "amount": euros(agreement.total_amount),
                    "threshold": euros(settings.AGREEMENT_FOUR_EYES_THRESHOLD),
                }
            )
    elif to_status == AgreementStatus.IN_FORCE:
        signatories = list(agreement.parties.filter(role=PartyRole.SIGNATORY).select_related("organization"))
        if not signatories:
            problems.append(_("To come into force, the agreement needs at least one signatory party."))
        unsigned = [str(party.organization) for party in signatories if party.signed_on is None]
        if unsigned:
            problems.append(
                _("These signatory parties have not signed yet: %(names)s.") % {"names": ", ".join(unsigned)}
            )
        if agreement.signed_on is None:
            problems.append(_("Record the signature date of the agreement."))
        if agreement.effective_on is None:
            problems.append(_("Record the effective date of the agreement."))
    elif to_status == AgreementStatus.EXPIRED:
        expiry = _current_expiry(agreement)
        if expiry is None:
            problems.append(_("The agreement has no expiry date: it cannot expire (terminate it instead)."))
        elif expiry >= today:
            problems.append(
                _("The agreement can expire only once its expiry date is past: it expires on %(date)s.")
                % {"date": expiry.strftime("%d/%m/%Y")}
            )
    elif to_status == AgreementStatus.RENEWED:
        expiry = _current_expiry(agreement)
        if not agreement.tacit_renewal:
            problems.append(_("This agreement has no tacit renewal clause: it cannot be renewed tacitly."))
        if not agreement.renewal_period_months:
            problems.append(_("Record the renewal period before renewing the agreement."))
        if expiry is None:
            problems.append(_("The agreement has no expiry date: there is nothing to renew."))
        elif agreement.tacit_renewal:
            deadline = expiry - dt.timedelta(days=agreement.notice_days or 0)
            if today < deadline:
                problems.append(
                    _(
                        "Tacit renewal happens once the notice deadline (%(date)s) has passed without "
                        "notice being given."
                    )
                    % {"date": deadline.strftime("%d/%m/%Y")}
                )
    elif to_status == AgreementStatus.TERMINATED:
        if not (comment or "").strip():
            problems.append(_("Give the reason for the termination in the comment."))
    return problems


@transaction.atomic
def agreement_transition(
    *, agreement: Agreement, to_status: str, actor: Any, comment: str = "", expected_version: int
) -> Agreement:
    """Move a convention in its lifecycle (AGREEMENT_TRANSITIONS) if its guards allow; record the move."""
    _require_staff_actor(actor)
    locked = _lock(agreement)
    if locked.version != expected_version:
        raise ConcurrentEditError()
    allowed = AGREEMENT_TRANSITIONS.get(locked.status, ())
    if to_status not in allowed:
        raise _refuse_move(locked.status, to_status, allowed, _status_label)
    if problems := _guard(locked, to_status, actor, comment):
        raise ValidationError(problems, code="guard")
    from_status = locked.status
    comment = (comment or "").strip()
    if to_status == AgreementStatus.RENEWED:
        previous = _current_expiry(locked)
        locked.expires_on = add_months(previous, locked.renewal_period_months)
        note = _("Tacit renewal: the expiry date moves from %(old)s to %(new)s.") % {
            "old": previous.strftime("%d/%m/%Y"),
            "new": locked.expires_on.strftime("%d/%m/%Y"),
        }
        comment = f"{comment}\n{note}".strip()
    locked.status = to_status
    save_versioned(locked, expected_version=expected_version)
    Transition.objects.create(
        agreement=locked, from_status=from_status, to_status=to_status, actor=actor, comment=comment
    )
    for name in ("status", "version", "expires_on", "updated_at"):
        setattr(agreement, name, getattr(locked, name))
    return agreement


@transaction.atomic
def agreement_validate(
    *, agreement: Agreement, validator: Any, expected_version: int | None = None
) -> Validation:
    """Four eyes: a second agent validates the current version of a convention above the threshold."""
    locked = _lock(agreement)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentEditError()
    if not _is_active_staff(validator):
        raise ValidationError(_("Only an active agent or administrator of the metropole can validate."))
    if validator.pk == locked.owner_id:
        raise ValidationError(
            _("The owner of the agreement cannot validate it: the four-eyes rule needs another agent.")
        )
    if locked.status not in TERMS_OPEN:
        raise ValidationError(
            _("Validation happens before signature; this agreement is « %(status)s ».")
            % {"status": _status_label(locked.status)}
        )
    if not four_eyes_required(locked):
        raise ValidationError(
            _("The total amount does not exceed %(threshold)s €: no second validation is needed.")
            % {"threshold": euros(settings.AGREEMENT_FOUR_EYES_THRESHOLD)}
        )
    existing = Validation.objects.filter(agreement=locked, version=locked.version, validated_by=validator)
    if validation := existing.first():
        return validation
    return Validation.objects.create(agreement=locked, validated_by=validator, version=locked.version)


# --- Amendments ---------------------------------------------------------------------------------------


def _check_new_expiry(agreement: Agreement, new_expires_on: dt.date | None) -> None:
    if new_expires_on and agreement.effective_on and new_expires_on <= agreement.effective_on:
        raise ValidationError({"new_expires_on": _("The expiry date must come after the effective date.")})


@transaction.atomic
def amendment_create(*, agreement: Agreement, data: dict[str, Any]) -> Amendment:
    """Open an amendment (numbered 1, 2, … per convention) on a convention in force."""
    locked = _lock(agreement)
    if locked.status not in AMENDABLE:
        raise ValidationError(
            _("Only an agreement in force can be amended; this one is « %(status)s ».")
            % {"status": _status_label(locked.status)}
        )
    amendment = Amendment(
        agreement=locked,
        purpose=data.get("purpose", ""),
        new_expires_on=data.get("new_expires_on"),
        number=(locked.amendments.aggregate(last=Max("number"))["last"] or 0) + 1,
    )
    if not (amendment.purpose or "").strip():
        raise ValidationError({"purpose": _("Describe the purpose of the amendment.")})
    _check_new_expiry(locked, amendment.new_expires_on)
    amendment.full_clean(exclude=["agreement"])
    amendment.save()
    return amendment


@transaction.atomic
def amendment_update(*, amendment: Amendment, data: dict[str, Any], expected_version: int) -> Amendment:
    """Purpose and new expiry while negotiated; the signature date at signature."""
    if amendment.status in AMENDMENT_OPEN:
        allowed: tuple[str, ...] = ("purpose", "new_expires_on")
    elif amendment.status == AmendmentStatus.SIGNATURE:
        allowed = ("signed_on",)
    else:
        allowed = ()
    locked = [
        k
        for k, v in data.items()
        if k in AMENDMENT_FIELDS and k not in allowed and getattr(amendment, k) != v
    ]
    if locked:
        message = _("This amendment is « %(status)s »: this field can no longer change.") % {
            "status": _amendment_status_label(amendment.status)
        }
        raise ValidationError({key: message for key in locked})
    for key in allowed:
        if key in data:
            setattr(amendment, key, data[key])
    if not (amendment.purpose or "").strip():
        raise ValidationError({"purpose": _("Describe the purpose of the amendment.")})
    if amendment.signed_on and amendment.signed_on > _today():
        raise ValidationError({"signed_on": _("The signature date cannot be in the future.")})
    _check_new_expiry(amendment.agreement, amendment.new_expires_on)
    amendment.full_clean()
    save_versioned(amendment, expected_version=expected_version)
    return amendment


def _require_amendment_open(amendment: Amendment) -> None:
    if amendment.status not in AMENDMENT_OPEN:
        raise ValidationError(
            _("This amendment is « %(status)s »: its changes can no longer change.")
            % {"status": _amendment_status_label(amendment.status)}
        )


@transaction.atomic
def amendment_change_add(*, amendment: Amendment, data: dict[str, Any]) -> AmendmentChange:
    """Add a change (party added or withdrawn, commitment changed) that must fit the current state."""
    amendment = Amendment.objects.select_for_update().select_related("agreement").get(pk=amendment.pk)
    _require_amendment_open(amendment)
    change = AmendmentChange(
        amendment=amendment,
        kind=data.get("kind"),
        organization=data.get("organization"),
        role=data.get("role") or "",
        year=data.get("year"),
        amount=data.get("amount"),
    )
    errors: dict[str, str] = {}
    if change.kind == AmendmentChange.Kind.ADD_PARTY and not change.role:
        errors["role"] = _("Give the role of the party added.")
    if change.kind == AmendmentChange.Kind.COMMITMENT:
        if change.year is None or not 2000 <= change.year <= 2100:
            errors["year"] = _("Give a year between 2000 and 2100.")
        if change.amount is None or change.amount < 0:
            errors["amount"] = _("A commitment cannot be negative.")
    else:
        change.year, change.amount = None, None
    if errors:
        raise ValidationError(errors)
    change.full_clean(exclude=["amendment"])
    changes = list(amendment.changes.select_related("organization")) + [change]
    agreement_consolidated(amendment.agreement, including=amendment, including_changes=changes)
    change.save()
    return change


@transaction.atomic
def amendment_change_delete(*, change: AmendmentChange) -> None:
    _require_amendment_open(change.amendment)
    change.delete()


def _amendment_guard(amendment: Amendment, to_status: str) -> list[str]:
    problems: list[str] = []
    if to_status == AmendmentStatus.DELIBERATION:
        if not amendment.changes.exists() and not amendment.new_expires_on:
            problems.append(
                _("Before deliberation, the amendment needs at least one change or a new expiry date.")
            )
    elif to_status == AmendmentStatus.SIGNATURE:
        if not amendment.deliberations.exists():
            problems.append(_("Before signature, record at least one deliberation approving the amendment."))
    elif to_status == AmendmentStatus.IN_FORCE:
        if amendment.signed_on is None:
            problems.append(_("Record the signature date of the amendment."))
        if amendment.agreement.status not in AMENDABLE:
            problems.append(
                _(
                    "Only an amendment to an agreement in force can come into force; the agreement is « %(status)s »."
                )
                % {"status": _status_label(amendment.agreement.status)}
            )
        if not problems:
            try:
                agreement_consolidated(amendment.agreement, including=amendment)
            except ValidationError as error:
                problems.extend(error.messages)
    return problems


@transaction.atomic
def amendment_transition(
    *, amendment: Amendment, to_status: str, actor: Any, comment: str = "", expected_version: int
) -> Amendment:
    """Move an amendment in its lifecycle (AMENDMENT_TRANSITIONS); recorded with the agreement's moves."""
    _require_staff_actor(actor)
    locked = Amendment.objects.select_for_update().select_related("agreement").get(pk=amendment.pk)
    if locked.version != expected_version:
        raise ConcurrentEditError()
    allowed = AMENDMENT_TRANSITIONS.get(locked.status, ())
    if to_status not in allowed:
        raise _refuse_move(locked.status, to_status, allowed, _amendment_status_label)
    if problems := _amendment_guard(locked, to_status):
        raise ValidationError(problems, code="guard")
    from_status = locked.status
    locked.status = to_status
    save_versioned(locked, expected_version=expected_version)
    Transition.objects.create(
        agreement_id=locked.agreement_id,
        amendment=locked,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        comment=(comment or "").strip(),
    )
    amendment.status, amendment.version = locked.status, locked.version
    return amendment
