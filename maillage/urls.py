from django.conf import settings
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
    path("api/v1/", include("maillage.api.urls")),
    path("admin/", admin_site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
