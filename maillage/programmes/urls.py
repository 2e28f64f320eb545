from django.urls import path

from maillage.programmes import views

app_name = "programmes"
urlpatterns = [
    path("", views.programme_list_view, name="programme_list"),
    path("nouveau/", views.programme_create_view, name="programme_create"),
    path("<int:pk>/", views.programme_detail_view, name="programme_detail"),
    path("<int:pk>/modifier/", views.programme_update_view, name="programme_update"),
    path("<int:pk>/participants/ajouter/", views.participant_add_view, name="participant_add"),
    path("<int:pk>/participants/retirer/", views.participant_remove_view, name="participant_remove"),
    path("experimentations/", views.experiment_list_view, name="experiment_list"),
    path("experimentations/nouvelle/", views.experiment_create_view, name="experiment_create"),
    path("experimentations/<int:pk>/", views.experiment_detail_view, name="experiment_detail"),
    path("experimentations/<int:pk>/modifier/", views.experiment_update_view, name="experiment_update"),
    path("experimentations/<int:pk>/indicateurs/ajouter/", views.indicator_add_view, name="indicator_add"),
    path("experimentations/<int:pk>/mesures/ajouter/", views.measure_add_view, name="measure_add"),
    path("experimentations/<int:pk>/comite/", views.experiment_committee_view, name="experiment_committee"),
    path("experimentations/<int:pk>/decision/", views.experiment_decision_view, name="experiment_decision"),
    path("experimentations/<int:pk>/statut/", views.experiment_transition_view, name="experiment_transition"),
]
