from django.urls import path

from . import views

app_name = "activities"
urlpatterns = [
    path("tasks/", views.tasks, name="tasks"),
    path("related/<str:record_type>/<int:pk>/", views.related, name="related"),
    path(
        "related/<str:record_type>/<int:pk>/new/<str:kind>/",
        views.related_create,
        name="related_create",
    ),
    path("activities/<int:pk>/done/", views.activity_done, name="done"),
    path("files/<int:pk>/", views.download, name="download"),
]
