from django.urls import path

from maillage.agreements import views_deadlines as views

app_name = "deadlines"
urlpatterns = [
    path("", views.my_deadlines_view, name="mine"),
    path("calendrier/", views.calendar_token_view, name="calendar_token"),
    path("calendrier/nouveau-lien/", views.calendar_regenerate_view, name="calendar_regenerate"),
    path("calendrier/<str:token>.ics", views.calendar_feed_view, name="feed"),
]
