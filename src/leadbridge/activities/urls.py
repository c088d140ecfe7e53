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
    path("agenda/<str:record_type>/<int:pk>/", views.agenda_create, name="agenda_create"),
    path(
        "agenda/<str:record_type>/<int:pk>/done/<int:activity_id>/",
        views.agenda_done,
        name="agenda_done",
    ),
    path("files/<int:pk>/", views.download, name="download"),
]
