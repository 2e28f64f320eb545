from django.urls import path

from maillage.meetings import feeds, views

app_name = "meetings"
urlpatterns = [
    path("", views.body_list_view, name="body_list"),
    path("nouvelle/", views.body_create_view, name="body_create"),
    path("seances-publiques.ics", feeds.public_feed_view, name="public_feed"),
    path("participation/", views.participation_view, name="participation"),
    path("participation/carte.json", views.participation_map_data_view, name="participation_map_data"),
    path("reponse/<str:token>/", views.rsvp_view, name="rsvp"),
    path("<int:pk>/", views.body_detail_view, name="body_detail"),
    path("<int:pk>/modifier/", views.body_update_view, name="body_update"),
    path("<int:pk>/membres/", views.body_members_view, name="body_members"),
    path(
        "<int:pk>/membres/<int:member_pk>/retirer/", views.body_member_remove_view, name="body_member_remove"
    ),
    path("<int:pk>/seances/nouvelle/", views.session_create_view, name="session_create"),
    path("seances/<int:pk>/", views.session_detail_view, name="session_detail"),
    path("seances/<int:pk>/modifier/", views.session_update_view, name="session_update"),
    path("seances/<int:pk>/ordre-du-jour/", views.agenda_item_add_view, name="agenda_item_add"),
    path("seances/<int:pk>/proposer/", views.proposal_create_view, name="proposal_create"),
    path("propositions/<int:pk>/decision/", views.proposal_decide_view, name="proposal_decide"),
    path("ordre-du-jour/<int:pk>/document/", views.agenda_document_view, name="agenda_document"),
    path("seances/<int:pk>/inviter/", views.session_invite_view, name="session_invite"),
    path("seances/<int:pk>/relancer/", views.session_remind_view, name="session_remind"),
    path("seances/<int:pk>/annuler/", views.session_cancel_view, name="session_cancel"),
    path("seances/<int:pk>/emargement/", views.attendance_view, name="attendance"),
    path("seances/<int:pk>/emargement.pdf", views.attendance_pdf_view, name="attendance_pdf"),
    path("seances/<int:pk>/compte-rendu/", views.minutes_view, name="minutes"),
    path("actions/<int:pk>/cloturer/", views.action_close_view, name="action_close"),
]
