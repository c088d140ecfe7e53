from django.urls import path

from . import views

app_name = "history"
urlpatterns = [
    path("history/<str:record_type>/<int:pk>/", views.timeline, name="timeline"),
]
