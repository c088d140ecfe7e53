from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("privacy/<str:record_type>/<int:record_id>/export/", views.export_page, name="export"),
    path("privacy/<str:record_type>/<int:record_id>/erase/", views.erase, name="erase"),
]
