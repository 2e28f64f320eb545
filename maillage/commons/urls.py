from django.urls import path

from maillage.commons import views

app_name = "commons"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("importer/", views.import_view, name="import"),
    path("importer/confirmer/", views.import_confirm_view, name="import_confirm"),
    path("solutions/<int:pk>/publiccode.yml", views.publiccode_export_view, name="publiccode_export"),
    path("projets-territoire.csv", views.projets_territoire_export_view, name="projets_territoire_export"),
    path("collectivites.csv", views.collectivites_export_view, name="collectivites_export"),
]
