from django.urls import path

from . import preferences, views

app_name = "core"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("search/", views.search, name="search"),
    path("preferences/", preferences.preferences, name="preferences"),
]
