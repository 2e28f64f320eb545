from django.urls import path

from maillage.community import views

app_name = "community"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("annuaire/", views.directory_view, name="directory"),
    path("annuaire/nouveau/", views.profile_create_view, name="profile_create"),
    path("annuaire/<int:pk>/", views.profile_detail_view, name="profile_detail"),
    path("annuaire/<int:pk>/modifier/", views.profile_update_view, name="profile_update"),
    path("annuaire/<int:pk>/retrait/", views.profile_withdraw_view, name="profile_withdraw"),
    path("mon-profil/", views.my_profile_view, name="my_profile"),
    path("evenements/", views.event_list_view, name="event_list"),
    path("evenements/nouveau/", views.event_create_view, name="event_create"),
    path("evenements/<int:pk>/", views.event_detail_view, name="event_detail"),
    path("evenements/<int:pk>/modifier/", views.event_update_view, name="event_update"),
    path("evenements/<int:pk>/inscription/", views.registration_create_view, name="registration_create"),
    path("evenements/<int:pk>/emargement/", views.attendance_view, name="attendance"),
    path("inscriptions/annuler/<str:token>/", views.registration_cancel_view, name="registration_cancel"),
    path("ressources/", views.resource_list_view, name="resource_list"),
    path("ressources/nouvelle/", views.resource_create_view, name="resource_create"),
    path("ressources/<int:pk>/", views.resource_detail_view, name="resource_detail"),
    path("ressources/<int:pk>/modifier/", views.resource_update_view, name="resource_update"),
    path("ressources/<int:pk>/fichier/", views.resource_download_view, name="resource_download"),
]
