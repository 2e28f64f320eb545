"""Digital commons: the list, the publiccode.yml import (preview, then confirmation) and the exports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from maillage.commons import projets_territoire, publiccode, services
from maillage.commons.forms import ConfirmForm, ImportForm, sign_payload
from maillage.core.access import AUTHENTICATED, PUBLIC, access, require
from maillage.core.concurrency import ConcurrentEditError
from maillage.core.paging import paginate, querystring_without_page
from maillage.innovation import perms as innovation_perms
from maillage.innovation import selectors as innovation_selectors
from maillage.innovation.models import SolutionKind
from maillage.organizations.models import Organization


def solution_url(pk: int) -> str:
    """The solution's page in the catalogue (the commons page while the catalogue has none)."""
    try:
        return reverse("innovation:solution_detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return reverse("commons:home")


@access(PUBLIC)
def home_view(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:200]
    solutions = innovation_selectors.solution_list(
        user=request.user, query=query, kind=SolutionKind.DIGITAL_COMMON
    )
    page = paginate(request, solutions)
    for solution in page:
        solution.detail_url = solution_url(solution.pk)
        solution.exportable = not publiccode.export_blockers(solution)
    return render(
        request,
        "commons/home.html",
        {
            "page": page,
            "query": query,
            "querystring": querystring_without_page(request),
            "can_import": innovation_perms.can_create_solution(request.user),
        },
    )


def _import_page(request: HttpRequest, form: ImportForm, errors: list[Any] | None = None) -> HttpResponse:
    return render(request, "commons/import.html", {"form": form, "errors": errors or []})


def _with_text(request: HttpRequest, form: ImportForm) -> ImportForm:
    """After a refused upload, the file's text goes into the text area, where it can be corrected."""
    if not form.cleaned_data.get("document"):
        return form
    try:
        text = publiccode.decode(form.cleaned_data["data"])
    except publiccode.DocumentError:
        return form
    data = request.POST.copy()
    data["text"] = text
    return ImportForm(data, user=request.user)


@access(AUTHENTICATED)
def import_view(request: HttpRequest) -> HttpResponse:
    """Step 1: the document and the organisation; shows the field-by-field errors or the preview."""
    require(request, innovation_perms.can_create_solution(request.user))
    if request.method != "POST":
        return _import_page(request, ImportForm(user=request.user))
    form = ImportForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        return _import_page(request, form)
    organization = form.cleaned_data.get("organization")
    preview = services.publiccode_preview(
        user=request.user, data=form.cleaned_data["data"], organization=organization
    )
    if not preview.is_valid:
        return _import_page(request, _with_text(request, form), errors=preview.all_errors)
    text = publiccode.decode(form.cleaned_data["data"])
    visibility = form.cleaned_data["visibility"]
    payload = {
        "user": request.user.pk,
        "text": text,
        "organization": organization.pk if organization else None,
        "visibility": visibility,
        "solution": preview.match.pk if preview.match else None,
        "version": preview.match.version if preview.match else None,
    }
    fields = preview.parsed.fields
    return render(
        request,
        "commons/preview.html",
        {
            "preview": preview,
            "fields": fields,
            "document": preview.parsed.document,
            "language": preview.parsed.language,
            "organization": organization,
            "visibility_label": dict(form.fields["visibility"].choices).get(visibility, visibility),
            "stage_label": _stage_label(fields["stage"]),
            "match_url": solution_url(preview.match.pk) if preview.match else "",
            "confirm_form": ConfirmForm(initial={"payload": sign_payload(payload)}, user=request.user),
        },
    )


def _stage_label(stage: str) -> str:
    from maillage.innovation.models import SolutionStage

    return str(SolutionStage(stage).label) if stage in SolutionStage.values else stage


def _back_to_import(request: HttpRequest, errors: list[str]) -> HttpResponse:
    """A refused confirmation: nothing was written; the reasons are shown on the import page."""
    for error in errors:
        messages.error(request, error)
    return redirect("commons:import")


@access(AUTHENTICATED)
@require_POST
def import_confirm_view(request: HttpRequest) -> HttpResponse:
    """Step 2: writes what the preview showed (signed), after checking everything again."""
    require(request, innovation_perms.can_create_solution(request.user))
    confirm = ConfirmForm(request.POST, user=request.user)
    if not confirm.is_valid():
        return _back_to_import(request, [message for errors in confirm.errors.values() for message in errors])
    payload = confirm.cleaned_data["payload"]
    organization = None
    if payload.get("organization") is not None:
        organization = Organization.objects.filter(pk=payload["organization"]).first()
        if organization is None:
            return _back_to_import(request, [_("This organisation no longer exists.")])
    try:
        result = services.publiccode_import(
            user=request.user,
            data=payload["text"],
            organization=organization,
            visibility=payload.get("visibility") or "",
            expected_solution=payload.get("solution"),
            expected_version=payload.get("version"),
        )
    except ConcurrentEditError:
        message = _(
            "The catalogue changed since the preview (the solution of this repository was created or edited "
            "meanwhile): nothing was imported. Start the import again to see the current state."
        )
        return _back_to_import(request, [message])
    except ValidationError as error:
        return _back_to_import(request, error.messages)
    if result.created:
        messages.success(
            request,
            _("The solution « %(title)s » was created from the publiccode.yml.")
            % {"title": result.solution.title},
        )
    else:
        messages.success(
            request,
            _("The solution « %(title)s » was updated from the publiccode.yml.")
            % {"title": result.solution.title},
        )
    return redirect(solution_url(result.solution.pk))


@access(PUBLIC)
def publiccode_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The solution's publiccode.yml, for whoever may see the solution (404 otherwise)."""
    solution = innovation_selectors.solution_visible_to(request.user).filter(pk=pk).first()
    if solution is None:
        raise Http404(_("No solution with this number is visible to you."))
    if blockers := publiccode.export_blockers(solution):
        raise Http404(
            _("No publiccode.yml can be written for this solution: %(reasons)s.")
            % {"reasons": "; ".join(blockers)}
        )
    response = HttpResponse(publiccode.export_yaml(solution), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="publiccode.yml"'
    return response


def _csv_response(table: projets_territoire.Table) -> HttpResponse:
    response = HttpResponse(table.to_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{projets_territoire.export_file_name(table)}"'
    return response


@access(PUBLIC)
def projets_territoire_export_view(request: HttpRequest) -> HttpResponse:
    """The public solutions in the « projets-territoire » table of the betagouv standard."""
    projects, _collectivities = projets_territoire.build()
    return _csv_response(projects)


@access(PUBLIC)
def collectivites_export_view(request: HttpRequest) -> HttpResponse:
    """The communes referred to by the projects file (its ``collectiviteIds`` point here)."""
    _projects, collectivities = projets_territoire.build()
    return _csv_response(collectivities)
