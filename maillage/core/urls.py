from django.urls import path

from maillage.core import views

app_name = "core"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("recherche/", views.search_view, name="search"),
    path("recherche/suggestions/", views.suggest_view, name="suggest"),
    path("donnees-personnelles/", views.privacy_view, name="privacy"),
    path("accessibilite/", views.accessibility_view, name="accessibility"),
    path("sante/", views.health_view, name="health"),
    path("bare/", views.bare_view, name="bare"),
]
