from django.urls import path

from . import views

app_name = "automation"
urlpatterns = [
    path("", views.index, name="index"),
    path("webforms/<int:pk>/", views.webform_edit, name="webform"),
    path("deliveries/<uuid:pk>/", views.delivery_detail, name="delivery"),
]
