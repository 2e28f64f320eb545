from django.urls import path

from maillage.cooperation import views

app_name = "cooperation"
urlpatterns = [
    path("", views.cooperation_list_view, name="cooperation_list"),
    path("nouvelle/", views.cooperation_create_view, name="cooperation_create"),
    path("<int:pk>/", views.cooperation_detail_view, name="cooperation_detail"),
    path("<int:pk>/modifier/", views.cooperation_update_view, name="cooperation_update"),
    path("<int:pk>/participants/ajouter/", views.participant_add_view, name="participant_add"),
    path("<int:pk>/jalons/ajouter/", views.milestone_add_view, name="milestone_add"),
    path("jalons/<int:pk>/terminer/", views.milestone_complete_view, name="milestone_complete"),
    path("sujets/", views.topic_list_view, name="topic_list"),
    path("sujets/nouveau/", views.topic_create_view, name="topic_create"),
    path("sujets/<int:pk>/", views.topic_detail_view, name="topic_detail"),
    path("sujets/<int:pk>/modifier/", views.topic_update_view, name="topic_update"),
    path("sujets/<int:pk>/interet/", views.topic_interest_view, name="topic_interest"),
    path("sujets/<int:pk>/retrait/", views.topic_withdraw_view, name="topic_withdraw"),
    path("sujets/<int:pk>/statut/", views.topic_transition_view, name="topic_transition"),
    path("sujets/<int:pk>/transformer/", views.topic_convert_view, name="topic_convert"),
    path("sujets/<int:pk>/communes.geojson", views.topic_map_data_view, name="topic_map_data"),
]
