from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from maillage.core.access import AUTHENTICATED, OWN_ORGANIZATION, PUBLIC, access, require
from maillage.core.audit import history_for
from maillage.core.exports import EXPORT_FORMATS, Column, export_response
from maillage.core.forms import add_service_errors
from maillage.core.paging import paginate, querystring_without_page
from maillage.core.sections import sections_for
from maillage.innovation import perms, selectors, services
from maillage.innovation.forms import ReplicationForm, SolutionFilterForm, SolutionForm, StageForm
from maillage.innovation.lineage import lineage_tree
from maillage.innovation.models import Replication, Solution, SolutionVisibility
from maillage.people.perms import can_view_person_details


def _names(items: Any) -> str:
    return "; ".join(items)


SOLUTION_COLUMNS = [
    Column(gettext_lazy("Title"), lambda s: s.title),
    Column(gettext_lazy("Kind"), lambda s: s.get_kind_display()),
    Column(gettext_lazy("Stage"), lambda s: s.get_stage_display()),
    Column(gettext_lazy("Visibility"), lambda s: s.get_visibility_display()),
    Column(gettext_lazy("Origin commune"), lambda s: s.origin_commune.name if s.origin_commune_id else ""),
    Column(gettext_lazy("INSEE code of the origin"), lambda s: s.origin_commune_id or ""),
    Column(gettext_lazy("Holders"), lambda s: _names(h.name for h in s.holders.all())),
    Column(gettext_lazy("Themes"), lambda s: _names(str(t) for t in s.themes.all())),
    Column(
        gettext_lazy("Replicated in"),
        lambda s: _names(f"{r.commune.name} ({r.get_outcome_display()})" for r in s.replications.all()),
    ),
    Column(gettext_lazy("Number of replications"), lambda s: len(s.replications.all())),
    Column(gettext_lazy("Cost (€)"), lambda s: s.cost_eur),
    Column(gettext_lazy("Licence"), lambda s: s.licence),
    Column(gettext_lazy("Website"), lambda s: s.website_url),
    Column(gettext_lazy("Summary"), lambda s: s.summary),
]

# Pages of the other innovation apps, linked from the hub when their URL exists.
HUB_LINKS = [
    (
        "commons:home",
        gettext_lazy("Digital commons"),
        gettext_lazy("Free software and digital commons of the territory, with their publiccode.yml."),
    ),
    (
        "programmes:programme_list",
        gettext_lazy("Programmes"),
        gettext_lazy("Calls for projects and programmes, European ones included, and who takes part."),
    ),
    (
        "programmes:experiment_list",
        gettext_lazy("Experiments"),
        gettext_lazy("Experiments run in the communes, with their protocol and their results."),
    ),
    (
        "community:home",
        gettext_lazy("Community of innovators"),
        gettext_lazy("Public innovators, their resources and events."),
    ),
    (
        "watch:public_list",
        gettext_lazy("Watch"),
        gettext_lazy("Watch on programmes and initiatives, European ones included."),
    ),
]


def _hub_links() -> list[dict[str, str]]:
    links = []
    for name, title, text in HUB_LINKS:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        links.append({"url": url, "title": str(title), "text": str(text)})
    return links


@access(PUBLIC)
def home_view(request: HttpRequest) -> HttpResponse:
    recent = list(
        selectors.solution_visible_to(request.user)
        .only("pk", "title", "summary", "kind", "stage", "visibility")
        .order_by("-created_at", "-pk")[:5]
    )
    return render(
        request,
        "innovation/home.html",
        {
            "links": _hub_links(),
            "recent": recent,
            "can_create": perms.can_create_solution(request.user),
        },
    )


@access(PUBLIC)
def solution_list_view(request: HttpRequest) -> HttpResponse:
    form = SolutionFilterForm(request.GET or None)
    solutions = selectors.solution_list(user=request.user, **form.filters())
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return export_response(
            selectors.solution_export_queryset(solutions), SOLUTION_COLUMNS, filename="solutions", fmt=fmt
        )
    return render(
        request,
        "innovation/solution_list.html",
        {
            "form": form,
            "page": paginate(request, solutions),
            "querystring": querystring_without_page(request),
            "can_create": perms.can_create_solution(request.user),
        },
    )


def _get_solution(request: HttpRequest, pk: int) -> Solution:
    try:
        return selectors.solution_detail(user=request.user, pk=pk)
    except Solution.DoesNotExist:
        raise Http404(_("This solution does not exist or is not visible to you.")) from None


def _detail_context(
    request: HttpRequest,
    solution: Solution,
    *,
    replication_form: ReplicationForm | None = None,
    stage_form: StageForm | None = None,
) -> dict[str, Any]:
    user = request.user
    can_edit = perms.can_edit_solution(user, solution)
    can_replicate = perms.can_record_replication(user)
    if replication_form is None and can_replicate:
        replication_form = ReplicationForm(user=user, solution=solution, auto_id="replication_%s")
    if stage_form is None and can_edit:
        stage_form = StageForm(solution=solution, auto_id="stage_%s")
    replications = list(solution.replications.all())
    for replication in replications:
        replication.can_edit = perms.can_edit_replication(user, replication)
    contacts = selectors.contacts_of(solution)
    for person in contacts:
        person.show_details = can_view_person_details(user, person)
    return {
        "solution": solution,
        "replications": replications,
        "lineage": lineage_tree(replications),
        "contacts": contacts,
        "map_colors": selectors.MAP_COLORS,
        "can_edit": can_edit,
        "replication_form": replication_form,
        "stage_form": stage_form,
        "sections": sections_for("solution", request, solution),
        "history": history_for(solution) if can_edit else None,
    }


@access(PUBLIC)
def solution_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    solution = _get_solution(request, pk)
    return render(request, "innovation/solution_detail.html", _detail_context(request, solution))


@access(PUBLIC)
def solution_map_data_view(request: HttpRequest, pk: int) -> JsonResponse:
    try:
        data = selectors.solution_map_features(user=request.user, pk=pk)
    except Solution.DoesNotExist:
        raise Http404(_("This solution does not exist or is not visible to you.")) from None
    return JsonResponse(data)


@access(AUTHENTICATED)
def solution_create_view(request: HttpRequest) -> HttpResponse:
    require(request, perms.can_create_solution(request.user))
    form = SolutionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.solution_data()
        relations = form.relations()
        origin = data.get("origin_commune")
        allowed = perms.can_create_solution_with(
            request.user,
            holder_ids={h.pk for h in relations["holders"]},
            origin_commune_code=origin.pk if origin else None,
        )
        if not allowed:
            form.add_error(
                "holders",
                _("Add your organisation to the holders, or choose your commune as the origin commune."),
            )
        else:
            try:
                solution = services.solution_create(data=data, **relations)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The solution « %(title)s » was added to the catalogue.") % {"title": solution.title},
                )
                return redirect("innovation:solution_detail", pk=solution.pk)
    return render(request, "innovation/solution_form.html", {"form": form, "creating": True})


def _get_for_edit(request: HttpRequest, pk: int) -> Solution:
    try:
        solution = selectors.solution_for_edit(pk=pk)
    except Solution.DoesNotExist:
        raise Http404(_("This solution does not exist or is not visible to you.")) from None
    require(request, perms.can_edit_solution(request.user, solution))
    return solution


@access(OWN_ORGANIZATION)
def solution_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    solution = _get_for_edit(request, pk)
    form = SolutionForm(request.POST or None, instance=solution, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.solution_update(
                solution=solution,
                data=form.solution_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                **form.relations(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("innovation:solution_detail", pk=solution.pk)
    return render(request, "innovation/solution_form.html", {"form": form, "solution": solution})


@access(OWN_ORGANIZATION)
@require_POST
def solution_stage_view(request: HttpRequest, pk: int) -> HttpResponse:
    _get_for_edit(request, pk)
    solution = _get_solution(request, pk)
    form = StageForm(request.POST, solution=solution, auto_id="stage_%s")
    if form.is_valid():
        try:
            solution = services.solution_change_stage(
                solution=solution, to_stage=form.cleaned_data["stage"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The solution is now at the stage « %(stage)s ».")
                % {"stage": solution.get_stage_display()},
            )
            return redirect("innovation:solution_detail", pk=solution.pk)
    return render(
        request, "innovation/solution_detail.html", _detail_context(request, solution, stage_form=form)
    )


@access(OWN_ORGANIZATION)
@require_POST
def solution_visibility_view(request: HttpRequest, pk: int) -> HttpResponse:
    solution = _get_for_edit(request, pk)
    visibility = request.POST.get("visibility", "")
    try:
        solution = services.solution_set_visibility(solution=solution, visibility=visibility)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if solution.visibility == SolutionVisibility.PUBLIC:
            messages.success(request, _("The solution is now public: everyone can see it."))
        else:
            messages.success(request, _("The solution is now internal: only signed-in users can see it."))
    return redirect("innovation:solution_detail", pk=solution.pk)


@access(AUTHENTICATED)
def replication_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    solution = _get_solution(request, pk)
    require(request, perms.can_record_replication(request.user))
    form = ReplicationForm(
        request.POST or None, user=request.user, solution=solution, auto_id="replication_%s"
    )
    if request.method == "POST" and form.is_valid():
        data = form.replication_data()
        require(request, perms.can_replicate_into(request.user, data["commune"]))
        try:
            replication = services.replication_create(solution=solution, data=data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The replication in %(commune)s was recorded.") % {"commune": replication.commune.name},
            )
            return redirect("innovation:solution_detail", pk=solution.pk)
    if request.method == "POST":
        return render(
            request,
            "innovation/solution_detail.html",
            _detail_context(request, solution, replication_form=form),
        )
    return render(
        request, "innovation/replication_form.html", {"form": form, "solution": solution, "creating": True}
    )


@access(OWN_ORGANIZATION)
def replication_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        replication = selectors.replication_for_edit(pk=pk)
    except Replication.DoesNotExist:
        raise Http404(_("This replication does not exist.")) from None
    require(request, perms.can_edit_replication(request.user, replication))
    solution = _get_solution(request, replication.solution_id)
    form = ReplicationForm(
        request.POST or None,
        instance=replication,
        user=request.user,
        solution=solution,
        auto_id="replication_%s",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.replication_update(replication=replication, data=form.replication_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("innovation:solution_detail", pk=solution.pk)
    return render(
        request,
        "innovation/replication_form.html",
        {"form": form, "solution": solution, "replication": replication},
    )
