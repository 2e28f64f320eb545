from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import SimpleRouter

from maillage.api import community, innovation, programmes, views, watch
from maillage.core.access import PUBLIC

app_name = "api"


class OpenApiView(SpectacularJSONAPIView):
    access_rule = PUBLIC


# SimpleRouter: no browsable root view (it would have no access rule).
router = SimpleRouter()
router.register("communes", views.CommuneViewSet, basename="commune")
router.register("territories", views.TerritoryViewSet, basename="territory")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("people", views.PersonViewSet, basename="person")
router.register("topics", views.TopicViewSet, basename="topic")
router.register("cooperations", views.CooperationViewSet, basename="cooperation")
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("bodies", views.BodyViewSet, basename="body")
router.register("sessions", views.SessionViewSet, basename="session")
router.register("achievements", views.AchievementViewSet, basename="achievement")

for module in (innovation, programmes, community, watch):
    module.register(router)

urlpatterns = [path("openapi.json", OpenApiView.as_view(), name="openapi"), *router.urls]
