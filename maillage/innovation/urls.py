from django.urls import path

from maillage.innovation import views

app_name = "innovation"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("solutions/", views.solution_list_view, name="solution_list"),
    path("solutions/nouvelle/", views.solution_create_view, name="solution_create"),
    path("solutions/<int:pk>/", views.solution_detail_view, name="solution_detail"),
    path("solutions/<int:pk>/modifier/", views.solution_update_view, name="solution_update"),
    path("solutions/<int:pk>/etape/", views.solution_stage_view, name="solution_stage"),
    path("solutions/<int:pk>/visibilite/", views.solution_visibility_view, name="solution_visibility"),
    path("solutions/<int:pk>/communes.geojson", views.solution_map_data_view, name="solution_map_data"),
    path(
        "solutions/<int:pk>/reproductions/ajouter/", views.replication_create_view, name="replication_create"
    ),
    path("reproductions/<int:pk>/modifier/", views.replication_update_view, name="replication_update"),
]
