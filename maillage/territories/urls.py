from django.urls import path

from maillage.territories import views

app_name = "territories"
urlpatterns = [
    path("carte/", views.map_view, name="map"),
    path("carte/communes.geojson", views.map_data_view, name="map_data"),
    path("communes/", views.commune_list_view, name="commune_list"),
    path("communes/<str:code>/", views.commune_detail_view, name="commune_detail"),
    path("territoires/", views.territory_list_view, name="territory_list"),
    path("territoires/<str:siren>/", views.territory_detail_view, name="territory_detail"),
]
