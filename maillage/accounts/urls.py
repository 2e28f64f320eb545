from django.contrib.auth import views as auth_views
from django.urls import path

from maillage.core.access import PUBLIC, access

app_name = "accounts"
urlpatterns = [
    path(
        "connexion/",
        access(PUBLIC)(
            auth_views.LoginView.as_view(
                template_name="accounts/login.html", redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    path("deconnexion/", access(PUBLIC)(auth_views.LogoutView.as_view()), name="logout"),
]
