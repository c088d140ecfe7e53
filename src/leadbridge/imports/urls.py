from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/map/", views.mapping, name="map"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/<str:name>/", views.action, name="action"),
]
