from django.urls import path

from maillage.interactions import views

app_name = "interactions"
urlpatterns = [
    path("", views.interaction_list_view, name="list"),
    path("nouveau/", views.interaction_create_view, name="create"),
    path("mes-actions/", views.my_actions_view, name="my_actions"),
    path("<int:pk>/", views.interaction_detail_view, name="detail"),
    path("<int:pk>/modifier/", views.interaction_update_view, name="update"),
    path("actions/<int:pk>/terminer/", views.action_complete_view, name="action_complete"),
]
