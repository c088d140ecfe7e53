from django.urls import path

from . import views

app_name = "webforms"
urlpatterns = [
    path("<str:key>", views.endpoint, name="endpoint"),
    path("<str:key>/token", views.token, name="token"),
]
