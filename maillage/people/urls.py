from django.urls import path

from maillage.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list_view, name="list"),
    path("nouvelle/", views.person_create_view, name="create"),
    path("<int:pk>/", views.person_detail_view, name="detail"),
    path("<int:pk>/modifier/", views.person_update_view, name="update"),
    path("<int:pk>/fonctions/ajouter/", views.position_create_view, name="position_create"),
    path("<int:pk>/export.json", views.person_export_view, name="export"),
    path("<int:pk>/effacer/", views.person_erase_view, name="erase"),
]
