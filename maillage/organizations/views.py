from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maillage.core.access import OWN_ORGANIZATION, PUBLIC, STAFF, access, require
from maillage.core.audit import history_for
from maillage.core.exports import EXPORT_FORMATS, Column, export_response
from maillage.core.forms import add_service_errors
from maillage.core.paging import paginate, querystring_without_page
from maillage.core.sections import sections_for
from maillage.organizations import perms, selectors, services
from maillage.organizations.forms import MembershipForm, OrganizationFilterForm, OrganizationForm
from maillage.organizations.models import Organization
from maillage.people.selectors import position_list_for_organization

EXPORT_COLUMNS = [
    Column(gettext_lazy("Name"), lambda o: o.name),
    Column(gettext_lazy("Kind"), lambda o: o.get_kind_display()),
    Column("SIREN", lambda o: o.siren),
    Column("SIRET", lambda o: o.siret),
    Column(gettext_lazy("Address"), lambda o: o.address),
    Column(gettext_lazy("Postal code"), lambda o: o.postal_code),
    Column(gettext_lazy("City"), lambda o: o.city),
    Column(gettext_lazy("Commune (INSEE code)"), lambda o: o.commune_id),
    Column(gettext_lazy("Territory"), lambda o: o.territory.name if o.territory else ""),
    Column(gettext_lazy("Website"), lambda o: o.website),
]


@access(PUBLIC)
def organization_list_view(request: HttpRequest) -> HttpResponse:
    form = OrganizationFilterForm(request.GET or None)
    organizations = selectors.organization_list(**form.filters())
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return export_response(organizations, EXPORT_COLUMNS, filename="organisations", fmt=fmt)
    return render(
        request,
        "organizations/organization_list.html",
        {
            "form": form,
            "page": paginate(request, organizations),
            "querystring": querystring_without_page(request),
            "can_create": perms.can_create_organization(request.user),
        },
    )


def _get(pk: int) -> Organization:
    try:
        return selectors.organization_detail(pk=pk)
    except Organization.DoesNotExist:
        raise Http404(_("This organisation does not exist.")) from None


@access(PUBLIC)
def organization_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _get(pk)
    can_edit = perms.can_edit_organization(request.user, organization)
    return render(
        request,
        "organizations/organization_detail.html",
        {
            "organization": organization,
            "positions": position_list_for_organization(user=request.user, organization=organization),
            "can_edit": can_edit,
            "history": history_for(organization) if can_edit else None,
            "sections": sections_for("organization", request, organization),
        },
    )


@access(STAFF)
def organization_create_view(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("themes", "version")}
        try:
            organization = services.organization_create(data=data, themes=form.cleaned_data["themes"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if notice := form.fields["commune"].notice:
                messages.info(request, notice)
            messages.success(
                request, _("The organisation « %(name)s » was created.") % {"name": organization.name}
            )
            return redirect("organizations:detail", pk=organization.pk)
    return render(request, "organizations/organization_form.html", {"form": form, "creating": True})


@access(OWN_ORGANIZATION)
def organization_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    require(request, perms.can_edit_organization(request.user, organization))
    form = OrganizationForm(request.POST or None, instance=organization, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("themes", "version")}
        try:
            services.organization_update(
                organization=organization,
                data=data,
                expected_version=form.cleaned_data.get("version") or 0,
                themes=form.cleaned_data["themes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if notice := form.fields["commune"].notice:
                messages.info(request, notice)
            messages.success(request, _("Changes saved."))
            return redirect("organizations:detail", pk=organization.pk)
    return render(
        request, "organizations/organization_form.html", {"form": form, "organization": organization}
    )


@access(OWN_ORGANIZATION)
def membership_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(Organization, pk=pk)
    form = MembershipForm(request.POST or None, member=member, user=request.user)
    require(request, perms.can_edit_organization(request.user, member))
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_create(data={"member": member, **form.cleaned_data})
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Membership recorded."))
            return redirect("organizations:detail", pk=member.pk)
    return render(request, "organizations/membership_form.html", {"form": form, "organization": member})
