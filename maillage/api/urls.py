from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from maillage.core.access import PUBLIC

app_name = "api"


class OpenApiView(SpectacularJSONAPIView):
    access_rule = PUBLIC


urlpatterns = [path("openapi.json", OpenApiView.as_view(), name="openapi")]
