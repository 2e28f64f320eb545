from django.urls import path

from maillage.agreements import views

app_name = "agreements"
urlpatterns = [
    path("", views.agreement_list_view, name="list"),
    path("nouvelle/", views.agreement_create_view, name="create"),
    path("<int:pk>/", views.agreement_detail_view, name="detail"),
    path("<int:pk>/modifier/", views.agreement_update_view, name="update"),
    path("<int:pk>/transition/", views.agreement_transition_view, name="transition"),
    path("<int:pk>/valider/", views.agreement_validate_view, name="validate"),
    path("<int:pk>/parties/ajouter/", views.party_add_view, name="party_add"),
    path("parties/<int:pk>/retirer/", views.party_remove_view, name="party_remove"),
    path("parties/<int:pk>/signature/", views.party_sign_view, name="party_sign"),
    path("<int:pk>/engagements/ajouter/", views.commitment_add_view, name="commitment_add"),
    path("engagements/<int:pk>/supprimer/", views.commitment_delete_view, name="commitment_delete"),
    path("<int:pk>/versements/ajouter/", views.payment_add_view, name="payment_add"),
    path("versements/<int:pk>/modifier/", views.payment_update_view, name="payment_update"),
    path("versements/<int:pk>/verse/", views.payment_mark_paid_view, name="payment_mark_paid"),
    path("<int:pk>/deliberations/ajouter/", views.deliberation_add_view, name="deliberation_add"),
    path("<int:pk>/obligations/ajouter/", views.obligation_add_view, name="obligation_add"),
    path("obligations/<int:pk>/modifier/", views.obligation_update_view, name="obligation_update"),
    path("obligations/<int:pk>/terminer/", views.obligation_complete_view, name="obligation_complete"),
    path("<int:pk>/avenants/nouveau/", views.amendment_create_view, name="amendment_create"),
    path("avenants/<int:pk>/", views.amendment_detail_view, name="amendment_detail"),
    path("avenants/<int:pk>/modifier/", views.amendment_update_view, name="amendment_update"),
    path(
        "avenants/<int:pk>/modifications/ajouter/",
        views.amendment_change_add_view,
        name="amendment_change_add",
    ),
    path(
        "avenants/modifications/<int:pk>/supprimer/",
        views.amendment_change_delete_view,
        name="amendment_change_delete",
    ),
    path("avenants/<int:pk>/transition/", views.amendment_transition_view, name="amendment_transition"),
]
