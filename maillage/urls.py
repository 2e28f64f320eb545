from django.urls import include, path

from maillage.core.admin_site import admin_site

urlpatterns = [
    path("", include("maillage.core.urls")),
    path("comptes/", include("maillage.accounts.urls")),
    path("", include("maillage.territories.urls")),
    path("organisations/", include("maillage.organizations.urls")),
    path("personnes/", include("maillage.people.urls")),
    path("echanges/", include("maillage.interactions.urls")),
    path("cooperation/", include("maillage.cooperation.urls")),
    path("conventions/", include("maillage.agreements.urls")),
    path("conventions/", include("maillage.agreements.urls_documents")),
    path("conventions/", include("maillage.agreements.urls_insights")),
    path("echeances/", include("maillage.agreements.urls_deadlines")),
    path("diffusion/", include("maillage.diffusion.urls")),
    path("instances/", include("maillage.meetings.urls")),
    path("innovation/", include("maillage.innovation.urls")),
    path("innovation/communs/", include("maillage.commons.urls")),
    path("programmes/", include("maillage.programmes.urls")),
    path("communaute/", include("maillage.community.urls")),
    path("veille/", include("maillage.watch.urls")),
    path("api/v1/", include("maillage.api.urls")),
    path("admin/", admin_site.urls),
]

# Uploaded files are never served from MEDIA_URL, even in development: documents go through the
# download views, which apply the same access rule as the record they belong to.
