from django.urls import path

from maillage.diffusion import feeds, views

app_name = "diffusion"
urlpatterns = [
    path("realisations/", views.achievement_list_view, name="achievement_list"),
    path("realisations/nouvelle/", views.achievement_create_view, name="achievement_create"),
    path("realisations/rss/", feeds.achievement_rss_view, name="achievement_rss"),
    path("realisations/atom/", feeds.achievement_atom_view, name="achievement_atom"),
    path("realisations/<int:pk>/", views.achievement_detail_view, name="achievement_detail"),
    path("realisations/<int:pk>/modifier/", views.achievement_update_view, name="achievement_update"),
    path("audiences/", views.audience_list_view, name="audience_list"),
    path("audiences/nouvelle/", views.audience_create_view, name="audience_create"),
    path("audiences/<int:pk>/", views.audience_update_view, name="audience_update"),
    path("lettres/", views.newsletter_list_view, name="newsletter_list"),
    path("lettres/nouvelle/", views.newsletter_create_view, name="newsletter_create"),
    path("lettres/<int:pk>/modifier/", views.newsletter_update_view, name="newsletter_update"),
    path("lettres/<int:pk>/apercu/", views.newsletter_preview_view, name="newsletter_preview"),
    path("lettres/<int:pk>/envoi/", views.newsletter_send_view, name="newsletter_send"),
    path("archives/", views.archive_view, name="archive"),
    path("archives/<int:pk>/", views.archive_detail_view, name="archive_detail"),
    path("inscription/", views.subscribe_view, name="subscribe"),
    path("inscription/confirmer/<str:token>/", views.subscribe_confirm_view, name="subscribe_confirm"),
    path("desinscription/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("preferences/<str:token>/", views.preferences_view, name="preferences"),
]
