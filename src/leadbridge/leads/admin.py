from django.contrib import admin

from leadbridge.core.admin import ReadOnlyRecordAdmin

from .models import Lead, LeadSource, LeadStatus


@admin.register(LeadStatus)
class LeadStatusAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "order", "on_board", "color")
    list_editable = ("order", "on_board")


@admin.register(LeadSource)
class LeadSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "order", "active")


@admin.register(Lead)
class LeadAdmin(ReadOnlyRecordAdmin):
    list_display = ("__str__", "status", "owner", "team", "created_at", "is_converted")
    list_filter = ("status", "source", "is_converted")
    search_fields = ("search_text",)
