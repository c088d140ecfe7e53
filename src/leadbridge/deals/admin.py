from django.contrib import admin

from leadbridge.core.admin import ReadOnlyRecordAdmin

from .models import Deal, Pipeline, Stage


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ("name", "order", "is_default")
    inlines = [StageInline]


@admin.register(Deal)
class DealAdmin(ReadOnlyRecordAdmin):
    list_display = ("title", "pipeline", "stage", "value", "currency", "owner")
    search_fields = ("search_text",)
