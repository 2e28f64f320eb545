from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from maillage.core.access import (
    AUTHENTICATED,
    OWN_ORGANIZATION,
    PUBLIC,
    STAFF,
    access,
    is_staff,
    may_act_for,
    organization_ids_of,
    require,
)
from maillage.core.audit import history_for
from maillage.core.exports import EXPORT_FORMATS, Column, export_response
from maillage.core.forms import add_service_errors
from maillage.core.paging import paginate, querystring_without_page
from maillage.organizations.models import Organization
from maillage.people import perms, selectors, services
from maillage.people.forms import EraseForm, PersonCreateForm, PersonFilterForm, PersonForm, PositionForm
from maillage.people.models import Person


def _positions_text(person: Person) -> str:
    return "; ".join(
        f"{p.get_role_display()}{' (' + p.title + ')' if p.title else ''} – {p.organization.name}"
        for p in person.current_positions
    )


def _export_columns(user: Any) -> list[Column]:
    columns = [
        Column(_("Last name"), lambda p: p.last_name),
        Column(_("First name"), lambda p: p.first_name),
        Column(_("Current positions"), _positions_text),
    ]
    # The public sees names and offices only; themes are for signed-in users.
    if user.is_authenticated:
        columns.append(Column(_("Themes"), lambda p: ", ".join(str(t) for t in p.themes.all())))
    if is_staff(user):
        columns += [
            Column(_("Email"), lambda p: p.email),
            Column(_("Phone"), lambda p: p.phone),
        ]
    return columns


@access(PUBLIC)
def person_list_view(request: HttpRequest) -> HttpResponse:
    form = PersonFilterForm(request.GET or None, user=request.user)
    people = (
        selectors.person_list(user=request.user, **form.filters())
        .prefetch_related("themes")
        .order_by("last_name", "first_name", "pk")
    )
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return export_response(people, _export_columns(request.user), filename="personnes", fmt=fmt)
    return render(
        request,
        "people/person_list.html",
        {
            "form": form,
            "page": paginate(request, people),
            "querystring": querystring_without_page(request),
            "can_create": perms.can_create_person(request.user),
        },
    )


def _get_visible(request: HttpRequest, pk: int) -> Person:
    try:
        return selectors.person_detail(user=request.user, pk=pk)
    except Person.DoesNotExist:
        raise Http404(_("This person does not exist or is not visible to you.")) from None


def _get_editable(pk: int) -> Person:
    return get_object_or_404(Person.objects.prefetch_related("positions"), pk=pk, anonymized_at__isnull=True)


@access(PUBLIC)
def person_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_visible(request, pk)
    details = perms.can_view_person_details(request.user, person)
    can_edit = perms.can_edit_person(request.user, person)
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "details": details,
            "positions": selectors.person_positions_for_display(
                user=request.user, person=person, details=details
            ),
            "can_edit": can_edit,
            "can_manage_personal_data": perms.can_manage_personal_data(request.user),
            "can_view_interactions": perms.can_view_person_interactions(request.user, person),
            "history": history_for(person) if can_edit else None,
        },
    )


@access(AUTHENTICATED)
def person_create_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(request, perms.can_create_person(user))
    initial: dict[str, Any] = {}
    own = sorted(organization_ids_of(user))
    wanted = request.GET.get("organization", "")
    if (
        wanted.isdigit()
        and Organization.objects.filter(pk=wanted).exists()
        and may_act_for(user, {int(wanted)})
    ):
        initial["organization"] = int(wanted)
    elif own:
        initial["organization"] = own[0]
    form = PersonCreateForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        organization = form.cleaned_data["organization"]
        require(request, perms.can_act_for_organization(user, organization.pk))
        try:
            person = services.person_create(
                data=form.person_data(), position=form.position_data(), themes=form.cleaned_data["themes"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The record of %(name)s was created.") % {"name": person.full_name})
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "creating": True})


@access(OWN_ORGANIZATION)
def person_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_editable(pk)
    require(request, perms.can_edit_person(request.user, person))
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(
                person=person,
                data=form.person_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                themes=form.cleaned_data["themes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": person})


@access(OWN_ORGANIZATION)
def position_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_editable(pk)
    require(request, perms.can_edit_person(request.user, person))
    form = PositionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        require(request, perms.can_add_position(request.user, person, form.cleaned_data["organization"].pk))
        try:
            services.position_create(person=person, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Position recorded."))
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/position_form.html", {"form": form, "person": person})


@access(STAFF)
def person_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    response = JsonResponse(
        services.person_export(person=person),
        encoder=DjangoJSONEncoder,
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    response["Content-Disposition"] = f'attachment; filename="personne-{person.pk}.json"'
    return response


@access(STAFF)
def person_erase_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    if person.anonymized_at is not None:
        messages.info(request, _("This record has already been anonymised."))
        return redirect("people:list")
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_anonymize(person=person, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The record was anonymised: name, contact details and notes have been erased.")
            )
            return redirect("people:list")
    return render(request, "people/person_erase.html", {"form": form, "person": person})
