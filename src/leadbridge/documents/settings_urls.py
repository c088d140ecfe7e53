"""The documents' pages in Settings (administrators): the price list, company and numbering."""

from django.urls import path

from . import views

app_name = "documents_settings"
urlpatterns = [
    path("products/", views.products_page, name="products"),
    path("company/", views.company_page, name="company"),
]
