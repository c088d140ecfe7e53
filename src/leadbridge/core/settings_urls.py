from django.urls import path

from . import settings_views as views

app_name = "settings"
urlpatterns = [
    path("", views.index, name="index"),
]
