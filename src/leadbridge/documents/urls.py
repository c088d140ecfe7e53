from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path(
        "new/<str:record_type>/<int:record_id>/<str:kind>/",
        views.document_new,
        name="new",
    ),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/pdf/", views.document_pdf, name="pdf"),
    path("<int:pk>/send/", views.document_send, name="send"),
    path("<int:pk>/status/", views.document_status, name="status"),
    path("<int:pk>/proforma/", views.document_proforma, name="proforma"),
    path("<int:pk>/delete/", views.document_delete, name="delete"),
]
