app_name = "commons"

urlpatterns: list = []
