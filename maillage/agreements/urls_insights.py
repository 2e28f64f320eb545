from django.urls import path

from maillage.agreements import views_insights as views

app_name = "agreement_insights"
urlpatterns = [
    path("donnees-ouvertes/", views.opendata_view, name="opendata"),
    path("donnees-ouvertes/subventions.csv", views.subsidies_csv_view, name="opendata_subsidies"),
    path("donnees-ouvertes/deliberations.csv", views.deliberations_csv_view, name="opendata_deliberations"),
    path("carte/", views.map_view, name="map"),
    path("carte/communes.geojson", views.map_data_view, name="map_data"),
    path("reseau/", views.network_view, name="network"),
    path("reseau/donnees.json", views.network_data_view, name="network_data"),
]
