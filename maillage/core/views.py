from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from maillage.core.access import AUTHENTICATED, PUBLIC, access
from maillage.organizations.selectors import organization_list
from maillage.people.selectors import person_list
from maillage.territories.selectors import commune_list, home_epci, home_summary, territory_list


@access(PUBLIC)
def home_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/home.html",
        {"epci": home_epci(), "summary": home_summary(), "territories": territory_list()},
    )


@access(PUBLIC)
def search_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    context: dict = {"query": query}
    if query:
        communes = commune_list(query=query)
        context.update(
            communes=communes.communes[:10],
            notice=communes.notice,
            organizations=organization_list(query=query)[:10],
            people=person_list(user=request.user, query=query)[:10],
        )
    return render(request, "core/search.html", context)


@access(AUTHENTICATED)
def suggest_view(request: HttpRequest) -> JsonResponse:
    """Up to 20 organisations or people matching ``q``, among those the user may see."""
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from maillage.core.suggest import MAX_SUGGESTIONS

    query, kind = request.GET.get("q", "").strip()[:100], request.GET.get("kind")
    if len(query) < 2 or kind not in ("organizations", "people"):
        return JsonResponse({"results": [], "message": _("Type at least 2 characters.")})
    if kind == "organizations":
        found = organization_list(query=query).select_related(None).only("pk", "name")[:MAX_SUGGESTIONS]
    else:
        found = person_list(user=request.user, query=query)[:MAX_SUGGESTIONS]
    results = [{"id": obj.pk, "label": str(obj)} for obj in found]
    message = ngettext(
        "%(count)s result added to the list below.",
        "%(count)s results added to the list below.",
        len(results),
    ) % {"count": len(results)}
    return JsonResponse({"results": results, "message": message})


@access(PUBLIC)
def privacy_view(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html", {"retention_years": settings.RETENTION_DAYS // 365})


@access(PUBLIC)
def accessibility_view(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@access(PUBLIC)
def health_view(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@access(PUBLIC)
def bare_view(request: HttpRequest) -> HttpResponse:
    """The floor of the benchmark: the full middleware stack, no query, no template."""
    return HttpResponse("ok", content_type="text/plain")
