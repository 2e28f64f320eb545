from django.urls import path

from maillage.organizations import views

app_name = "organizations"
urlpatterns = [
    path("", views.organization_list_view, name="list"),
    path("nouvelle/", views.organization_create_view, name="create"),
    path("<int:pk>/", views.organization_detail_view, name="detail"),
    path("<int:pk>/modifier/", views.organization_update_view, name="update"),
    path("<int:pk>/adhesions/ajouter/", views.membership_create_view, name="membership_create"),
]
