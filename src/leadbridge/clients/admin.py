from django.contrib import admin

from leadbridge.core.admin import ReadOnlyRecordAdmin

from .models import Client, Contact


@admin.register(Client)
class ClientAdmin(ReadOnlyRecordAdmin):
    list_display = ("__str__", "kind", "owner", "team", "created_at")
    search_fields = ("search_text",)


@admin.register(Contact)
class ContactAdmin(ReadOnlyRecordAdmin):
    list_display = ("__str__", "client", "owner", "team", "created_at")
    search_fields = ("search_text",)
