from django.urls import path

app_name = "interactions"
urlpatterns: list = []
