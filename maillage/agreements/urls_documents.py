from django.urls import path

from maillage.agreements import views_documents as views

app_name = "agreement_documents"
urlpatterns = [
    path("<int:pk>/documents/ajouter/", views.document_upload_view, name="upload"),
    path("documents/<int:doc>/version/", views.document_version_add_view, name="version_add"),
    path("documents/versions/<int:version>/telecharger/", views.document_download_view, name="download"),
    path("<int:pk>/document/<str:fmt>/", views.document_generate_view, name="generate"),
    path("<int:pk>/document/<str:fmt>/enregistrer/", views.document_generate_save_view, name="generate_save"),
]
