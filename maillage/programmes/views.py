from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from maillage.core.access import AUTHENTICATED, OWN_ORGANIZATION, PUBLIC, STAFF, access, require
from maillage.core.audit import history_for
from maillage.core.exports import EXPORT_FORMATS, Column, export_response
from maillage.core.forms import add_service_errors
from maillage.core.paging import paginate, querystring_without_page
from maillage.programmes import perms, selectors, services
from maillage.programmes.forms import (
    CommitteeForm,
    DecisionForm,
    ExperimentFilterForm,
    ExperimentForm,
    ExperimentHostForm,
    IndicatorForm,
    MeasureForm,
    ParticipantForm,
    ProgrammeFilterForm,
    ProgrammeForm,
)
from maillage.programmes.models import (
    Decision,
    Experiment,
    ExperimentStatus,
    Programme,
    ProgrammeParticipant,
)


def _names(items: Any) -> str:
    return "; ".join(items)


PROGRAMME_COLUMNS = [
    Column(gettext_lazy("Programme"), lambda p: p.name),
    Column(gettext_lazy("Acronym"), lambda p: p.acronym),
    Column(gettext_lazy("Level"), lambda p: p.get_level_display()),
    Column(gettext_lazy("Funder"), lambda p: p.funder),
    Column(
        gettext_lazy("Participants"),
        lambda p: _names(f"{x.organization.name} ({x.get_role_display()})" for x in p.participants.all()),
    ),
    Column(gettext_lazy("Themes"), lambda p: _names(str(theme) for theme in p.themes.all())),
    Column(gettext_lazy("Experiments"), lambda p: p.experiment_count),
    Column(gettext_lazy("Start date"), lambda p: p.start_date),
    Column(gettext_lazy("End date"), lambda p: p.end_date),
    Column(gettext_lazy("Web page"), lambda p: p.url),
]

EXPERIMENT_COLUMNS = [
    Column(gettext_lazy("Experiment"), lambda e: e.title),
    Column(gettext_lazy("Status"), lambda e: e.get_status_display()),
    Column(gettext_lazy("Programme"), lambda e: e.programme.name if e.programme else ""),
    Column(gettext_lazy("Host commune"), lambda e: e.host_commune.name),
    Column(gettext_lazy("INSEE code"), lambda e: e.host_commune_id),
    Column(gettext_lazy("Host site"), lambda e: e.host_site),
    Column(gettext_lazy("Start date"), lambda e: e.start_date),
    Column(gettext_lazy("End date"), lambda e: e.end_date),
    Column(gettext_lazy("Solution tested"), lambda e: e.solution.title if e.solution else ""),
    Column(gettext_lazy("Co-financing (€)"), lambda e: e.cofinancing_eur),
    Column(gettext_lazy("Decision"), lambda e: e.get_decision_display()),
    Column(gettext_lazy("Decision date"), lambda e: e.decision_date),
    Column(gettext_lazy("Hypothesis"), lambda e: e.hypothesis),
]


# --- Programmes ------------------------------------------------------------------------------


@access(PUBLIC)
def programme_list_view(request: HttpRequest) -> HttpResponse:
    form = ProgrammeFilterForm(request.GET or None)
    programmes = selectors.programme_list(**form.filters())
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return export_response(programmes, PROGRAMME_COLUMNS, filename="programmes", fmt=fmt)
    page = paginate(request, programmes)
    for programme in page:
        programme.leads = [p for p in programme.participants.all() if p.role == "lead"]
    return render(
        request,
        "programmes/programme_list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring_without_page(request),
            "can_create": perms.can_manage_programmes(request.user),
        },
    )


@access(PUBLIC)
def programme_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        programme = selectors.programme_detail(user=request.user, pk=pk)
    except Programme.DoesNotExist:
        raise Http404(_("This programme does not exist.")) from None
    can_edit = perms.can_manage_programmes(request.user)
    participants = sorted(
        programme.participants.all(),
        key=lambda p: (selectors.ROLE_ORDER.index(p.role), p.organization.name),
    )
    return render(
        request,
        "programmes/programme_detail.html",
        {
            "programme": programme,
            "participants": participants,
            "solutions": list(programme.solutions.all()),
            "agreements": list(programme.agreements.all()),
            "experiments": selectors.programme_experiments(user=request.user, programme=programme),
            "signed_in": selectors.signed_in(request.user),
            "can_edit": can_edit,
            "can_create_experiment": perms.can_create_experiment(request.user),
            "history": history_for(programme) if can_edit else None,
        },
    )


@access(STAFF)
def programme_create_view(request: HttpRequest) -> HttpResponse:
    require(request, perms.can_manage_programmes(request.user))
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(
                data=form.programme_data(),
                themes=form.cleaned_data["themes"],
                solutions=form.cleaned_data["solutions"],
                agreements=form.cleaned_data["agreements"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The programme « %(name)s » was created.") % {"name": programme.name})
            return redirect("programmes:programme_detail", pk=programme.pk)
    return render(request, "programmes/programme_form.html", {"form": form, "creating": True})


@access(STAFF)
def programme_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.prefetch_related("themes"), pk=pk)
    require(request, perms.can_manage_programmes(request.user))
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_update(
                programme=programme,
                data=form.programme_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                themes=form.cleaned_data["themes"],
                solutions=form.cleaned_data["solutions"],
                agreements=form.cleaned_data["agreements"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("programmes:programme_detail", pk=programme.pk)
    return render(request, "programmes/programme_form.html", {"form": form, "programme": programme})


@access(STAFF)
def participant_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    require(request, perms.can_manage_programmes(request.user))
    form = ParticipantForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.participant_add(
                programme=programme,
                organization=form.cleaned_data["organization"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("« %(name)s » takes part in the programme as « %(role)s ».")
                % {"name": participant.organization.name, "role": participant.get_role_display()},
            )
            return redirect("programmes:programme_detail", pk=programme.pk)
    return render(request, "programmes/participant_form.html", {"form": form, "programme": programme})


@access(STAFF)
@require_POST
def participant_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    require(request, perms.can_manage_programmes(request.user))
    raw = request.POST.get("participant", "")
    participant = (
        ProgrammeParticipant.objects.select_related("organization")
        .filter(programme=programme, pk=raw)
        .first()
        if raw.isdigit()
        else None
    )
    if participant is None:
        messages.error(request, _("This organisation does not take part in the programme (any more)."))
    else:
        name = participant.organization.name
        services.participant_remove(participant=participant)
        messages.success(request, _("« %(name)s » no longer takes part in the programme.") % {"name": name})
    return redirect("programmes:programme_detail", pk=programme.pk)


# --- Experiments -----------------------------------------------------------------------------


@access(AUTHENTICATED)
def experiment_list_view(request: HttpRequest) -> HttpResponse:
    form = ExperimentFilterForm(request.GET or None)
    experiments = selectors.experiment_list(user=request.user, **form.filters())
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return export_response(experiments, EXPERIMENT_COLUMNS, filename="experimentations", fmt=fmt)
    return render(
        request,
        "programmes/experiment_list.html",
        {
            "form": form,
            "page": paginate(request, experiments),
            "querystring": querystring_without_page(request),
            "can_create": perms.can_create_experiment(request.user),
        },
    )


def _get_experiment(request: HttpRequest, pk: int) -> Experiment:
    try:
        return selectors.experiment_detail(user=request.user, pk=pk)
    except Experiment.DoesNotExist:
        raise Http404(_("This experiment does not exist.")) from None


def _experiment_context(request: HttpRequest, experiment: Experiment) -> dict[str, Any]:
    user = request.user
    host_ids = selectors.host_organization_ids(experiment)
    can_edit = perms.can_edit_experiment(user, host_ids)
    can_move = perms.can_move_experiment(user)
    status = experiment.status
    alive = status not in (ExperimentStatus.REFUSED, ExperimentStatus.DECIDED)
    return {
        "experiment": experiment,
        "rows": selectors.indicator_rows(experiment),
        "can_edit": can_edit,
        "can_add_indicator": perms.can_record_measures(user, host_ids) and alive,
        "can_measure": perms.can_record_measures(user, host_ids)
        and status in (ExperimentStatus.RUNNING, ExperimentStatus.EVALUATION),
        "can_move": can_move,
        "statuses": ExperimentStatus,
        "resumable": status == ExperimentStatus.DECIDED and experiment.decision == Decision.EXTEND,
        "needs_committee": bool(experiment.programme and experiment.programme.requires_committee),
        "history": history_for(experiment) if can_edit else None,
    }


@access(AUTHENTICATED)
def experiment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = _get_experiment(request, pk)
    return render(request, "programmes/experiment_detail.html", _experiment_context(request, experiment))


@access(STAFF)
def experiment_create_view(request: HttpRequest) -> HttpResponse:
    require(request, perms.can_create_experiment(request.user))
    initial = {}
    if (programme := request.GET.get("programme", "")).isdigit():
        initial["programme"] = int(programme)
    if commune := request.GET.get("commune", ""):
        initial["host_commune"] = commune
    form = ExperimentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            experiment = services.experiment_create(data=form.experiment_data(), created_by=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The experiment « %(title)s » was proposed.") % {"title": experiment.title}
            )
            return redirect("programmes:experiment_detail", pk=experiment.pk)
    return render(request, "programmes/experiment_form.html", {"form": form, "creating": True})


def _experiment_for_host(request: HttpRequest, pk: int) -> Experiment:
    experiment = get_object_or_404(Experiment.objects.select_related("programme"), pk=pk)
    require(request, perms.can_edit_experiment(request.user, selectors.host_organization_ids(experiment)))
    return experiment


@access(OWN_ORGANIZATION)
def experiment_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff change everything; a correspondent of the host commune the description and the site."""
    experiment = _experiment_for_host(request, pk)
    full = perms.can_edit_experiment_fully(request.user)
    form_class = ExperimentForm if full else ExperimentHostForm
    form = form_class(request.POST or None, instance=experiment)
    if request.method == "POST" and form.is_valid():
        try:
            services.experiment_update(
                experiment=experiment,
                data=form.experiment_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                fields=services.EXPERIMENT_FIELDS + ("evaluation",) if full else services.HOST_FIELDS,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("programmes:experiment_detail", pk=experiment.pk)
    return render(
        request,
        "programmes/experiment_form.html",
        {"form": form, "experiment": experiment, "host_only": not full},
    )


@access(OWN_ORGANIZATION)
def indicator_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = _experiment_for_host(request, pk)
    form = IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.indicator_add(experiment=experiment, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Indicator « %(name)s » added.") % {"name": indicator.name})
            return redirect("programmes:experiment_detail", pk=experiment.pk)
    return render(
        request,
        "programmes/small_form.html",
        {"form": form, "experiment": experiment, "heading": _("Add an indicator")},
    )


@access(OWN_ORGANIZATION)
def measure_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = _experiment_for_host(request, pk)
    try:
        services.check_measurable(experiment)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("programmes:experiment_detail", pk=experiment.pk)
    form = MeasureForm(
        request.POST or None, experiment=experiment, initial={"measured_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_add(
                experiment=experiment,
                indicator=form.cleaned_data["indicator"],
                data=form.measure_data(),
                recorded_by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Measure of « %(name)s » recorded.") % {"name": form.cleaned_data["indicator"].name},
            )
            return redirect("programmes:experiment_detail", pk=experiment.pk)
    return render(
        request,
        "programmes/small_form.html",
        {"form": form, "experiment": experiment, "heading": _("Record a measure")},
    )


def _refused(request: HttpRequest, experiment: Experiment, to_status: str) -> HttpResponse | None:
    """A redirect to the experiment with the reason when the move its page prepares is not allowed."""
    try:
        services.check_transition(experiment, to_status)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("programmes:experiment_detail", pk=experiment.pk)
    return None


@access(STAFF)
def experiment_committee_view(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = get_object_or_404(Experiment.objects.select_related("programme"), pk=pk)
    require(request, perms.can_move_experiment(request.user))
    if refused := _refused(request, experiment, ExperimentStatus.RETAINED):
        return refused
    form = CommitteeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            experiment = services.experiment_committee(
                experiment=experiment,
                retained=data["outcome"] == ExperimentStatus.RETAINED,
                committee_date=data["committee_date"],
                opinion=data["opinion"],
                cofinancing_eur=data["cofinancing_eur"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The experiment is now « %(status)s ».") % {"status": experiment.get_status_display()},
            )
            return redirect("programmes:experiment_detail", pk=experiment.pk)
    return render(
        request,
        "programmes/small_form.html",
        {
            "form": form,
            "experiment": experiment,
            "heading": _("Selection by the committee"),
            "intro": _(
                "The programme requires an expert committee: give its date and opinion to retain the experiment."
            )
            if experiment.programme and experiment.programme.requires_committee
            else "",
        },
    )


@access(STAFF)
def experiment_decision_view(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = get_object_or_404(Experiment.objects.select_related("programme"), pk=pk)
    require(request, perms.can_move_experiment(request.user))
    if refused := _refused(request, experiment, ExperimentStatus.DECIDED):
        return refused
    form = DecisionForm(
        request.POST or None,
        initial={"evaluation": experiment.evaluation, "decision_date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            experiment = services.experiment_decide(
                experiment=experiment,
                decision=data["decision"],
                decision_date=data["decision_date"],
                rationale=data["rationale"],
                evaluation=data["evaluation"],
                new_end_date=data["new_end_date"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Decision recorded: « %(decision)s ».") % {"decision": experiment.get_decision_display()},
            )
            return redirect("programmes:experiment_detail", pk=experiment.pk)
    return render(
        request,
        "programmes/small_form.html",
        {"form": form, "experiment": experiment, "heading": _("Decision on the experiment")},
    )


@access(STAFF)
@require_POST
def experiment_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = get_object_or_404(Experiment, pk=pk)
    require(request, perms.can_move_experiment(request.user))
    to_status = request.POST.get("to_status", "")
    try:
        experiment = services.experiment_transition(experiment=experiment, to_status=to_status)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("The experiment is now « %(status)s ».") % {"status": experiment.get_status_display()}
        )
    return redirect("programmes:experiment_detail", pk=experiment.pk)
