from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maillage.core.access import PUBLIC, access
from maillage.core.exports import EXPORT_FORMATS, Column, export_response
from maillage.core.paging import paginate, querystring_without_page
from maillage.core.sections import sections_for
from maillage.organizations.models import Organization
from maillage.people.selectors import position_list_for_organization
from maillage.territories import selectors
from maillage.territories.maps import map_feature_collection, territory_palette
from maillage.territories.models import Department, Territory


class CommuneFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name or INSEE code"), required=False)
    territory = forms.ChoiceField(label=gettext_lazy("Territory"), required=False)
    department = forms.ChoiceField(label=gettext_lazy("Department"), required=False)
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[
            ("name", gettext_lazy("Name (A→Z)")),
            ("-name", gettext_lazy("Name (Z→A)")),
            ("-population", gettext_lazy("Population (largest first)")),
            ("population", gettext_lazy("Population (smallest first)")),
            ("code", gettext_lazy("INSEE code")),
            ("territory", gettext_lazy("Territory")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].choices = [("", _("All territories"))] + [
            (t.pk, str(t)) for t in selectors.home_territories()
        ]
        departments = Department.objects.filter(
            code__in=selectors.home_communes().values("department_id")
        ).order_by("code")
        self.fields["department"].choices = [("", _("All departments"))] + [
            (d.code, str(d)) for d in departments
        ]


ORGANIZATIONS_SHOWN = 15

COMMUNE_COLUMNS = [
    Column(gettext_lazy("INSEE code"), lambda c: c.code),
    Column(gettext_lazy("Name"), lambda c: c.name),
    Column(gettext_lazy("Department"), lambda c: c.department_id),
    Column(gettext_lazy("Territory"), lambda c: c.territory.name if c.territory else ""),
    Column(gettext_lazy("Population"), lambda c: c.population),
]


@access(PUBLIC)
def commune_list_view(request: HttpRequest) -> HttpResponse:
    form = CommuneFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    search = selectors.commune_list(
        query=filters.get("q", ""),
        territory=filters.get("territory", ""),
        department=filters.get("department", ""),
        sort=filters.get("sort") or "name",
    )
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return export_response(search.communes, COMMUNE_COLUMNS, filename="communes", fmt=fmt)
    return render(
        request,
        "territories/commune_list.html",
        {
            "form": form,
            "page": paginate(request, search.communes),
            "notice": search.notice,
            "querystring": querystring_without_page(request),
            "summary": selectors.home_summary(),
        },
    )


@access(PUBLIC)
def commune_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    resolved = selectors.commune_resolve(code)
    if resolved.commune is None:
        raise Http404(_("No commune has the INSEE code %(code)s.") % {"code": code})
    if resolved.commune.code != code:
        messages.info(request, resolved.notice)
        return redirect("territories:commune_detail", code=resolved.commune.code, permanent=False)
    commune = selectors.commune_detail(code)
    organization = Organization.objects.filter(kind="commune", commune=commune).first()
    return render(
        request,
        "territories/commune_detail.html",
        {
            "commune": commune,
            "is_home": commune.epci_id == selectors.home_epci_siren(),
            "organization": organization,
            # Bounded: the full list is one click away, paginated.
            "organizations": Organization.objects.filter(commune=commune)
            .exclude(kind="commune")
            .defer("commune__geometry")
            .order_by("name")[:ORGANIZATIONS_SHOWN],
            "organization_count": Organization.objects.filter(commune=commune)
            .exclude(kind="commune")
            .count(),
            "positions": position_list_for_organization(user=request.user, organization=organization)
            if organization
            else [],
            "predecessors": commune.predecessors.all(),
            "sections": sections_for("commune", request, commune),
        },
    )


@access(PUBLIC)
def territory_list_view(request: HttpRequest) -> HttpResponse:
    territories = selectors.territory_list()
    communes = None
    if not territories.exists():
        # Outside the MGP the member communes are the territories.
        communes = paginate(request, selectors.home_communes().select_related("department").order_by("name"))
    return render(
        request,
        "territories/territory_list.html",
        {"territories": territories, "communes": communes, "summary": selectors.home_summary()},
    )


@access(PUBLIC)
def territory_detail_view(request: HttpRequest, siren: str) -> HttpResponse:
    territory = (
        Territory.objects.filter(pk=siren, epci_id=selectors.home_epci_siren())
        .annotate(members=Count("communes"))
        .first()
    )
    if territory is None:
        raise Http404(_("This territory is not part of the home intercommunality."))
    return render(
        request,
        "territories/territory_detail.html",
        {
            "territory": territory,
            "communes": territory.communes.select_related("department").order_by("name"),
            "organization": Organization.objects.filter(
                territory=territory, kind__in=["ept", "commune"]
            ).first(),
        },
    )


@access(PUBLIC)
def map_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "territories/map.html",
        {"legend": territory_palette(), "summary": selectors.home_summary()},
    )


@access(PUBLIC)
def map_data_view(request: HttpRequest) -> JsonResponse:
    key = f"map-data:{selectors.home_epci_siren()}"
    data = cache.get(key)
    if data is None:
        data = map_feature_collection()
        cache.set(key, data, 600)
    return JsonResponse(data)
