from django.urls import path

from . import views

app_name = "duplicates"
urlpatterns = [
    path("", views.finder_page, name="finder"),
    path("weights/", views.weights_panel, name="weights"),
    path("weights/train/", views.weights_train, name="weights_train"),
    path("jobs/<uuid:job_id>/", views.job_page, name="job"),
    path("compare/", views.compare_page, name="compare"),
    path("check/", views.check_fragment, name="check"),
    path("not-duplicate/", views.not_duplicate, name="not_duplicate"),
    path("merges/", views.merges_page, name="merges"),
    path("merges/<int:pk>/undo/", views.undo, name="undo"),
]
