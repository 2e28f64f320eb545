"""Pages of the register of conventions. Everyone sees what ``agreement_visible_to`` lets them see;
in this first version only the metropole's agents and administrators change anything."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from maillage.agreements import perms, selectors, services
from maillage.agreements.forms import (
    AgreementFilterForm,
    AgreementForm,
    AmendmentChangeForm,
    AmendmentForm,
    AmendmentTransitionForm,
    CommitmentForm,
    DeliberationForm,
    ObligationForm,
    PaidForm,
    PartyForm,
    PaymentForm,
    SignForm,
    TransitionForm,
    ValidateForm,
)
from maillage.agreements.models import (
    AMENDMENT_TRANSITIONS,
    Agreement,
    AgreementParty,
    AgreementStatus,
    Amendment,
    AmendmentChange,
    AmendmentStatus,
    Commitment,
    Obligation,
    ObligationStatus,
    Payment,
)
from maillage.core.access import PUBLIC, STAFF, access
from maillage.core.audit import history_for
from maillage.core.exports import EXPORT_FORMATS, Column, export_response
from maillage.core.forms import add_service_errors
from maillage.core.paging import paginate, querystring_without_page

EXPORT_COLUMNS = [
    Column(gettext_lazy("Reference"), lambda a: a.reference),
    Column(gettext_lazy("Title"), lambda a: a.title),
    Column(gettext_lazy("Kind"), lambda a: a.kind.name),
    Column(gettext_lazy("Status"), lambda a: a.get_status_display()),
    Column(
        gettext_lazy("Parties"),
        lambda a: "; ".join(f"{p.organization.name} ({p.get_role_display()})" for p in a.parties.all()),
    ),
    Column(gettext_lazy("Themes"), lambda a: "; ".join(str(t) for t in a.themes.all())),
    Column(gettext_lazy("Total amount (€)"), lambda a: a.total_amount),
    Column(gettext_lazy("Signature date"), lambda a: a.signed_on),
    Column(gettext_lazy("Effective date"), lambda a: a.effective_on),
    Column(gettext_lazy("Expiry date"), lambda a: a.current_expires_on),
    Column(gettext_lazy("Tacit renewal"), lambda a: _("yes") if a.tacit_renewal else _("no")),
    Column(gettext_lazy("Public"), lambda a: _("yes") if a.is_public else _("no")),
]


def _detail_url(pk: int, anchor: str = "") -> str:
    url = reverse("agreements:detail", args=[pk])
    return f"{url}#{anchor}" if anchor else url


def _errors_to_messages(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _form_page(
    request: HttpRequest, form: Any, *, title: str, agreement: Agreement, **extra: Any
) -> HttpResponse:
    context = {"form": form, "title": title, "agreement": agreement, "cancel_url": _detail_url(agreement.pk)}
    context.update(extra)
    return render(request, "agreements/simple_form.html", context)


# --- Register ------------------------------------------------------------------------------------------


@access(PUBLIC)
def agreement_list_view(request: HttpRequest) -> HttpResponse:
    form = AgreementFilterForm(request.GET or None, user=request.user)
    agreements = selectors.agreement_list(user=request.user, **form.filters())
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return export_response(agreements, EXPORT_COLUMNS, filename="conventions", fmt=fmt)
    if form.is_bound and form.is_valid() and form.notice:
        messages.info(request, form.notice)
    count, total = selectors.agreement_list_summary(agreements)
    return render(
        request,
        "agreements/agreement_list.html",
        {
            "form": form,
            "page": paginate(request, agreements, count=count),
            "total": total,
            "querystring": querystring_without_page(request),
            "can_create": perms.can_manage_agreements(request.user),
        },
    )


# --- Detail ----------------------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    date: dt.date
    label: str
    detail: str = ""
    at: dt.datetime | None = None  # for events with a time: orders them within their day

    @property
    def sort_key(self) -> tuple:
        return (self.date, self.at is not None, self.at.timestamp() if self.at else 0)


def _status_label(value: str, *, amendment: bool = False) -> str:
    choices = AmendmentStatus if amendment else AgreementStatus
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _timeline(
    agreement: Agreement, *, internal: bool, amendments: list[Amendment], obligations: list
) -> list:
    shown = {a.pk: a for a in amendments}
    entries: list[TimelineEntry] = []
    for move in agreement.transitions.all():
        day = timezone.localtime(move.at).date()
        if move.amendment_id is None:
            label = _("Status: %(from)s → %(to)s") % {
                "from": _status_label(move.from_status),
                "to": _status_label(move.to_status),
            }
        elif move.amendment_id in shown:
            label = _("Amendment no. %(number)s: %(from)s → %(to)s") % {
                "number": shown[move.amendment_id].number,
                "from": _status_label(move.from_status, amendment=True),
                "to": _status_label(move.to_status, amendment=True),
            }
        else:
            continue
        detail = ""
        if internal:
            detail = " – ".join(x for x in (str(move.actor) if move.actor else "", move.comment) if x)
        entries.append(TimelineEntry(day, label, detail, at=move.at))
    for amendment in amendments:
        entries.append(
            TimelineEntry(
                timezone.localtime(amendment.created_at).date(),
                _("Amendment no. %(number)s opened") % {"number": amendment.number},
                amendment.purpose,
                at=amendment.created_at,
            )
        )
    for party in agreement.parties.all():
        if party.signed_on:
            entries.append(
                TimelineEntry(party.signed_on, _("Signed by %(name)s") % {"name": party.organization})
            )
    for deliberation in agreement.deliberations.all():
        entries.append(TimelineEntry(deliberation.date, _("Deliberation: %(act)s") % {"act": deliberation}))
    parties = {party.pk: party for party in agreement.parties.all()}
    for payment in agreement.payments.all():
        target = parties[payment.party_id].organization
        amount = services.euros(payment.amount)
        if payment.paid_on:
            label = _("Payment of %(amount)s € made to %(party)s") % {"amount": amount, "party": target}
            entries.append(TimelineEntry(payment.paid_on, label, payment.label))
        else:
            label = _("Payment of %(amount)s € planned to %(party)s") % {"amount": amount, "party": target}
            entries.append(TimelineEntry(payment.planned_on, label, payment.label))
    for obligation in obligations:
        if obligation.status == ObligationStatus.DONE and obligation.done_on:
            entries.append(
                TimelineEntry(obligation.done_on, _("Obligation done: %(title)s") % {"title": obligation})
            )
        else:
            entries.append(
                TimelineEntry(obligation.due_on, _("Obligation due: %(title)s") % {"title": obligation})
            )
    return sorted(entries, key=lambda entry: entry.sort_key)


def _get_visible(request: HttpRequest, pk: int) -> Agreement:
    try:
        return selectors.agreement_detail(user=request.user, pk=pk)
    except Agreement.DoesNotExist:
        raise Http404(_("This agreement does not exist or is not visible to you.")) from None


@access(PUBLIC)
def agreement_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _get_visible(request, pk)
    user = request.user
    staff = perms.can_manage_agreements(user)
    internal = perms.can_see_internal(user)
    amendments = [a for a in agreement.amendments.all() if internal or a.status == AmendmentStatus.IN_FORCE]
    obligations = list(agreement.obligations.all()) if perms.can_see_obligations(user, agreement) else None
    base = selectors.base_state(agreement)
    consolidation_error = ""
    try:
        consolidated = selectors.agreement_consolidated(agreement)
    except ValidationError as error:  # an amendment in force no longer fits: say so, show the base
        consolidated, consolidation_error = None, " ".join(error.messages)
    payments = list(agreement.payments.all())
    parties = {party.pk: party for party in agreement.parties.all()}
    for payment in payments:
        payment.party_cached = parties[payment.party_id]
    commitments = list(agreement.commitments.all())
    for commitment in commitments:
        commitment.party_cached = parties[commitment.party_id]
    planned_total = sum((p.amount for p in payments), Decimal("0"))
    paid_total = sum((p.amount for p in payments if p.paid_on), Decimal("0"))
    next_statuses = [(s, _status_label(s)) for s in agreement.allowed_transitions()] if staff else []
    return render(
        request,
        "agreements/agreement_detail.html",
        {
            "agreement": agreement,
            "parties": list(agreement.parties.all()),
            "base": base,
            "consolidated": consolidated,
            "consolidation_error": consolidation_error,
            "payments": payments,
            "commitments": commitments,
            "planned_total": planned_total,
            "paid_total": paid_total,
            "remaining_total": planned_total - paid_total,
            "deliberations": list(agreement.deliberations.all()),
            "obligations": obligations,
            "amendments": amendments,
            "timeline": _timeline(
                agreement, internal=internal, amendments=amendments, obligations=obligations or []
            ),
            "today": timezone.localdate(),
            "can_manage": staff,
            "internal": internal,
            "terms_open": agreement.status in services.TERMS_OPEN,
            "at_signature": agreement.status == AgreementStatus.SIGNATURE,
            "amendable": agreement.status in services.AMENDABLE,
            "payable": agreement.status in selectors.SIGNED_STATUSES,
            "next_statuses": next_statuses,
            "four_eyes": selectors.four_eyes_state(agreement) if internal else None,
            "can_validate": perms.can_validate_agreement(user, agreement),
            "read_only_party": not staff and selectors.is_party_correspondent(user, agreement),
            "history": history_for(agreement) if internal else None,
        },
    )


# --- Create and edit -----------------------------------------------------------------------------------


@access(STAFF)
def agreement_create_view(request: HttpRequest) -> HttpResponse:
    form = AgreementForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_create(
                data=form.agreement_data(), themes=form.cleaned_data["themes"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The agreement %(reference)s was created.") % {"reference": agreement.reference}
            )
            return redirect("agreements:detail", pk=agreement.pk)
    return render(request, "agreements/agreement_form.html", {"form": form, "creating": True})


@access(STAFF)
def agreement_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(Agreement.objects.prefetch_related("themes"), pk=pk)
    form = AgreementForm(request.POST or None, instance=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_update(
                agreement=agreement,
                data=form.agreement_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                themes=form.cleaned_data["themes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("agreements:detail", pk=agreement.pk)
    return render(request, "agreements/agreement_form.html", {"form": form, "agreement": agreement})


# --- Lifecycle and four eyes ----------------------------------------------------------------------------


@access(STAFF)
@require_POST
def agreement_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(Agreement, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the status to move to."))
        return redirect(_detail_url(pk, "lifecycle"))
    try:
        services.agreement_transition(
            agreement=agreement,
            to_status=form.cleaned_data["to_status"],
            actor=request.user,
            comment=form.cleaned_data["comment"],
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(
            request, _("The agreement is now « %(status)s ».") % {"status": agreement.get_status_display()}
        )
    return redirect(_detail_url(pk, "lifecycle"))


@access(STAFF)
@require_POST
def agreement_validate_view(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(Agreement, pk=pk)
    form = ValidateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and validate again."))
        return redirect(_detail_url(pk, "lifecycle"))
    try:
        services.agreement_validate(
            agreement=agreement, validator=request.user, expected_version=form.cleaned_data["version"]
        )
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, _("You validated this version of the agreement."))
    return redirect(_detail_url(pk, "lifecycle"))


# --- Parties and money -----------------------------------------------------------------------------------


@access(STAFF)
def party_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(Agreement, pk=pk)
    form = PartyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.party_add(agreement=agreement, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Party added."))
            return redirect(_detail_url(pk, "parties"))
    return _form_page(request, form, title=_("Add a party"), agreement=agreement)


@access(STAFF)
@require_POST
def party_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    party = get_object_or_404(AgreementParty.objects.select_related("agreement", "organization"), pk=pk)
    try:
        services.party_remove(party=party)
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, _("%(name)s is no longer a party.") % {"name": party.organization})
    return redirect(_detail_url(party.agreement_id, "parties"))


@access(STAFF)
def party_sign_view(request: HttpRequest, pk: int) -> HttpResponse:
    party = get_object_or_404(AgreementParty.objects.select_related("agreement", "organization"), pk=pk)
    form = SignForm(request.POST or None, initial={"signed_on": party.signed_on or timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.party_sign(party=party, signed_on=form.cleaned_data["signed_on"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Signature of %(name)s recorded.") % {"name": party.organization})
            return redirect(_detail_url(party.agreement_id, "parties"))
    title = _("Signature of %(name)s") % {"name": party.organization}
    return _form_page(request, form, title=title, agreement=party.agreement)


@access(STAFF)
def commitment_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(Agreement, pk=pk)
    form = CommitmentForm(request.POST or None, agreement=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            services.commitment_set(agreement=agreement, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Commitment recorded."))
            return redirect(_detail_url(pk, "money"))
    return _form_page(request, form, title=_("Record a commitment"), agreement=agreement)


@access(STAFF)
@require_POST
def commitment_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_object_or_404(Commitment.objects.select_related("agreement"), pk=pk)
    try:
        services.commitment_delete(commitment=commitment)
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, _("Commitment deleted."))
    return redirect(_detail_url(commitment.agreement_id, "money"))


@access(STAFF)
def payment_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(Agreement, pk=pk)
    form = PaymentForm(request.POST or None, agreement=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_create(agreement=agreement, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Payment recorded."))
            return redirect(_detail_url(pk, "money"))
    return _form_page(request, form, title=_("Record a payment"), agreement=agreement)


@access(STAFF)
def payment_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    payment = get_object_or_404(Payment.objects.select_related("agreement"), pk=pk)
    form = PaymentForm(request.POST or None, instance=payment, agreement=payment.agreement)
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_update(payment=payment, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Payment saved."))
            return redirect(_detail_url(payment.agreement_id, "money"))
    return _form_page(request, form, title=_("Edit a payment"), agreement=payment.agreement)


@access(STAFF)
@require_POST
def payment_mark_paid_view(request: HttpRequest, pk: int) -> HttpResponse:
    payment = get_object_or_404(Payment.objects.select_related("agreement"), pk=pk)
    form = PaidForm(request.POST)
    paid_on = form.cleaned_data["paid_on"] if form.is_valid() else None
    try:
        services.payment_mark_paid(payment=payment, paid_on=paid_on)
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, _("Payment marked as made."))
    return redirect(_detail_url(payment.agreement_id, "money"))


# --- Deliberations and obligations --------------------------------------------------------------------


@access(STAFF)
def deliberation_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(Agreement, pk=pk)
    initial = {}
    if amendment := request.GET.get("amendment", ""):
        initial["amendment"] = amendment if amendment.isdigit() else None
    form = DeliberationForm(request.POST or None, agreement=agreement, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            deliberation = services.deliberation_create(agreement=agreement, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Deliberation recorded."))
            if deliberation.amendment_id:
                return redirect("agreements:amendment_detail", pk=deliberation.amendment_id)
            return redirect(_detail_url(pk, "deliberations"))
    return _form_page(request, form, title=_("Record a deliberation"), agreement=agreement)


@access(STAFF)
def obligation_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(Agreement, pk=pk)
    form = ObligationForm(request.POST or None, agreement=agreement, initial={"owner": agreement.owner_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.obligation_create(agreement=agreement, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Obligation recorded."))
            return redirect(_detail_url(pk, "obligations"))
    return _form_page(request, form, title=_("Add an obligation"), agreement=agreement)


@access(STAFF)
def obligation_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    obligation = get_object_or_404(Obligation.objects.select_related("agreement"), pk=pk)
    form = ObligationForm(request.POST or None, instance=obligation, agreement=obligation.agreement)
    if request.method == "POST" and form.is_valid():
        try:
            services.obligation_update(obligation=obligation, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Obligation saved."))
            return redirect(_detail_url(obligation.agreement_id, "obligations"))
    return _form_page(request, form, title=_("Edit an obligation"), agreement=obligation.agreement)


@access(STAFF)
@require_POST
def obligation_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    obligation = get_object_or_404(Obligation, pk=pk)
    if obligation.status == ObligationStatus.DONE:
        messages.info(request, _("This obligation was already done."))
    else:
        try:
            services.obligation_complete(obligation=obligation)
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            messages.success(
                request, _("Obligation « %(title)s » marked as done.") % {"title": obligation.title}
            )
    return redirect(_detail_url(obligation.agreement_id, "obligations"))


# --- Amendments ---------------------------------------------------------------------------------------


@access(STAFF)
def amendment_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(Agreement, pk=pk)
    form = AmendmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            amendment = services.amendment_create(agreement=agreement, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Amendment no. %(number)s opened.") % {"number": amendment.number})
            return redirect("agreements:amendment_detail", pk=amendment.pk)
    return _form_page(request, form, title=_("New amendment"), agreement=agreement)


@access(STAFF)
def amendment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        amendment = selectors.amendment_detail(user=request.user, pk=pk)
    except Amendment.DoesNotExist:
        raise Http404(_("This amendment does not exist.")) from None
    return render(
        request,
        "agreements/amendment_detail.html",
        {
            "amendment": amendment,
            "agreement": amendment.agreement,
            "open": amendment.status in services.AMENDMENT_OPEN,
            "next_statuses": [
                (s, _status_label(s, amendment=True)) for s in AMENDMENT_TRANSITIONS[amendment.status]
            ],
            "transitions": [
                (
                    move,
                    _status_label(move.from_status, amendment=True),
                    _status_label(move.to_status, amendment=True),
                )
                for move in amendment.transitions.all()
            ],
        },
    )


@access(STAFF)
def amendment_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = get_object_or_404(Amendment.objects.select_related("agreement"), pk=pk)
    form = AmendmentForm(request.POST or None, instance=amendment)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.amendment_update(
                amendment=amendment, data=data, expected_version=form.cleaned_data.get("version") or 0
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("agreements:amendment_detail", pk=amendment.pk)
    title = _("Edit amendment no. %(number)s") % {"number": amendment.number}
    cancel = reverse("agreements:amendment_detail", args=[amendment.pk])
    return _form_page(request, form, title=title, agreement=amendment.agreement, cancel_url=cancel)


@access(STAFF)
def amendment_change_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = get_object_or_404(Amendment.objects.select_related("agreement"), pk=pk)
    form = AmendmentChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.amendment_change_add(amendment=amendment, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Change added to the amendment."))
            return redirect("agreements:amendment_detail", pk=amendment.pk)
    title = _("Add a change to amendment no. %(number)s") % {"number": amendment.number}
    cancel = reverse("agreements:amendment_detail", args=[amendment.pk])
    return _form_page(request, form, title=title, agreement=amendment.agreement, cancel_url=cancel)


@access(STAFF)
@require_POST
def amendment_change_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(AmendmentChange.objects.select_related("amendment"), pk=pk)
    try:
        services.amendment_change_delete(change=change)
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, _("Change removed from the amendment."))
    return redirect("agreements:amendment_detail", pk=change.amendment_id)


@access(STAFF)
@require_POST
def amendment_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = get_object_or_404(Amendment, pk=pk)
    form = AmendmentTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the status to move to."))
        return redirect("agreements:amendment_detail", pk=pk)
    try:
        services.amendment_transition(
            amendment=amendment,
            to_status=form.cleaned_data["to_status"],
            actor=request.user,
            comment=form.cleaned_data["comment"],
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(
            request, _("The amendment is now « %(status)s ».") % {"status": amendment.get_status_display()}
        )
    return redirect("agreements:amendment_detail", pk=pk)
