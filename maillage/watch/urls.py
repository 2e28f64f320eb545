from django.urls import path

from maillage.watch import views

app_name = "watch"
urlpatterns = [
    path("", views.item_list_view, name="item_list"),
    path("articles/tri/", views.item_bulk_view, name="item_bulk"),
    path("articles/<int:pk>/", views.item_detail_view, name="item_detail"),
    path("articles/<int:pk>/statut/", views.item_transition_view, name="item_transition"),
    path("sources/", views.source_list_view, name="source_list"),
    path("sources/nouvelle/", views.source_create_view, name="source_create"),
    path("sources/<int:pk>/", views.source_detail_view, name="source_detail"),
    path("sources/<int:pk>/modifier/", views.source_update_view, name="source_update"),
    path("sources/<int:pk>/tester/", views.source_test_view, name="source_test"),
    path("selections/", views.digest_list_view, name="digest_list"),
    path("selections/nouvelle/", views.digest_create_view, name="digest_create"),
    path("selections/<int:pk>/", views.digest_detail_view, name="digest_detail"),
    path("selections/<int:pk>/modifier/", views.digest_update_view, name="digest_update"),
    path("selections/<int:pk>/ajouter/", views.digest_add_view, name="digest_add"),
    path("selections/<int:pk>/articles/", views.digest_entries_view, name="digest_entries"),
    path("selections/<int:pk>/publier/", views.digest_publish_view, name="digest_publish"),
    path("selections/<int:pk>/lettre/", views.digest_newsletter_view, name="digest_newsletter"),
    path("publique/", views.public_list_view, name="public_list"),
]
